import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SessionError } from "@hutong/session";
import type { UnaryCall } from "@hutong/wire";
import { isWireError } from "@hutong/wire";
import { GatewayError } from "../gateway-error.js";
import { createConditionLog } from "../observability/condition-log.js";
import type { GatewayMetrics } from "../observability/gateway-metrics.js";
import { createLogger } from "../observability/logger.js";
import { createCallObserver } from "./call-observer.js";

function observer(intervalMs: number) {
  const lines: Record<string, unknown>[] = [];
  const calls: string[] = [];
  const metrics = {
    recordCall: (a: { status: string }) => calls.push(a.status),
    recordAclDecision: () => {},
  } as unknown as GatewayMetrics;
  const logger = createLogger({
    level: "info",
    party: "mot",
    destination: { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) },
  });
  const conditions = createConditionLog({ logger, intervalMs });
  return { o: createCallObserver({ metrics, conditions }), lines, calls, conditions };
}

const call = { peer: "192.0.2.1:5000" } as UnaryCall;

describe("call observer", () => {
  it("logs a flood of busy refusals as its first line and one summary, every one counted in the metrics", async () => {
    const { o, lines, calls } = observer(50);
    const busy = o.unary("hutong.v1.SessionService/Hello", async () => {
      throw new SessionError("busy", "over the rate");
    });
    for (let i = 0; i < 100; i++) await assert.rejects(busy(call), (e) => isWireError(e) && e.code === 14);
    assert.equal(calls.length, 100);
    assert.deepEqual(
      lines.map((l) => l.msg),
      ["call refused"],
    );
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.deepEqual(
      lines.map((l) => [l.msg, l.count, l.summary]),
      [
        ["call refused", 1, undefined],
        ["call refused", 99, true],
      ],
    );
  });

  it("keeps apart conditions that differ: a burst of ACL refusals is not folded into the busy ones", async () => {
    const { o, lines, conditions } = observer(10_000);
    const denied = o.unary("hutong.v1.TicketService/GetTicket", async () => {
      throw new GatewayError("acl-denied", "no rule");
    });
    const busy = o.unary("hutong.v1.SessionService/Hello", async () => {
      throw new SessionError("busy", "over the rate");
    });
    for (let i = 0; i < 3; i++) await assert.rejects(denied(call));
    await assert.rejects(busy(call));
    assert.deepEqual(
      lines.map((l) => [l.reason, l.count]),
      [
        ["gateway/acl-denied", 1],
        ["session/busy", 1],
      ],
    );
    conditions.close();
    assert.deepEqual(
      lines.slice(2).map((l) => [l.reason, l.count]),
      [["gateway/acl-denied", 2]],
    );
  });
});
