// The fast subset of the session abuse cases (npm test): every case a few times, the flood of
// 10,000 unauthenticated calls, and the log's counts checked after the process stopped.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type GatewayProcess, startGatewayProcess } from "./testing-robustness.js";
import {
  assertLogCounts,
  floodUnauthenticated,
  type RefusalTally,
  runSessionAbuse,
  sessionAbuseOptions,
} from "./testing-session-abuse.js";

describe("session abuse against a gateway process (fast subset)", () => {
  let gw: GatewayProcess;
  const tally: RefusalTally = new Map();
  before(async () => {
    gw = await startGatewayProcess(sessionAbuseOptions);
  });
  after(() => gw?.stop());

  it("refuses every kind of bad session input with its documented status and code, 3 times each", async (t) => {
    const figures = await runSessionAbuse(gw, 3, tally);
    t.diagnostic(
      `max RSS ${Math.max(...figures.map((f) => f.figures.rssMiB)).toFixed(0)} MiB over ${figures.length} cases`,
    );
  });

  it("10,000 pipelined unauthenticated calls: all refused, the first logged at once, the log bounded", async (t) => {
    const f = await floodUnauthenticated(gw, 10_000, tally);
    t.diagnostic(`flood: ${f.ms.toFixed(0)} ms, ${f.logBytes} log bytes meanwhile, RSS ${f.rssMiB.toFixed(0)} MiB`);
  });

  it("after a graceful stop, each condition's log lines count every refusal the suite made", async (t) => {
    await gw.stop();
    const { lines, bytes } = assertLogCounts(gw, tally);
    const refusals = [...tally.values()].reduce((a, b) => a + b, 0);
    assert.ok(lines <= 2 * tally.size + 8, `${lines} lines for ${tally.size} conditions`);
    t.diagnostic(`${refusals} refusals -> ${lines} log lines, ${bytes} bytes`);
  });
});
