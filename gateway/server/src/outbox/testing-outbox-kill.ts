// The harness of the outbox kill test (outbox-kill.spec.ts): what the sender and the receiver
// processes share, and how the test starts, kills and reads them.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import type { StoreLocation } from "../store/port/store.js";
import { sqliteInboxSchema } from "../store/sqlite/sqlite-inbox.js";

export const killTestTopic = "kill-test";
export const killTestPath = "/hutong.test.KillTest/Deliver";

/** One message as the sender puts it on the wire (JSON). */
export interface KillTestMessage {
  /** The fact's number: messages of one ordering key are enqueued in increasing order. */
  readonly n: number;
  readonly idempotencyKey: string;
  readonly orderingKey: string | null;
}

/** Fact n's message: most are ordered, spread over `keys` ordering keys; every 7th is unordered. */
export function killTestMessage(n: number, keys: number): KillTestMessage {
  return { n, idempotencyKey: `m-${n}`, orderingKey: n % 7 === 3 ? null : `k${n % keys}` };
}

export interface SenderArgs {
  readonly location: StoreLocation;
  /** The receiver's "host:port". */
  readonly address: string;
  readonly total: number;
  readonly keys: number;
}

export interface ReceiverArgs {
  readonly dbPath: string;
  readonly port: number;
}

export const receiverSchema = `
${sqliteInboxSchema}
-- Every application of a message's effect, in the order applied. No unique key: a message applied
-- twice would show here twice (the inbox is what must prevent it, and the test checks it did).
CREATE TABLE IF NOT EXISTS applied (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  n            INTEGER NOT NULL,
  ordering_key TEXT
);
-- Every delivery that reached the handler: applied, or absorbed as a repeat.
CREATE TABLE IF NOT EXISTS received (id INTEGER PRIMARY KEY CHECK (id = 1), count INTEGER NOT NULL);
INSERT OR IGNORE INTO received (id, count) VALUES (1, 0);
`;

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** The last line it printed. */
  last(): string;
  /** What it wrote on stderr (for a failure's message). */
  stderr(): string;
}

function startChild(name: string, script: string, args: unknown, readyLine: RegExp): Promise<Child> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const child = spawn(process.execPath, ["--conditions=hutong-source", "--import", "tsx", path, JSON.stringify(args)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let last = "";
  let err = "";
  child.stderr?.setEncoding("utf8").on("data", (c: string) => {
    err = (err + c).slice(-4000);
  });
  const exited = once(child, "exit").then(([code]) => code as number | null);
  const handle: Child = { name, process: child, exited, last: () => last, stderr: () => err };
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    let ready = false;
    lines.on("line", (line) => {
      last = line;
      if (!ready && readyLine.test(line)) {
        ready = true;
        resolve(handle);
      }
    });
    void exited.then((code) => {
      if (!ready) reject(new Error(`${name} exited (${code}) before it was ready: ${err}`));
    });
  });
}

/** Starts the receiver; resolves once it listens, with the port it took. */
export async function startReceiver(args: ReceiverArgs): Promise<{ child: Child; port: number }> {
  const child = await startChild("receiver", "./testing-outbox-receiver.ts", args, /^listening \d+$/);
  return { child, port: Number(child.last().split(" ")[1]) };
}

/** Starts the sender; resolves once its dispatcher runs (it goes on recording facts after that). */
export function startSender(args: SenderArgs): Promise<Child> {
  return startChild("sender", "./testing-outbox-sender.ts", args, /^dispatching /);
}

/** SIGKILL, and wait until it is gone. */
export async function killHard(child: Child): Promise<void> {
  child.process.kill("SIGKILL");
  await child.exited;
}

/** SIGTERM, and wait until it has closed its store. */
export async function stop(child: Child): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill("SIGTERM");
  await child.exited;
}

export interface ReceiverCounts {
  /** Rows in applied: every application of an effect. */
  readonly applied: number;
  /** Distinct messages applied. */
  readonly distinct: number;
  /** Deliveries that reached the handler. */
  readonly received: number;
}

/** Reads the receiver's database through a read-only connection (WAL: it never blocks the receiver). */
export function openReceiverReader(dbPath: string) {
  let db: Database.Database | undefined;
  const conn = () => {
    db ??= new Database(dbPath, { readonly: true, fileMustExist: true });
    return db;
  };
  return {
    counts(): ReceiverCounts {
      const r = conn()
        .prepare(
          "SELECT (SELECT count(*) FROM applied) AS applied, (SELECT count(DISTINCT n) FROM applied) AS distinct_n, (SELECT count FROM received WHERE id = 1) AS received",
        )
        .get() as { applied: number; distinct_n: number; received: number };
      return { applied: r.applied, distinct: r.distinct_n, received: r.received };
    },
    /** Every application in the order it happened. */
    applications(): { n: number; orderingKey: string | null }[] {
      return (
        conn().prepare("SELECT n, ordering_key FROM applied ORDER BY seq").all() as {
          n: number;
          ordering_key: string | null;
        }[]
      ).map((r) => ({ n: r.n, orderingKey: r.ordering_key }));
    },
    close(): void {
      db?.close();
      db = undefined;
    },
  };
}
