import { Command } from "commander";
import { type AuditCommandIo, processIo } from "./audit-io.js";
import { exportCommand } from "./export-command.js";
import { proveCommand } from "./prove-command.js";
import { queryCommand } from "./query-command.js";
import { verifyCommand } from "./verify-command.js";

/** `hutong audit`: export, verify (offline), prove and query the audit log (docs/audit-log.md). */
export function auditCommand(io: AuditCommandIo = processIo): Command {
  const group = new Command("audit")
    .description("the audit log: export it, verify an export offline, prove an entry, query who accessed what")
    .addCommand(exportCommand(io))
    .addCommand(verifyCommand(io))
    .addCommand(proveCommand(io))
    .addCommand(queryCommand(io));
  // addCommand does not pass the program's exitOverride down: without it, commander's own usage
  // errors (a missing required option) would exit 1, which means "verification failed" here.
  for (const c of [group, ...group.commands]) {
    c.exitOverride().configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  }
  return group;
}
