import pg from "pg";
import { TicketingError } from "../../ticketing-error.js";
import type { PostgresLocation } from "../port/province-store.js";

// What both PostgreSQL stores share: the pool, the schema name, transactions.

const schemaName = /^[a-z_][a-z0-9_]{0,62}$/;

/** A PostgreSQL schema name the stores accept (unquoted, lower case, at most 63 characters). */
export const isSchemaName = (name: string): boolean => schemaName.test(name);

/**
 * A pool on `location` whose bigint columns (owner sequence numbers, times in ms) arrive as
 * strings, as pg gives them: each store converts what it reads. Refuses a schema name it would
 * have to quote.
 */
export function openPool(location: PostgresLocation, name: string): pg.Pool {
  if (!isSchemaName(location.schema)) {
    throw new TicketingError(
      "invalid-config",
      `the PostgreSQL schema name "${location.schema}" must match [a-z_][a-z0-9_]{0,62}`,
    );
  }
  const pool = new pg.Pool({
    connectionString: location.url,
    max: location.maxConnections ?? 8,
    application_name: `hutong-${name}`,
  });
  // An idle pooled connection that dies (a server restart) is reported here; the pool drops it
  // and the next query opens a new one.
  pool.on("error", () => {});
  return pool;
}

/**
 * Runs `fn` in a transaction on one pooled connection and commits; `fn`'s error rolls it back and
 * is thrown. A connection whose rollback fails is destroyed rather than returned (its state is
 * unknown; the server rolls back what was not committed).
 */
export async function inTransaction<R>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<R>): Promise<R> {
  const client = await pool.connect();
  const onError = () => {};
  client.on("error", onError);
  let result: R;
  try {
    await client.query("BEGIN");
    result = await fn(client);
    await client.query("COMMIT");
  } catch (e) {
    let healthy = true;
    try {
      await client.query("ROLLBACK");
    } catch {
      healthy = false;
    }
    client.off("error", onError);
    client.release(!healthy);
    throw e;
  }
  client.off("error", onError);
  client.release();
  return result;
}

/**
 * Creates `schema` and runs `ddl` in it once, whoever else opens it at the same moment (an
 * advisory lock: two processes creating a fresh schema at once would race on CREATE).
 */
export async function createSchema(pool: pg.Pool, schema: string, ddl: string): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`hutong-ticketing:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(ddl);
  });
}

/** A bigint column as pg returns it (a string), or an int column (a number), as a number. */
export const num = (v: unknown): number => (typeof v === "number" ? v : Number(v as string));

/** A bigint column as a bigint. */
export const big = (v: unknown): bigint => BigInt(v as string | number);
