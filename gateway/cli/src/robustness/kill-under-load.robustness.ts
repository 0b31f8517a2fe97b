// SIGKILL under load, the heavy run (npm run test:robustness): five kills at different depths of
// load on one store, the audit log verified after each restart.
import { after, before, describe, it } from "node:test";
import { killOnce } from "./testing-kill-under-load.js";
import { type GatewayProcess, startGatewayProcess } from "./testing-robustness.js";

describe("SIGKILL under load (heavy): five kills, no acknowledged share missing from the audit log", () => {
  let gw: GatewayProcess;
  before(async () => {
    gw = await startGatewayProcess({ config: { observability: { logLevel: "warn" } } });
  });
  after(() => gw?.stop());

  it("kills the owner's gateway five times under 32 concurrent callers", async (t) => {
    let total = 0;
    for (const [round, killAfter] of [1500, 4000, 700, 3000, 2500].entries()) {
      const r = await killOnce(gw, round + 1, killAfter, 32);
      gw = r.gw;
      total += r.figures.acknowledged;
      t.diagnostic(
        `kill ${round + 1}: ${r.figures.acknowledged} acknowledged, all in a log of ${r.figures.logSize} that verifies; RSS ${r.figures.rssMiB.toFixed(0)} MiB`,
      );
    }
    t.diagnostic(`${total} acknowledged shares over 5 kills, none missing`);
  });
});
