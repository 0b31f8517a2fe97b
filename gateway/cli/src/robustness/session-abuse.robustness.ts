// Session abuse, the heavy run (npm run test:robustness): every case 200 times, then floods of
// 50,000 unauthenticated calls three times over; RSS bounded, log bounded, counts exact.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { LicenceServiceService, TicketServiceService } from "@hutong/proto";
import { type GatewayProcess, startGatewayProcess } from "./testing-robustness.js";
import {
  assertLogCounts,
  floodUnauthenticated,
  type RefusalTally,
  runSessionAbuse,
  sessionAbuseOptions,
} from "./testing-session-abuse.js";

describe("session abuse against a gateway process (heavy)", () => {
  let gw: GatewayProcess;
  const tally: RefusalTally = new Map();
  let started = 0;
  before(async () => {
    gw = await startGatewayProcess(sessionAbuseOptions);
    started = Date.now();
  });
  after(() => gw?.stop());

  it("refuses every kind of bad session input with its documented status and code, 200 times each", async (t) => {
    const figures = await runSessionAbuse(gw, 200, tally);
    for (const { name, figures: f } of figures)
      t.diagnostic(`${name}: RSS ${f.rssMiB.toFixed(0)} MiB, ${f.logBytes} log bytes`);
  });

  it("three floods of 50,000 pipelined unauthenticated calls", async (t) => {
    // Each on its own method, so each flood's first refusal is a condition's first.
    const paths = [
      TicketServiceService.getTicket.path,
      LicenceServiceService.getLicence.path,
      LicenceServiceService.verifyLicence.path,
    ];
    for (const [i, path] of paths.entries()) {
      const f = await floodUnauthenticated(gw, 50_000, tally, path);
      t.diagnostic(
        `flood ${i + 1}: ${f.ms.toFixed(0)} ms, ${f.logBytes} log bytes meanwhile, RSS ${f.rssMiB.toFixed(0)} MiB`,
      );
    }
  });

  it("after a graceful stop, each condition's log lines count every refusal", async (t) => {
    await gw.stop();
    const { lines, bytes } = assertLogCounts(gw, tally);
    const refusals = [...tally.values()].reduce((a, b) => a + b, 0);
    // The condition log's promise: per condition, its first line and at most one summary per minute
    // window it occurs in. This run spans two or three windows, so a condition that recurs across
    // cases gets a summary in each.
    const windows = Math.ceil((Date.now() - started) / 60_000) + 1;
    assert.ok(
      lines <= tally.size * (1 + windows) + 8,
      `${lines} lines for ${tally.size} conditions, ${windows} windows`,
    );
    t.diagnostic(`${refusals} refusals -> ${lines} log lines, ${bytes} bytes, over ${windows} one-minute windows`);
  });
});
