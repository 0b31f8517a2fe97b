// The proof that the outbox keeps its promises under crashes: a sender process records
// thousands of facts, each with its outbox message in the same transaction, and delivers them over
// real gRPC to a receiver process that applies each through its inbox; both are SIGKILLed at
// random moments (seeded: a failure prints the seed, and HUTONG_OUTBOX_KILL_SEED=<seed> replays
// the same plan) and started again. Counted at the receiving end, once the outbox has drained:
// every message applied, none applied twice, per-key order kept.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import pg from "pg";
import type { StoreLocation } from "../store/port/store.js";
import { postgresSkip, postgresUrl, randomSchemaName } from "../testing.js";
import {
  type Child,
  killHard,
  killTestMessage,
  openReceiverReader,
  startReceiver,
  startSender,
  stop,
} from "./testing-outbox-kill.js";
import { seededRandom } from "./testing-random.js";

const seedFromEnv = process.env.HUTONG_OUTBOX_KILL_SEED;
const seed =
  seedFromEnv === undefined || seedFromEnv === "" ? Math.floor(Math.random() * 2 ** 31) : Number(seedFromEnv);

interface KillRun {
  readonly total: number;
  readonly keys: number;
  readonly senderKills: number;
  readonly receiverKills: number;
  /** The sender's store, and how to read its backlog and its count of recorded facts. */
  readonly sender: {
    readonly location: StoreLocation;
    backlog(): Promise<{ outbox: number; facts: number }>;
  };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

async function killRun(t: TestContext, dir: string, run: KillRun): Promise<void> {
  const random = seededRandom(seed);
  const started = Date.now();
  const dbPath = join(dir, "receiver.db");
  const events: string[] = [];
  const children = new Set<Child>();
  const track = (c: Child) => {
    children.add(c);
    return c;
  };
  let receiver = track((await startReceiver({ dbPath, port: 0 })).child);
  const port = Number(receiver.last().split(" ")[1]);
  const senderArgs = { location: run.sender.location, address: `127.0.0.1:${port}`, total: run.total, keys: run.keys };
  let sender = track(await startSender(senderArgs));
  const reader = openReceiverReader(dbPath);
  const applied = () => reader.counts().distinct;
  let senderKills = 0;
  let receiverKills = 0;
  const killSender = async (when: string) => {
    const last = sender.last();
    await killHard(sender);
    senderKills += 1;
    events.push(`sender killed ${when}, ${applied()} applied, its last line "${last}"`);
    await sleep(Math.floor(random() * 200));
    sender = track(await startSender(senderArgs));
  };
  const killReceiver = async (when: string) => {
    await killHard(receiver);
    receiverKills += 1;
    events.push(`receiver killed ${when}, ${applied()} applied`);
    await sleep(Math.floor(random() * 200));
    receiver = track((await startReceiver({ dbPath, port })).child);
  };
  try {
    // One kill early, most often while the sender is still recording facts (a fact and its message
    // are one transaction: the restarted sender records the rest, and only those).
    const early = 20 + Math.floor(random() * 300);
    await sleep(early);
    await killSender(`${early} ms after it started`);
    // The rest when the receiver has applied a random share, in a random order of targets.
    const targets = [
      ...Array<"sender">(run.senderKills - 1).fill("sender"),
      ...Array<"receiver">(run.receiverKills).fill("receiver"),
    ];
    for (let i = targets.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [targets[i], targets[j]] = [targets[j] as "sender" | "receiver", targets[i] as "sender" | "receiver"];
    }
    const thresholds = targets.map(() => Math.floor(run.total * (0.05 + random() * 0.85))).sort((a, b) => a - b);
    for (const [i, target] of targets.entries()) {
      const at = thresholds[i] ?? 0;
      await until(`${at} messages are applied`, () => applied() >= at, 30_000);
      await sleep(Math.floor(random() * 20));
      if (target === "sender") await killSender(`at ${at}`);
      else await killReceiver(`at ${at}`);
    }
    await until(
      "every message is applied and the sender's outbox is empty",
      async () => {
        if (applied() < run.total) return false;
        const backlog = await run.sender.backlog();
        return backlog.outbox === 0 && backlog.facts === run.total;
      },
      40_000,
    );
    await stop(sender);
    await stop(receiver);

    // Counted at the receiving end.
    const counts = reader.counts();
    const applications = reader.applications();
    assert.equal(counts.distinct, run.total, "every message applied");
    assert.equal(counts.applied, run.total, "none applied twice");
    assert.deepEqual(
      [...new Set(applications.map((a) => a.n))].sort((a, b) => a - b),
      Array.from({ length: run.total }, (_, n) => n),
      "exactly the messages of the recorded facts",
    );
    const lastOfKey = new Map<string, number>();
    let ordered = 0;
    for (const a of applications) {
      assert.deepEqual(a.orderingKey, killTestMessage(a.n, run.keys).orderingKey);
      if (a.orderingKey === null) continue;
      ordered += 1;
      const before = lastOfKey.get(a.orderingKey) ?? -1;
      assert.ok(a.n > before, `${a.orderingKey}: message ${a.n} applied after ${before}: order broken`);
      lastOfKey.set(a.orderingKey, a.n);
    }
    assert.equal(lastOfKey.size, run.keys);
    const backlog = await run.sender.backlog();
    assert.deepEqual(backlog, { outbox: 0, facts: run.total }, "each fact recorded once; nothing left or dead");
    assert.ok(senderKills === run.senderKills && receiverKills === run.receiverKills);
    t.diagnostic(
      `seed ${seed}: ${run.total} messages (${ordered} ordered over ${run.keys} keys), ${senderKills} sender and ` +
        `${receiverKills} receiver SIGKILLs, ${counts.received - run.total} redeliveries absorbed by the inbox, ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    for (const e of events) t.diagnostic(e);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(
      `outbox kill test failed with seed ${seed} (replay: HUTONG_OUTBOX_KILL_SEED=${seed}): ${why}\n` +
        `  ${events.join("\n  ")}\n  sender stderr: ${sender.stderr()}\n  receiver stderr: ${receiver.stderr()}`,
      { cause: e },
    );
  } finally {
    reader.close();
    for (const c of children) if (c.process.exitCode === null && c.process.signalCode === null) await killHard(c);
  }
}

describe("outbox: SIGKILL the sender and the receiver at random moments", () => {
  it("3000 messages over SQLite: none lost, none applied twice, per-key order kept", {
    timeout: 120_000,
  }, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "hutong-outbox-kill-"));
    const path = join(dir, "sender.db");
    try {
      await killRun(t, dir, {
        total: 3000,
        keys: 50,
        senderKills: 4,
        receiverKills: 4,
        sender: {
          location: { kind: "sqlite", path },
          async backlog() {
            const db = new Database(path, { readonly: true, fileMustExist: true });
            try {
              const row = db
                .prepare(
                  "SELECT (SELECT count(*) FROM outbox_message) AS outbox, (SELECT size FROM audit_head WHERE id = 1) AS facts",
                )
                .get() as { outbox: number; facts: number };
              return { outbox: row.outbox, facts: row.facts };
            } finally {
              db.close();
            }
          },
        },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("1000 messages with the sender's store on PostgreSQL: the same guarantees", {
    timeout: 120_000,
    skip: postgresSkip,
  }, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "hutong-outbox-kill-"));
    const schema = randomSchemaName();
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    try {
      await killRun(t, dir, {
        total: 1000,
        keys: 20,
        senderKills: 3,
        receiverKills: 3,
        sender: {
          location: { kind: "postgres", url: postgresUrl ?? "", schema, maxConnections: 8 },
          async backlog() {
            const exists = await admin.query("SELECT to_regclass($1) AS t", [`"${schema}".outbox_message`]);
            if (exists.rows[0]?.t === null) return { outbox: -1, facts: 0 };
            const { rows } = await admin.query(
              `SELECT (SELECT count(*) FROM "${schema}".outbox_message)::int AS outbox,
                   (SELECT size FROM "${schema}".audit_head WHERE id = 1)::int AS facts`,
            );
            return { outbox: rows[0]?.outbox as number, facts: rows[0]?.facts as number };
          },
        },
      });
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
