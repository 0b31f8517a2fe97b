// The fast subset (npm test): one pass of planted personal data through a gateway process, then
// every surface scanned: what callers got, the logs, /metrics, an audit export, the store files.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { endOfCase } from "./testing-abuse.js";
import { assertReceived, gatewaySurfaces, piiScanOptions, plantAndCall, plantedIn } from "./testing-pii-scan.js";
import { type GatewayProcess, startGatewayProcess } from "./testing-robustness.js";

describe("planted personal data (fast subset): nowhere but in the response allowed to carry it", () => {
  let gw: GatewayProcess;
  let metricsPort: number;
  before(async () => {
    const options = await piiScanOptions();
    metricsPort = options.metricsPort;
    gw = await startGatewayProcess(options);
  });
  after(() => gw?.stop());

  it("callers get it only in the fetch a grant allows; logs, metrics, audit export and store hold none", async (t) => {
    const received = await plantAndCall(gw, 1);
    assertReceived(received);
    const surfaces = await gatewaySurfaces(gw, metricsPort);
    const f = await endOfCase(gw, "pii scan");
    await gw.stop();
    surfaces.push({ what: "the gateway's logs (stdout and stderr)", data: gw.output() });
    for (const { what, data } of surfaces) assert.deepEqual(plantedIn(data), [], what);
    assert.match(
      gw.output(),
      /"upstream":\{"from":"backend","status":"INTERNAL","message":"lookup failed for holder \[digits\] tel \[digits\] name \[cjk\]"/,
    );
    t.diagnostic(
      `${received.clean.length} answers and refusals, ${received.allowed.length} allowed fetches, ${surfaces.length} surfaces scanned; RSS ${f.rssMiB.toFixed(0)} MiB`,
    );
  });
});
