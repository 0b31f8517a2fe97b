import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type GatewayProcess, remoteCaller, startGatewayProcess } from "./testing-robustness.js";

// The harness itself: every robustness case relies on these three facts.
describe("robustness harness", () => {
  let gw: GatewayProcess;
  before(async () => {
    gw = await startGatewayProcess();
  });
  after(() => gw?.stop());

  it("runs a real gateway process, reads its RSS, and makes a legitimate call from both provinces", async () => {
    const rss = await gw.rssMiB();
    assert.ok(rss > 20 && rss < 1024, `RSS ${rss} MiB`);
    await gw.legitimateCall();
    await gw.legitimateCall(remoteCaller);
    assert.match(gw.output(), /listening on 127\.0\.0\.1:\d+/);
  });

  it("restarts on the same store after a SIGKILL", async () => {
    const before = gw.child.pid;
    gw = await gw.restart();
    assert.notEqual(gw.child.pid, before);
    await gw.legitimateCall();
  });
});
