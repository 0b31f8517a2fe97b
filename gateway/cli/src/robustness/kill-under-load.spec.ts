// The fast subset (npm test): one SIGKILL under load, the audit log checked after the restart.
import { after, before, describe, it } from "node:test";
import { killOnce } from "./testing-kill-under-load.js";
import { type GatewayProcess, startGatewayProcess } from "./testing-robustness.js";

describe("SIGKILL under load (fast subset): no acknowledged share missing from the audit log", () => {
  let gw: GatewayProcess;
  before(async () => {
    gw = await startGatewayProcess({ config: { observability: { logLevel: "warn" } } });
  });
  after(() => gw?.stop());

  it("kills the owner's gateway after 300 answers, restarts it, and finds every one audited", async (t) => {
    const r = await killOnce(gw, 1, 300);
    gw = r.gw;
    t.diagnostic(
      `${r.figures.acknowledged} acknowledged, all in a log of ${r.figures.logSize} that verifies; RSS ${r.figures.rssMiB.toFixed(0)} MiB`,
    );
  });
});
