import { parsePartyId } from "@hutong/certs";
import {
  dropMessage,
  isOutboxError,
  type OperatorActionDone,
  type OutboxOperator,
  outboxOperatorEntry,
  replayDeadLetter,
} from "@hutong/gateway/outbox";
import { Command } from "commander";
import { UsageError } from "../support/usage-error.js";
import { type CommonFlags, lines, type OutboxCommandIo, positive, withStore } from "./outbox-io.js";

export interface ActionFlags extends CommonFlags {
  operator?: string;
}

export const actionWords = {
  replay: { past: "replayed", after: "pending again, due now, attempts reset to 0, its age counted from now" },
  drop: { past: "dropped", after: "removed: it will never be delivered" },
} as const;

export function actionCommand(io: OutboxCommandIo, name: "replay" | "drop"): Command {
  const description =
    name === "replay"
      ? "put dead letters back to pending (due now, attempts reset); each is recorded in the gateway's audit log"
      : "remove messages for good (pending, blocked or dead); each is recorded in the gateway's audit log";
  return new Command(name)
    .description(description)
    .argument("<id...>", "message ids (from list)")
    .requiredOption("--config <file>", "the gateway's config file (as hutong start reads it)")
    .option(
      "--operator <id>",
      "who acts, as a party id under this gateway's member (recorded as the requester; never a person's name); default <party>/operator",
    )
    .option("--json", "print one JSON object")
    .action(async (idTexts: string[], flags: ActionFlags) => {
      const ids = idTexts.map((t) => positive(t, "a message id"));
      if (flags.operator !== undefined) {
        try {
          parsePartyId(flags.operator);
        } catch {
          throw new UsageError(
            `--operator must be a party id such as prov:510000/ops, got ${JSON.stringify(flags.operator)}`,
          );
        }
      }
      await withStore(io, flags, async (store, party) => {
        const operator = flags.operator ?? `${party}/operator`;
        const ops: OutboxOperator = {
          store,
          now: io.now,
          auditEntry: (action, message) =>
            outboxOperatorEntry(action, message, { self: party, operator, timeMs: io.now() }),
        };
        const results: Record<string, unknown>[] = [];
        const { out, err } = lines(io);
        for (const id of ids) {
          let done: OperatorActionDone;
          try {
            done = name === "replay" ? await replayDeadLetter(ops, id) : await dropMessage(ops, id);
          } catch (e) {
            if (!isOutboxError(e)) throw e;
            io.exitCode(1);
            results.push({ id, outcome: "refused", code: e.code, reason: e.message });
            if (flags.json !== true) err(`hutong: ${e.message}`);
            continue;
          }
          const m = done.message;
          results.push({
            id,
            outcome: actionWords[name].past,
            topic: m.topic,
            destination: m.destination,
            previousState: m.state,
            auditIndex: done.auditIndex ?? null,
          });
          if (flags.json !== true) {
            out(
              `${actionWords[name].past} message ${id} (${m.topic} → ${m.destination}, was ${m.state}): ${actionWords[name].after}; ` +
                `recorded in the audit log as entry ${done.auditIndex ?? "?"} by ${operator}`,
            );
          }
        }
        if (flags.json === true) out(JSON.stringify({ results }));
        if (name === "replay" && results.some((r) => r.outcome === "replayed")) {
          if (flags.json !== true) out("a running gateway picks replayed messages up at its next poll");
        }
      });
    });
}
