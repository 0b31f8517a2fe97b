// Wire abuse, the fast subset (npm test): every case at a tenth of the heavy run's size.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type GatewayProcess, startGatewayProcess } from "./testing-robustness.js";
import { describeFigures, runWireCase, wireAbuseOptions, wireCases } from "./testing-wire-abuse.js";

describe("wire abuse against a gateway process (fast subset)", () => {
  let gw: GatewayProcess;
  before(async () => {
    gw = await startGatewayProcess(wireAbuseOptions);
  });
  after(() => gw?.stop());

  for (const c of wireCases) {
    it(c.name, async (t) => {
      const f = await runWireCase(gw, c, 1);
      t.diagnostic(describeFigures(f));
      if (c.name.startsWith("reflection")) assert.equal(f.facts.refused, (f.facts.streams ?? 0) - 16);
      if (c.name.includes("without a session")) assert.equal(f.facts.unauthenticated, f.facts.streams);
      if (c.name.startsWith("connection flood")) assert.ok((f.facts.keptOpen ?? 0) <= 64);
    });
  }
});
