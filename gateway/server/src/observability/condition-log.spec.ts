import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { GatewayError } from "../gateway-error.js";
import { createConditionLog } from "./condition-log.js";
import { errorKind } from "./error-kind.js";
import { createLogger } from "./logger.js";

function capture() {
  const lines: string[] = [];
  const logger = createLogger({
    level: "info",
    party: "prov:510000",
    destination: { write: (s: string) => lines.push(s) },
  });
  const records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const bytes = () => lines.reduce((n, l) => n + Buffer.byteLength(l), 0);
  return { logger, lines, records, bytes };
}

const refusal = (i: number) => () => ({
  level: "info" as const,
  message: "call refused",
  facts: { reason: "session/no-session", method: "hutong.v1.TicketService/VerifyTicket", peer: `127.0.0.1:${i}` },
});

describe("condition log", () => {
  it("10,000 occurrences of one condition: the first at once, one summary, counts that add up, < 1 KiB", () => {
    const { logger, records, bytes } = capture();
    const log = createConditionLog({ logger });
    let built = 0;
    for (let i = 0; i < 10_000; i++) {
      log.report("session/no-session VerifyTicket", () => {
        built++;
        return refusal(i)();
      });
      if (i === 0) assert.equal(records().length, 1, "the first occurrence is logged at once");
    }
    assert.equal(built, 1, "lines of counted occurrences are never even built");
    assert.equal(records().length, 1);
    log.close();
    const all = records();
    assert.equal(all.length, 2);
    assert.deepEqual(
      all.map((r) => r.count),
      [1, 9_999],
    );
    assert.equal(all[1]?.summary, true);
    assert.equal(all[1]?.peer, "127.0.0.1:0", "the summary carries the first occurrence's facts as its sample");
    assert.equal(all[1]?.msg, "call refused");
    assert.ok(bytes() < 1024, `${bytes()} bytes`);
  });

  it("summarises each condition on its own, and forgets one that was quiet for an interval", () => {
    const { logger, records } = capture();
    const log = createConditionLog({ logger });
    for (let i = 0; i < 5; i++) log.report("a", refusal(i));
    for (let i = 0; i < 3; i++) log.report("b", refusal(i));
    log.flush(); // a: 4 pending, b: 2 pending
    log.report("a", refusal(9)); // still tracked: counted, not logged
    log.flush(); // a: 1 pending; b quiet -> forgotten
    log.flush(); // a quiet -> forgotten
    log.report("b", refusal(7)); // logged at once again
    log.close();
    assert.deepEqual(
      records().map((r) => [r.peer, r.count, r.summary ?? false]),
      [
        ["127.0.0.1:0", 1, false],
        ["127.0.0.1:0", 1, false],
        ["127.0.0.1:0", 4, true],
        ["127.0.0.1:0", 2, true],
        ["127.0.0.1:0", 1, true],
        ["127.0.0.1:7", 1, false],
      ],
    );
  });

  it("keeps an error's stack on the first line only, and keys errors by kind, not message", () => {
    const { logger, records } = capture();
    const log = createConditionLog({ logger });
    const err = new GatewayError("invalid-credentials", "boom");
    for (let i = 0; i < 3; i++) {
      log.report(`internal ${errorKind(err)}`, () => ({
        level: "error",
        message: "call failed",
        facts: { kind: errorKind(err) },
        err,
      }));
    }
    log.close();
    const [first, summary] = records();
    assert.equal(first?.level, "error");
    assert.match(String((first?.err as { stack?: string })?.stack), /GatewayError/);
    assert.equal(summary?.err, undefined);
    assert.equal(summary?.count, 2);
    assert.equal(errorKind(err), "gateway/invalid-credentials");
    assert.equal(
      errorKind(Object.assign(new Error("x"), { code: "ERR_HTTP2_STREAM_ERROR" })),
      "Error/ERR_HTTP2_STREAM_ERROR",
    );
    assert.equal(errorKind(new TypeError("holder 110105194912310021")), "TypeError");
    assert.equal(errorKind("text"), "string");
  });

  it("tracks a bounded number of conditions; the rest are counted together", () => {
    const { logger, records } = capture();
    const log = createConditionLog({ logger, maxConditions: 3 });
    for (let i = 0; i < 100; i++) log.report(`k${i}`, refusal(i));
    log.close();
    const all = records();
    assert.equal(all.length, 4);
    assert.equal(all[3]?.count, 97);
    assert.equal(all[3]?.level, "warn");
    assert.equal(
      all.reduce((n, r) => n + Number(r.count), 0),
      100,
    );
  });

  it("writes summaries on its own timer", async () => {
    const { logger, records } = capture();
    const log = createConditionLog({ logger, intervalMs: 20 });
    log.report("a", refusal(0));
    log.report("a", refusal(1));
    await sleep(60);
    assert.deepEqual(
      records().map((r) => r.count),
      [1, 1],
    );
    log.close();
  });
});
