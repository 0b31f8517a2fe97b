import { fileMaintenanceRequest } from "@hutong/licensing";
import { Command } from "commander";
import type { CommandIo } from "../support/command-io.js";
import { readMaintenanceRequest } from "./maintenance-request-file.js";
import {
  checkedFlags,
  type MaintenanceFlags,
  openMaintenanceSession,
  refusedAsError,
  type SignerFlags,
  signerOf,
  withMaintenanceFlags,
  withSignerFlags,
} from "./maintenance-session.js";
import { statusText } from "./maintenance-status-json.js";

interface FileFlags extends MaintenanceFlags, SignerFlags {
  request: string;
}

/**
 * `hutong licence maintenance file`: a province's licence system files a data-maintenance request
 * (docs/licences.md §6) from a request file, its attachments digested, signed with the system's
 * key and chain, through its gateway to the ministry's library. Prints the request's status
 * (which holds no corrected value).
 */
export function maintenanceFileCommand(io: CommandIo): Command {
  return withSignerFlags(
    withMaintenanceFlags(
      new Command("file")
        .description(
          "file a data-maintenance request (a JSON request file, docs/licences.md §6), signed by the province's licence system",
        )
        .requiredOption(
          "--request <file>",
          "the request as JSON: requestId, province, applicantUnit, operatorId, corrections, reason, attachments, filedAt?",
        ),
    ),
  ).action(async (f: FileFlags) => {
    const { library } = checkedFlags(f);
    const request = await readMaintenanceRequest(f.request, new Date());
    const { client, caller } = await openMaintenanceSession(f);
    try {
      const signer = await signerOf(f, caller);
      const status = await refusedAsError(io, () => fileMaintenanceRequest(client, signer, request, library));
      if (status !== undefined) io.stdout.write(statusText(status));
    } finally {
      client.close();
    }
  });
}
