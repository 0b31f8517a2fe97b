import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { ConfigError } from "../config/config-error.js";
import type { GatewayConfig } from "../config/gateway-config.js";
import { type HutongStore, openStore } from "../store/index.js";

export interface GatewayStoreOptions {
  /** SQLite: "worker" for the gateway (default), "main" for tools. */
  readonly thread?: "worker" | "main";
  /** A tool opens only a store that exists: a missing SQLite file is an error, not a new store. */
  readonly mustExist?: boolean;
  /** Shown in pg_stat_activity (default "hutong <party>"). */
  readonly applicationName?: string;
}

/**
 * The store a gateway config names, for `hutong start` and for the tools that work on a gateway's
 * store (`hutong outbox`): SQLite at its path (its directory created unless `mustExist`), or
 * PostgreSQL at the URL in the environment variable the config names (credentials never sit in
 * the file). An unset variable, or a missing database a tool needs, is a configuration error,
 * reported like the file's own mistakes.
 */
export async function openGatewayStore(
  config: Pick<GatewayConfig, "store" | "party">,
  env: NodeJS.ProcessEnv,
  options: GatewayStoreOptions = {},
): Promise<HutongStore> {
  const c = config.store;
  if (c.kind === "sqlite") {
    const path = c.path ?? "";
    if (options.mustExist === true && !existsSync(path)) {
      throw new ConfigError("invalid", "invalid gateway config", [
        `store.path: no SQLite database at ${path} (has the gateway run?)`,
      ]);
    }
    await mkdir(dirname(path), { recursive: true });
    return openStore({ kind: "sqlite", path, thread: options.thread ?? "worker" }, { hash: "sm3" });
  }
  const url = env[c.urlEnv];
  if (url === undefined || url === "") {
    throw new ConfigError("invalid", "invalid gateway config", [
      `store.urlEnv: environment variable ${c.urlEnv} (the PostgreSQL URL) is not set`,
    ]);
  }
  return openStore(
    {
      kind: "postgres",
      url,
      schema: c.schema,
      maxConnections: c.maxConnections,
      applicationName: options.applicationName ?? `hutong ${config.party}`,
    },
    { hash: "sm3" },
  );
}
