import type { HutongStore, StoreLocation, StoreOptions } from "./port/store.js";
import { openPostgresStore } from "./postgres/postgres-store.js";
import { openSqliteStore } from "./sqlite/sqlite-store.js";

/**
 * Opens the gateway's store, creating the schema if needed: SQLite (WAL) as the
 * embedded default, PostgreSQL when several replicas share one log. Throws
 * StoreError: `unavailable` when the database cannot be reached, `corrupt`
 * when it holds a tree of another hash or a head that disagrees with its entries.
 */
export function openStore(location: StoreLocation, options: StoreOptions): Promise<HutongStore> {
  switch (location.kind) {
    case "sqlite":
      return openSqliteStore(location.path, options.hash, location.thread ?? "worker");
    case "postgres":
      return openPostgresStore({
        url: location.url,
        schema: location.schema ?? "hutong",
        hash: options.hash,
        maxConnections: location.maxConnections ?? 10,
        applicationName: location.applicationName ?? "hutong",
      });
  }
}
