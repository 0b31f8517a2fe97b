import { Command } from "commander";
import { type CommandIo, processCommandIo as processIo } from "../support/command-io.js";
import { annualCommand } from "./annual-command.js";
import { ticketsCommand } from "./tickets-command.js";

/** `hutong report`: reports a regulator reads, from the federation's services through a gateway. */
export function reportCommand(io: CommandIo = processIo): Command {
  const group = new Command("report")
    .description("reports from the federation's services (tickets: the e-ticket indicators of the notice, §6)")
    .addCommand(ticketsCommand(io))
    .addCommand(annualCommand(io));
  // As in audit-command.ts: commander's own usage errors must exit 2, not 1.
  for (const c of [group, ...group.commands]) {
    c.exitOverride().configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  }
  return group;
}
