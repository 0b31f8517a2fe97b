import { resolve } from "node:path";
import { parsePartyId, sm3 } from "@hutong/certs";
import { type HutongStore, loadGatewayConfig, openGatewayStore } from "@hutong/gateway";
import {
  dropMessage,
  isOutboxError,
  type OperatorActionDone,
  type OutboxMessage,
  type OutboxMessageState,
  type OutboxOperator,
  type OutboxStats,
  outboxOperatorEntry,
  replayDeadLetter,
} from "@hutong/gateway/outbox";
import { StoreError } from "@hutong/gateway/ports";
import { Command, Option } from "commander";
import { UsageError } from "../support/usage-error.js";

/** Where the commands write, and their exit status: the process by default; tests run them in-process. */
export interface OutboxCommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** 0, or 1 when the store failed or an action was refused (usage errors throw: exit 2). */
  exitCode(code: number): void;
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => number;
}

const processIo: OutboxCommandIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  exitCode(code) {
    process.exitCode = code;
  },
  env: process.env,
  now: Date.now,
};

const states: readonly OutboxMessageState[] = ["pending", "in-flight", "blocked", "dead"];

interface CommonFlags {
  config: string;
  json?: boolean;
}

function lines(io: OutboxCommandIo) {
  return {
    out: (line: string) => io.stdout.write(`${line}\n`),
    err: (line: string) => io.stderr.write(`${line}\n`),
  };
}

function positive(text: string, what: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${what} must be a positive integer, got ${JSON.stringify(text.slice(0, 40))}`);
  }
  return Number(text);
}

/** Opens the gateway's store from its config (as `hutong start` reads it), runs `fn`, closes it. */
async function withStore(
  io: OutboxCommandIo,
  flags: CommonFlags,
  fn: (store: HutongStore, party: string) => Promise<void>,
) {
  const config = await loadGatewayConfig(resolve(flags.config));
  let store: HutongStore;
  try {
    store = await openGatewayStore(config, io.env, {
      thread: "main",
      mustExist: true,
      applicationName: `hutong outbox ${config.party}`,
    });
  } catch (e) {
    if (!(e instanceof StoreError)) throw e;
    lines(io).err(`hutong: cannot open the gateway's store: ${e.message}`);
    io.exitCode(1);
    return;
  }
  try {
    await fn(store, config.party);
  } catch (e) {
    if (!(e instanceof StoreError)) throw e;
    lines(io).err(`hutong: the gateway's store failed: ${e.message}`);
    io.exitCode(1);
  } finally {
    await store.close();
  }
}

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86_400)}d${String(Math.floor((s % 86_400) / 3600)).padStart(2, "0")}h`;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * A message as JSON: everything but the payload, which is shown by size and SM3 digest only (a
 * future topic's payload may carry personal data; the operator needs to tell messages apart, not
 * read them).
 */
function messageJson(m: OutboxMessage) {
  return {
    id: m.id,
    topic: m.topic,
    destination: m.destination,
    state: m.state,
    idempotencyKey: m.idempotencyKey,
    orderingKey: m.orderingKey,
    attempts: m.attempts,
    created: iso(m.createdMs),
    nextAttempt: iso(m.nextAttemptMs),
    leaseUntil: iso(m.leaseUntilMs),
    dead: iso(m.deadMs),
    lastError: m.lastError,
    payloadBytes: m.payload.length,
    payloadSm3: Buffer.from(sm3(m.payload)).toString("hex"),
  };
}

function statsLine(s: OutboxStats, nowMs: number): string {
  const oldest = s.oldestCreatedMs === null ? "" : `, oldest ${age(nowMs - s.oldestCreatedMs)}`;
  return (
    `${s.topic} → ${s.destination}: ${s.depth} to deliver (${s.inFlight} in flight, ${s.blocked} blocked), ` +
    `${s.dead} dead${oldest}`
  );
}

function statsJson(s: OutboxStats, nowMs: number) {
  const { oldestCreatedMs, ...counts } = s;
  return {
    ...counts,
    oldestCreated: iso(oldestCreatedMs),
    oldestAgeSeconds: oldestCreatedMs === null ? null : Math.max(0, (nowMs - oldestCreatedMs) / 1000),
  };
}

interface ListFlags extends CommonFlags {
  topic?: string;
  destination?: string;
  state?: OutboxMessageState;
  limit: string;
  pageToken?: string;
  all?: boolean;
}

function listCommand(io: OutboxCommandIo): Command {
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

function showCommand(io: OutboxCommandIo): Command {
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

interface ActionFlags extends CommonFlags {
  operator?: string;
}

const actionWords = {
  replay: { past: "replayed", after: "pending again, due now, attempts reset to 0" },
  drop: { past: "dropped", after: "removed: it will never be delivered" },
} as const;

function actionCommand(io: OutboxCommandIo, name: "replay" | "drop"): Command {
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
