import { performance } from "node:perf_hooks";
import type { UnaryCall, UnaryHandler, UnaryReply } from "@hutong/wire";
import { statusName } from "@hutong/wire";
import type { GatewayMetrics } from "../observability/gateway-metrics.js";
import type { Logger } from "../observability/logger.js";
import type { CallOutcome } from "../pipeline/call-outcome.js";
import { type MappedError, mapError } from "./status-mapping.js";

export interface CallObserver {
  /** A unary handler with metrics, one log line on failure, and the single error mapping around it. */
  unary(method: string, run: (call: UnaryCall, outcome: CallOutcome) => Promise<UnaryReply>): UnaryHandler;
  /** Maps a failure that has no unary handler around it (a stream): logged if internal. */
  failed(method: string, error: unknown): MappedError;
}

/**
 * Every call's end, in one place: a metric with the final status, and a log line for a refusal
 * (info: it names parties, method, purpose and the closed reason code, never request content) or an
 * internal error (error: with the error, which never goes on the wire).
 */
export function createCallObserver(options: {
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /**
   * Refusal reasons a flood produces by the thousand a second (a handshake refused `busy`): counted
   * in the metrics as every call, logged as one summary line per reason and method every
   * `summaryMs` (default 10 s) instead of a line each, so an attacker cannot flood the logs.
   */
  readonly summarized?: ReadonlySet<string>;
  readonly summaryMs?: number;
}): CallObserver {
  const { metrics, logger } = options;
  const summarized = options.summarized ?? new Set(["session/busy"]);
  const summaryMs = options.summaryMs ?? 10_000;
  const pending = new Map<string, { count: number }>();
  function summarize(method: string, reason: string, status: string): void {
    const key = `${method} ${reason}`;
    const seen = pending.get(key);
    if (seen !== undefined) {
      seen.count++;
      return;
    }
    // The first of a burst is logged at once, the rest of its window as one line at the end.
    const window = { count: 0 };
    pending.set(key, window);
    logger.info({ method, status, reason }, "call refused");
    setTimeout(() => {
      pending.delete(key);
      if (window.count > 0) {
        logger.warn({ method, status, reason, refused: window.count, seconds: summaryMs / 1000 }, "calls refused");
      }
    }, summaryMs).unref();
  }

  return {
    unary(method, run) {
      return async (call) => {
        const start = performance.now();
        const outcome: CallOutcome = { method, route: "-" };
        try {
          const reply = await run(call, outcome);
          metrics.recordCall({ method, route: outcome.route, status: "OK", durationMs: performance.now() - start });
          return reply;
        } catch (e) {
          const mapped = mapError(e);
          const status = statusName(mapped.wire.code);
          metrics.recordCall({ method, route: outcome.route, status, durationMs: performance.now() - start });
          if (mapped.reason === "gateway/acl-denied") metrics.recordAclDecision({ decision: "deny", method });
          const facts = {
            method,
            status,
            reason: mapped.reason,
            caller: outcome.caller,
            origin: outcome.origin,
            target: outcome.context?.targetParty,
            purpose: outcome.context?.purpose,
            correlationId: outcome.context?.correlationId,
            route: outcome.route,
            peer: call.peer,
          };
          if (mapped.internal !== undefined)
            logger.error({ ...facts, err: mapped.internal }, "call failed: internal error");
          else if (summarized.has(mapped.reason)) summarize(method, mapped.reason, status);
          else logger.info(facts, "call refused");
          throw mapped.wire;
        }
      };
    },
    failed(method, error) {
      const mapped = mapError(error);
      if (mapped.internal !== undefined) logger.error({ method, err: mapped.internal }, "call failed: internal error");
      return mapped;
    },
  };
}
