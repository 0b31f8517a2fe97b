import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { ConfigError } from "../config/config-error.js";
import type { GatewayConfig } from "../config/gateway-config.js";
import { type HutongStore, openStore } from "../store/index.js";

/**
 * The store a config names: SQLite at its path (its directory created), or PostgreSQL at the URL
 * in the environment variable the config names (credentials never sit in the file). A missing
 * variable is a configuration error, reported like the file's own mistakes.
 */
export async function openGatewayStore(config: GatewayConfig, env: NodeJS.ProcessEnv): Promise<HutongStore> {
  const c = config.store;
  if (c.kind === "sqlite") {
    const path = c.path ?? "";
    await mkdir(dirname(path), { recursive: true });
    return openStore({ kind: "sqlite", path }, { hash: "sm3" });
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
      applicationName: `hutong ${config.party}`,
    },
    { hash: "sm3" },
  );
}
