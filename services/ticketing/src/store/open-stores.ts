import type Database from "better-sqlite3";
import { TicketingError } from "../ticketing-error.js";
import type { ProvinceStoreOptions, StoreLocation } from "./port/province-store.js";
import { openPostgresMinistryStore, type PostgresMinistryStore } from "./postgres/postgres-ministry-store.js";
import { openPostgresProvinceStore, type PostgresProvinceStore } from "./postgres/postgres-province-store.js";
import { openSqliteMinistryStore, type SqliteMinistryStore } from "./sqlite/sqlite-ministry-store.js";
import { openSqliteProvinceStore, type SqliteProvinceStore } from "./sqlite/sqlite-province-store.js";

/** A province store as opened: the port, and what keeps it. */
export type AnyProvinceStore = SqliteProvinceStore | PostgresProvinceStore;
export type AnyMinistryStore = SqliteMinistryStore | PostgresMinistryStore;

/** The province service's store at `location`: a SQLite file (a path), or a PostgreSQL schema. */
export async function openProvinceStore(
  location: StoreLocation,
  options: ProvinceStoreOptions,
): Promise<AnyProvinceStore> {
  return typeof location === "string"
    ? openSqliteProvinceStore(location, options)
    : openPostgresProvinceStore(location.postgres, options);
}

/** The ministry statistics service's store at `location`. */
export async function openMinistryStore(location: StoreLocation): Promise<AnyMinistryStore> {
  return typeof location === "string"
    ? openSqliteMinistryStore(location)
    : openPostgresMinistryStore(location.postgres);
}

/** The SQLite file of a store location (tools that read the file directly); refuses PostgreSQL. */
export function sqliteStorePath(location: StoreLocation): string {
  if (typeof location !== "string") {
    throw new TicketingError(
      "invalid-config",
      `this reads a SQLite store; the store is PostgreSQL (${location.postgres.schema})`,
    );
  }
  return location;
}

/** The SQLite database behind a store (tools and tests that read it directly); refuses PostgreSQL. */
export function sqliteDatabase(store: AnyProvinceStore | AnyMinistryStore): Database.Database {
  if (store.kind !== "sqlite") {
    throw new TicketingError("invalid-config", `this reads a SQLite store; the store is PostgreSQL (${store.schema})`);
  }
  return store.db;
}
