import { queryMaintenanceRequest } from "@hutong/licensing";
import { Command } from "commander";
import type { CommandIo } from "../support/command-io.js";
import {
  checkedFlags,
  type MaintenanceFlags,
  openMaintenanceSession,
  provinceFlag,
  refusedAsError,
  requestIdFlag,
  withMaintenanceFlags,
} from "./maintenance-session.js";
import { statusText } from "./maintenance-status-json.js";

interface ShowFlags extends MaintenanceFlags {
  province: string;
  requestId: string;
}

/**
 * `hutong licence maintenance show`: where a request stands and every step it took (who, when),
 * as the library answers QueryMaintenanceRequest: never the corrected values.
 */
export function maintenanceShowCommand(io: CommandIo): Command {
  return withMaintenanceFlags(
    new Command("show")
      .description("print a data-maintenance request's state and history as JSON")
      .requiredOption("--province <code>", "the filing province's GB/T 2260 code, e.g. 510000")
      .requiredOption("--request-id <id>", "the province's id for the request"),
  ).action(async (f: ShowFlags) => {
    const province = provinceFlag(f.province);
    const requestId = requestIdFlag(f.requestId);
    const { library } = checkedFlags(f);
    const { client } = await openMaintenanceSession(f);
    try {
      const status = await refusedAsError(io, () => queryMaintenanceRequest(client, province, requestId, library));
      if (status !== undefined) io.stdout.write(statusText(status));
    } finally {
      client.close();
    }
  });
}
