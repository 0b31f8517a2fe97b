import { Command } from "commander";
import { messageJson } from "./message-format.js";
import { type CommonFlags, lines, type OutboxCommandIo, positive, withStore } from "./outbox-io.js";

export function showCommand(io: OutboxCommandIo): Command {
  return new Command("show")
    .description("one message in full (its payload by size and SM3 digest only)")
    .argument("<id>", "the message's id (from list)")
    .requiredOption("--config <file>", "the gateway's config file (as hutong start reads it)")
    .option("--json", "print one JSON object")
    .action(async (idText: string, flags: CommonFlags) => {
      const id = positive(idText, "the message id");
      await withStore(io, flags, async (store) => {
        const message = await store.getOutboxMessage(id, io.now());
        const { out, err } = lines(io);
        if (message === undefined) {
          err(`hutong: no outbox message ${id} (delivered, dropped, or never there)`);
          io.exitCode(1);
          return;
        }
        const json = messageJson(message);
        if (flags.json === true) {
          out(JSON.stringify(json));
          return;
        }
        const width = Math.max(...Object.keys(json).map((k) => k.length));
        for (const [k, v] of Object.entries(json)) out(`${k.padEnd(width)}  ${v === null ? "-" : String(v)}`);
      });
    });
}
