import { ConfigError } from "../config/config-error.js";
import type { GatewayConfig } from "../config/gateway-config.js";
import type { Logger } from "../observability/logger.js";
import { createSharedReplayWindow, type SharedReplayWindow } from "../pipeline/shared-replay-window.js";
import type { HutongStore } from "../store/index.js";

/** The replay window across replicas when the config asks for it (`session.replayWindow: shared`). */
export function startSharedReplayWindow(
  config: GatewayConfig,
  store: HutongStore,
  options: { readonly ttlMs: number; readonly now: () => number; readonly logger: Logger },
): SharedReplayWindow | undefined {
  if (config.session.replayWindow !== "shared") return undefined;
  // The config schema already insists on PostgreSQL; this holds for a config built another way.
  if (store.replay === undefined) {
    throw new ConfigError("invalid", "invalid gateway config", [
      `session.replayWindow: shared needs a store the replicas share; the ${store.kind} store has none`,
    ]);
  }
  return createSharedReplayWindow({
    store: store.replay,
    ttlMs: options.ttlMs,
    now: options.now,
    onPurgeError: (err) => options.logger.warn({ err }, "purging expired nonces from the shared replay window failed"),
  });
}
