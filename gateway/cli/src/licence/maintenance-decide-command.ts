import { decideMaintenanceRequest, queryMaintenanceRequest } from "@hutong/licensing";
import { Command } from "commander";
import type { CommandIo } from "../support/command-io.js";
import { UsageError } from "../support/usage-error.js";
import {
  checkedFlags,
  type MaintenanceFlags,
  openMaintenanceSession,
  provinceFlag,
  refusedAsError,
  requestIdFlag,
  type SignerFlags,
  signerOf,
  withMaintenanceFlags,
  withSignerFlags,
} from "./maintenance-session.js";
import { statusText } from "./maintenance-status-json.js";

interface DecideFlags extends MaintenanceFlags, SignerFlags {
  province: string;
  requestId: string;
  approve?: boolean;
  reject?: boolean;
  reason: string;
}

/**
 * `hutong licence maintenance decide`: a ministry system approves or rejects a filed request. The
 * request's status is asked first, for the SM3 of the request's signed bytes, which the decision
 * names, so it is about exactly the request that was filed; the decision is signed by the calling
 * system (or --signer-*) and sent. Prints the new status. The library refuses a decision on a
 * request that is not awaiting one (FAILED_PRECONDITION).
 */
export function maintenanceDecideCommand(io: CommandIo): Command {
  return withSignerFlags(
    withMaintenanceFlags(
      new Command("decide")
        .description("approve or reject a filed data-maintenance request, signed by the calling ministry system")
        .requiredOption("--province <code>", "the filing province's GB/T 2260 code, e.g. 510000")
        .requiredOption("--request-id <id>", "the province's id for the request")
        .option("--approve", "approve the request: the province applies it")
        .option("--reject", "reject the request")
        .requiredOption("--reason <text>", "审核意见: why"),
    ),
  ).action(async (f: DecideFlags) => {
    const province = provinceFlag(f.province);
    const requestId = requestIdFlag(f.requestId);
    if (f.approve === f.reject) throw new UsageError("give exactly one of --approve or --reject");
    const { library } = checkedFlags(f);
    const { client, caller } = await openMaintenanceSession(f);
    try {
      const signer = await signerOf(f, caller);
      const filed = await refusedAsError(io, () => queryMaintenanceRequest(client, province, requestId, library));
      if (filed === undefined) return;
      if (filed.province !== province || filed.requestId !== requestId) {
        io.stderr.write(`ERROR: the library answered for another request than ${province}/${requestId}\n`);
        io.exitCode(1);
        return;
      }
      const decided = await refusedAsError(io, () =>
        decideMaintenanceRequest(
          client,
          signer,
          filed,
          { approved: f.approve === true, reason: f.reason, at: new Date() },
          library,
        ),
      );
      if (decided !== undefined) io.stdout.write(statusText(decided));
    } finally {
      client.close();
    }
  });
}
