// Test fixtures: the same store specs run against both adapters. SQLite in a fresh temp
// directory; PostgreSQL when HUTONG_TEST_POSTGRES_URL is set, each test in its own schema (random
// name, dropped afterwards) so spec files can run in parallel.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { AnyMinistryStore, AnyProvinceStore } from "./open-stores.js";
import type { StoreLocation } from "./port/province-store.js";

export const postgresUrl = process.env.HUTONG_TEST_POSTGRES_URL;
export const postgresSkip: string | false =
  postgresUrl === undefined || postgresUrl === ""
    ? "HUTONG_TEST_POSTGRES_URL not set: the e-ticket stores' PostgreSQL tests skipped (.ci/run sets it)"
    : false;

export type SqlRow = Record<string, unknown>;

/** A fresh place for a store, and how to remove it. */
export interface StorePlace {
  readonly location: StoreLocation;
  /** Removes the database (temp dir or schema); close the stores on it first. */
  cleanup(): Promise<void>;
}

export interface StoreKind {
  readonly name: "sqlite" | "postgres";
  /** A skip message, or false to run. */
  readonly skip: string | false;
  place(file?: string): Promise<StorePlace>;
}

export function randomSchemaName(): string {
  return `t_${randomBytes(8).toString("hex")}`;
}

/** Drops `schemas` of the test database (their tables with them). */
export async function dropSchemas(schemas: readonly string[]): Promise<void> {
  if (postgresUrl === undefined || schemas.length === 0) return;
  const admin = new pg.Client({ connectionString: postgresUrl });
  admin.on("error", () => {});
  await admin.connect();
  try {
    for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  } finally {
    await admin.end();
  }
}

export const sqliteKind: StoreKind = {
  name: "sqlite",
  skip: false,
  async place(file = "store.sqlite") {
    const dir = await mkdtemp(join(tmpdir(), "hutong-ticket-store-"));
    return { location: join(dir, file), cleanup: () => rm(dir, { recursive: true, force: true }) };
  },
};

export const postgresKind: StoreKind = {
  name: "postgres",
  skip: postgresSkip,
  async place() {
    if (postgresUrl === undefined) throw new Error(postgresSkip || "no PostgreSQL");
    const schema = randomSchemaName();
    return {
      location: { postgres: { url: postgresUrl, schema, maxConnections: 4 } },
      cleanup: () => dropSchemas([schema]),
    };
  },
};

export const storeKinds: readonly StoreKind[] = [sqliteKind, postgresKind];

const int8 = 20;
const numbers = {
  getTypeParser: (oid: number, format?: "text" | "binary") =>
    oid === int8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format),
};

/**
 * Runs SQL directly on the database behind `store`, with unqualified table names and `?`
 * parameters; returns the rows (bigint columns as numbers, as SQLite gives them).
 */
export async function storeRows(
  store: AnyProvinceStore | AnyMinistryStore,
  text: string,
  params: readonly unknown[] = [],
): Promise<SqlRow[]> {
  if (store.kind === "sqlite") {
    const stmt = store.db.prepare(text);
    if (stmt.reader) return stmt.all(...params) as SqlRow[];
    stmt.run(...params);
    return [];
  }
  let n = 0;
  const client = await store.pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(`SET LOCAL search_path TO "${store.schema}"`);
    const { rows } = await client.query({
      text: text.replace(/\?/g, () => `$${++n}`),
      values: [...params],
      types: numbers,
    });
    await client.query("COMMIT");
    return rows as SqlRow[];
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

/** The first column of the first row (a count, a key), or undefined. */
export async function storeValue(
  store: AnyProvinceStore | AnyMinistryStore,
  text: string,
  params: readonly unknown[] = [],
): Promise<unknown> {
  const [row] = await storeRows(store, text, params);
  return row === undefined ? undefined : Object.values(row)[0];
}
