import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { GatewayConfig } from "../config/gateway-config.js";
import { GatewayError } from "../gateway-error.js";
import { openStore } from "./open-store.js";
import type { HutongStore } from "./port/store.js";

export interface ConfiguredStoreOptions {
  /** SQLite: "worker" for the gateway, "main" for tools (default "worker"). */
  readonly thread?: "worker" | "main";
  /** A tool opens only a store that exists: a missing SQLite file is an error, not a new store. */
  readonly mustExist?: boolean;
  /** Shown in pg_stat_activity (default "hutong <party>"). */
  readonly applicationName?: string;
}

/**
 * Opens the store a gateway config names, as `hutong start` does: SQLite at its path (the
 * directory created unless `mustExist`), or PostgreSQL with the URL from the environment variable
 * the config names (never the file). GatewayError("invalid-credentials") when that variable is
 * unset or, with `mustExist`, when the SQLite file is not there.
 */
export async function openConfiguredStore(
  config: Pick<GatewayConfig, "store" | "party">,
  env: NodeJS.ProcessEnv,
  options: ConfiguredStoreOptions = {},
): Promise<HutongStore> {
  const c = config.store;
  if (c.kind === "sqlite") {
    const path = c.path ?? "";
    if (options.mustExist === true && !existsSync(path)) {
      throw new GatewayError("invalid-credentials", `store: no SQLite database at ${path} (has the gateway run?)`);
    }
    await mkdir(dirname(path), { recursive: true });
    return openStore({ kind: "sqlite", path, thread: options.thread ?? "worker" }, { hash: "sm3" });
  }
  const url = env[c.urlEnv];
  if (url === undefined || url === "") {
    throw new GatewayError(
      "invalid-credentials",
      `store: environment variable ${c.urlEnv} (the PostgreSQL URL) is not set`,
    );
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
