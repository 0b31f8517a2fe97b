// Planted personal data, the heavy run (npm run test:robustness): 25 passes (75 grants, 75 fetches,
// 75 backend failures, ...) through one gateway process, then every surface scanned.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { endOfCase } from "./testing-abuse.js";
import { assertReceived, gatewaySurfaces, piiScanOptions, plantAndCall, plantedIn } from "./testing-pii-scan.js";
import { type GatewayProcess, startGatewayProcess } from "./testing-robustness.js";

const passes = 25;

describe("planted personal data (heavy): nowhere but in the responses allowed to carry it", () => {
  let gw: GatewayProcess;
  let metricsPort: number;
  before(async () => {
    const options = await piiScanOptions();
    metricsPort = options.metricsPort;
    gw = await startGatewayProcess(options);
  });
  after(() => gw?.stop());

  it(`${passes} passes; then logs, metrics, audit export and store hold none of it`, async (t) => {
    let answers = 0;
    let fetches = 0;
    for (let round = 1; round <= passes; round++) {
      const received = await plantAndCall(gw, round);
      assertReceived(received);
      answers += received.clean.length;
      fetches += received.allowed.length;
    }
    const surfaces = await gatewaySurfaces(gw, metricsPort);
    const f = await endOfCase(gw, "pii scan");
    await gw.stop();
    surfaces.push({ what: "the gateway's logs (stdout and stderr)", data: gw.output() });
    for (const { what, data } of surfaces) assert.deepEqual(plantedIn(data), [], what);
    t.diagnostic(
      `${answers} answers and refusals and ${fetches} allowed fetches checked, ${surfaces.length} surfaces scanned; RSS ${f.rssMiB.toFixed(0)} MiB`,
    );
  });
});
