import { Command } from "commander";
import { actionCommand } from "./action-command.js";
import { listCommand } from "./list-command.js";
import { type OutboxCommandIo, processIo } from "./outbox-io.js";
import { showCommand } from "./show-command.js";

/**
 * `hutong outbox list|show|replay|drop` (docs/outbox.md): what the gateway still has to deliver,
 * its dead letters, and an operator's repairs. It opens the store the config names, while the
 * gateway runs or not (SQLite: a second connection; PostgreSQL: the shared database).
 */
export function outboxCommand(io: OutboxCommandIo = processIo): Command {
  const group = new Command("outbox")
    .description("the gateway's outbox: messages still to deliver and dead letters (list, show, replay, drop)")
    .addCommand(listCommand(io))
    .addCommand(showCommand(io))
    .addCommand(actionCommand(io, "replay"))
    .addCommand(actionCommand(io, "drop"));
  // As in audit-command.ts: commander's own usage errors must exit 2, not 1.
  for (const c of [group, ...group.commands]) {
    c.exitOverride().configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  }
  return group;
}
