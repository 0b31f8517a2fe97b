import type { OutboxMessage, OutboxMessageState } from "@hutong/gateway/outbox";
import { StoreError } from "@hutong/gateway/ports";
import { Command, Option } from "commander";
import { UsageError } from "../support/usage-error.js";
import { age, messageJson, statsJson, statsLine } from "./message-format.js";
import { type CommonFlags, lines, type OutboxCommandIo, positive, withStore } from "./outbox-io.js";

export const states: readonly OutboxMessageState[] = ["pending", "in-flight", "blocked", "dead"];

export interface ListFlags extends CommonFlags {
  topic?: string;
  destination?: string;
  state?: OutboxMessageState;
  limit: string;
  pageToken?: string;
  all?: boolean;
}

export function listCommand(io: OutboxCommandIo): Command {
  return new Command("list")
    .description("the messages still to deliver and the dead letters, oldest first, with a summary per destination")
    .requiredOption("--config <file>", "the gateway's config file (as hutong start reads it)")
    .option("--topic <name>", "only this topic (e.g. grant-revocation)")
    .option("--destination <party>", "only messages for this destination")
    .addOption(new Option("--state <state>", "only messages in this state").choices(states))
    .option("--limit <n>", "messages per page (1-1000)", "100")
    .option("--page-token <token>", "continue from a previous page")
    .option("--all", "follow every page")
    .option("--json", "print one JSON object")
    .action(async (flags: ListFlags) => {
      const pageSize = positive(flags.limit, "--limit");
      if (pageSize > 1000) throw new UsageError("--limit must be at most 1000");
      await withStore(io, flags, async (store) => {
        const nowMs = io.now();
        const filter = {
          ...(flags.topic === undefined ? {} : { topic: flags.topic }),
          ...(flags.destination === undefined ? {} : { destination: flags.destination }),
          ...(flags.state === undefined ? {} : { state: flags.state }),
          pageSize,
        };
        const messages: OutboxMessage[] = [];
        let pageToken = flags.pageToken;
        let next: string | undefined;
        try {
          do {
            const page = await store.listOutbox(pageToken === undefined ? filter : { ...filter, pageToken }, nowMs);
            messages.push(...page.messages);
            next = page.nextPageToken;
            pageToken = next;
          } while (flags.all === true && next !== undefined);
        } catch (e) {
          if (e instanceof StoreError && e.code === "invalid-argument") throw new UsageError(e.message);
          throw e;
        }
        const stats = (await store.outboxStats(nowMs)).filter(
          (s) =>
            (flags.topic === undefined || s.topic === flags.topic) &&
            (flags.destination === undefined || s.destination === flags.destination),
        );
        const { out } = lines(io);
        if (flags.json === true) {
          out(
            JSON.stringify({
              summary: stats.map((s) => statsJson(s, nowMs)),
              messages: messages.map(messageJson),
              ...(next === undefined ? {} : { nextPageToken: next }),
            }),
          );
          return;
        }
        if (stats.length === 0) out("the outbox is empty");
        for (const s of stats) out(statsLine(s, nowMs));
        if (messages.length > 0) {
          out("");
          out(
            ["id", "topic", "destination", "state", "tries", "age", "next try", "ordering key", "last error"].join(
              "\t",
            ),
          );
        }
        for (const m of messages) {
          const nextTry =
            m.state === "dead" ? "-" : m.nextAttemptMs <= nowMs ? "due" : `in ${age(m.nextAttemptMs - nowMs)}`;
          out(
            [
              m.id,
              m.topic,
              m.destination,
              m.state,
              m.attempts,
              age(nowMs - m.createdMs),
              nextTry,
              m.orderingKey ?? "-",
              m.lastError ?? "-",
            ].join("\t"),
          );
        }
        if (next !== undefined) out(`more: --page-token ${next}`);
      });
    });
}
