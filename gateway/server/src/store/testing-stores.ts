// Test fixtures: the same specs run against every adapter. SQLite runs in a
// fresh temp directory (on a worker thread and on the caller's); PostgreSQL runs
// when HUTONG_TEST_POSTGRES_URL is set, each test in its own fresh schema
// (random name, dropped afterwards) so test files can run in parallel.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { MerkleHashName } from "@hutong/audit";
import Database from "better-sqlite3";
import pg from "pg";
import { openStore } from "./open-store.js";
import type { AuditEntryInput } from "./port/audit-store.js";
import type { HutongStore, StoreLocation } from "./port/store.js";
import { isStoreError, type StoreErrorCode } from "./port/store-error.js";

export const postgresUrl = process.env.HUTONG_TEST_POSTGRES_URL;
export const postgresSkip =
  postgresUrl === undefined || postgresUrl === ""
    ? "HUTONG_TEST_POSTGRES_URL not set: PostgreSQL store tests skipped (.ci/run sets it)"
    : false;

export type SqlRow = Record<string, unknown>;

/** A store under test plus raw SQL access to the database behind it (for tamper tests). */
export interface StoreUnderTest {
  readonly store: HutongStore;
  readonly location: StoreLocation;
  /** Runs SQL directly on the database, with unqualified table names; returns the rows. */
  sql(text: string): Promise<SqlRow[]>;
  /** A literal for these bytes in this dialect's SQL. */
  blob(bytes: Uint8Array): string;
  /** Opens another store on the same database (another "process"). */
  openAnother(): Promise<HutongStore>;
  /** Closes everything and removes the database (temp dir or schema). */
  cleanup(): Promise<void>;
}

export interface AdapterUnderTest {
  readonly name: string;
  /** A skip message, or false to run. */
  readonly skip: string | false;
  open(hash?: MerkleHashName): Promise<StoreUnderTest>;
}

export const sqliteWorkerAdapter: AdapterUnderTest = {
  name: "sqlite (worker thread)",
  skip: false,
  open: (hash = "sm3") => openSqliteUnderTest("worker", hash),
};

export const sqliteMainAdapter: AdapterUnderTest = {
  name: "sqlite (main thread)",
  skip: false,
  open: (hash = "sm3") => openSqliteUnderTest("main", hash),
};

export const postgresAdapter: AdapterUnderTest = {
  name: "postgres",
  skip: postgresSkip,
  open: (hash = "sm3") => openPostgresUnderTest(hash),
};

export const adaptersUnderTest: readonly AdapterUnderTest[] = [sqliteWorkerAdapter, sqliteMainAdapter, postgresAdapter];

async function openSqliteUnderTest(thread: "worker" | "main", hash: MerkleHashName): Promise<StoreUnderTest> {
  const dir = await mkdtemp(join(tmpdir(), "hutong-store-"));
  const location: StoreLocation = { kind: "sqlite", path: join(dir, "hutong.db"), thread };
  const store = await openStore(location, { hash });
  const others: HutongStore[] = [];
  let raw: Database.Database | undefined;
  const rawDb = () => {
    raw ??= new Database(location.path);
    raw.pragma("busy_timeout = 10000");
    return raw;
  };
  return {
    store,
    location,
    async sql(text) {
      const db = rawDb();
      let stmt: Database.Statement;
      try {
        stmt = db.prepare(text);
      } catch (e) {
        // Several statements (a trigger body, a script): run them, no rows.
        if (e instanceof RangeError) {
          db.exec(text);
          return [];
        }
        throw e;
      }
      if (stmt.reader) return stmt.all() as SqlRow[];
      stmt.run();
      return [];
    },
    blob: (bytes) => `X'${Buffer.from(bytes).toString("hex")}'`,
    async openAnother() {
      const s = await openStore(location, { hash });
      others.push(s);
      return s;
    },
    async cleanup() {
      raw?.close();
      await Promise.all([store, ...others].map((s) => s.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function randomSchemaName(): string {
  return `t_${randomBytes(8).toString("hex")}`;
}

async function openPostgresUnderTest(hash: MerkleHashName): Promise<StoreUnderTest> {
  if (postgresUrl === undefined) throw new Error(postgresSkip || "no PostgreSQL");
  const schema = randomSchemaName();
  const location: StoreLocation = {
    kind: "postgres",
    url: postgresUrl,
    schema,
    maxConnections: 8,
    applicationName: `hutong-test-${schema}`,
  };
  const store = await openStore(location, { hash });
  const others: HutongStore[] = [];
  const admin = new pg.Client({ connectionString: postgresUrl });
  admin.on("error", () => {});
  await admin.connect();
  await admin.query(`SET search_path TO "${schema}"`);
  return {
    store,
    location,
    async sql(text) {
      return (await admin.query(text)).rows as SqlRow[];
    },
    blob: (bytes) => `'\\x${Buffer.from(bytes).toString("hex")}'::bytea`,
    async openAnother() {
      const s = await openStore(location, { hash });
      others.push(s);
      return s;
    },
    async cleanup() {
      await Promise.all([store, ...others].map((s) => s.close()));
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    },
  };
}

/**
 * A realistic entry of about 300 bytes (the bench's shape): opaque bytes that
 * stand for a protobuf AuditEntry, and index columns copied out of it.
 */
export function sampleEntry(i: number, overrides: Partial<AuditEntryInput> = {}): AuditEntryInput {
  const bytes = new Uint8Array(300);
  new DataView(bytes.buffer).setUint32(0, i);
  bytes.fill(0x5a, 4, 300);
  bytes[4] = i % 251;
  return {
    bytes,
    timeMs: 1_760_000_000_000 + i * 10,
    requesterParty: i % 3 === 0 ? "prov:440000" : "rail:cr",
    ownerParty: "prov:510000",
    subjectDigest: subjectDigest(i % 5),
    grantId: i % 2 === 0 ? `grant-${i % 4}` : null,
    decision: i % 7 === 6 ? "deny" : "allow",
    reason: i % 7 === 6 ? "acl-denied" : null,
    correlationId: `corr-${i}`,
    traceId: `${i.toString(16).padStart(32, "0")}`,
    ...overrides,
  };
}

/** A stand-in keyed digest of subject number `n` (32 bytes). */
export function subjectDigest(n: number): Uint8Array {
  return new Uint8Array(32).fill(n + 1);
}

export interface StoreChild {
  /** Resolves once the child has opened the store and waits for go(). */
  readonly ready: Promise<void>;
  go(): void;
  /** The child's JSON result line; rejects if it exits non-zero. */
  readonly result: Promise<unknown>;
}

/** Starts testing-store-child.ts in its own Node process (see that file for `args`). */
export function startStoreChild(args: unknown): StoreChild {
  const script = fileURLToPath(new URL("./testing-store-child.ts", import.meta.url));
  const child = spawn(
    process.execPath,
    ["--conditions=hutong-source", "--import", "tsx", script, JSON.stringify(args)],
    {
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    if (out.startsWith("ready\n")) onReady();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
  });
  const result = new Promise<unknown>((resolve, reject) => {
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`store child exited with ${code}: ${err}`));
      else resolve(JSON.parse(out.slice("ready\n".length)));
    });
    child.on("error", reject);
  });
  // If the child dies before it is ready, fail the wait instead of hanging.
  void result.catch(() => onReady());
  return { ready, go: () => child.stdin.end("go\n"), result };
}

/** Asserts that `p` rejects with a StoreError of `code` (its message shown when the code differs). */
export async function rejectsWith(p: Promise<unknown>, code: StoreErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isStoreError(e), `expected a StoreError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}
