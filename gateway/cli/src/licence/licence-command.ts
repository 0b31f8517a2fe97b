import { Command } from "commander";
import { type CommandIo, processCommandIo as processIo } from "../support/command-io.js";
import { maintenanceDecideCommand } from "./maintenance-decide-command.js";
import { maintenanceFileCommand } from "./maintenance-file-command.js";
import { maintenanceShowCommand } from "./maintenance-show-command.js";

/**
 * `hutong licence maintenance file|decide|show` (docs/licences.md §6): a province's licence system
 * files a signed data-maintenance request at the ministry's library, a ministry system approves or
 * rejects it, signed, and anyone the federation lets ask follows it. The calls are
 * @hutong/licensing's (fileMaintenanceRequest, decideMaintenanceRequest, queryMaintenanceRequest).
 */
export function licenceCommand(io: CommandIo = processIo): Command {
  const maintenance = new Command("maintenance")
    .description("data-maintenance requests (数据维护申请): file one, decide it, show where it stands")
    .addCommand(maintenanceFileCommand(io))
    .addCommand(maintenanceDecideCommand(io))
    .addCommand(maintenanceShowCommand(io));
  const group = new Command("licence")
    .description("e-licences (电子证照) at the ministry's licence library")
    .addCommand(maintenance);
  // As for `hutong grant`: commander's own usage errors must exit 2 (bin.ts), not 1, which means
  // "refused" here.
  for (const c of [group, maintenance, ...maintenance.commands]) {
    c.exitOverride().configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  }
  return group;
}
