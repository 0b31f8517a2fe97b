import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isConfigError } from "../config/config-error.js";
import { parseGatewayConfig } from "../config/gateway-config.js";
import { createLogger } from "../observability/logger.js";
import { minimalConfig, sqliteMainAdapter } from "../testing.js";
import { startSharedReplayWindow } from "./shared-replay.js";

describe("the shared replay window at start", () => {
  const logger = createLogger({ level: "silent", party: "prov:510000" });

  it("is none with the default local window", async () => {
    const t = await sqliteMainAdapter.open();
    try {
      const config = parseGatewayConfig(minimalConfig(), "/etc/hutong");
      assert.equal(startSharedReplayWindow(config, t.store, { ttlMs: 60_000, now: Date.now, logger }), undefined);
    } finally {
      await t.cleanup();
    }
  });

  it("refuses a config asking for it over a store that has none, naming the key", async () => {
    const t = await sqliteMainAdapter.open();
    try {
      // Past the schema's own check, as a config built in code could be.
      const parsed = parseGatewayConfig(minimalConfig(), "/etc/hutong");
      const config = { ...parsed, session: { ...parsed.session, replayWindow: "shared" as const } };
      assert.throws(
        () => startSharedReplayWindow(config, t.store, { ttlMs: 60_000, now: Date.now, logger }),
        (e: unknown) => isConfigError(e, "invalid") && /session\.replayWindow: shared/.test(e.message),
      );
    } finally {
      await t.cleanup();
    }
  });
});
