import { performance } from "node:perf_hooks";
import type { AdmissionCall, Metadata, UnaryCall, UnaryHandler, UnaryReply } from "@hutong/wire";
import { statusName } from "@hutong/wire";
import type { ConditionLog } from "../observability/condition-log.js";
import { errorKind } from "../observability/error-kind.js";
import type { GatewayMetrics } from "../observability/gateway-metrics.js";
import type { CallOutcome } from "../pipeline/call-outcome.js";
import { isForwardedStatus } from "../pipeline/forwarded-status.js";
import { type MappedError, mapError } from "./status-mapping.js";

export interface CallObserver {
  /** A unary handler with metrics, a rate-limited log line on failure, and the single error mapping around it. */
  unary(method: string, run: (call: UnaryCall, outcome: CallOutcome) => Promise<UnaryReply>): UnaryHandler;
  /**
   * A route's admission check (before its body is read) with the same metrics, log lines and error
   * mapping as a refusal inside the handler: `check` throws any hutong error to refuse.
   */
  admission(method: string, check: (metadata: Metadata) => void): (call: AdmissionCall) => void;
  /** Maps a failure that has no unary handler around it (a stream): logged if internal. */
  failed(method: string, error: unknown): MappedError;
}

/** What the owner's log keeps of a status that came from behind and was not relayed as it came. */
function upstreamFacts(e: unknown): Record<string, unknown> | undefined {
  if (!isForwardedStatus(e) || (e.relayedAsIs && e.droppedTrailers === 0)) return undefined;
  const received = e.describeReceived();
  return {
    from: e.from,
    status: statusName(e.code),
    message: received.redacted,
    messageLength: received.length,
    messageDigest: received.digest,
    droppedTrailers: e.droppedTrailers,
  };
}

/**
 * Every call's end, in one place: a metric with the final status (every call), and a log line for a
 * refusal (info: parties, method, purpose and the closed reason code, never request content; for a
 * status from behind this gateway, the redacted form of what was received) or an internal error
 * (error: with the error, which never goes on the wire). Lines go through the condition log: one per
 * (reason, method, caller, origin) or (internal error kind, method) per interval, with counts, so a
 * flood of refusals cannot flood the log.
 */
export function createCallObserver(options: {
  readonly metrics: GatewayMetrics;
  readonly conditions: ConditionLog;
}): CallObserver {
  const { metrics, conditions } = options;
  const report = (
    method: string,
    mapped: MappedError,
    error: unknown,
    outcome: CallOutcome | undefined,
    peer?: string,
  ) => {
    if (mapped.internal !== undefined) {
      const kind = errorKind(mapped.internal);
      conditions.report(`internal\0${method}\0${kind}`, () => ({
        level: "error",
        message: "call failed: internal error",
        facts: { method, kind, route: outcome?.route, caller: outcome?.caller, origin: outcome?.origin, peer },
        err: mapped.internal,
      }));
      return;
    }
    const key = `${mapped.reason}\0${method}\0${outcome?.caller ?? ""}\0${outcome?.origin ?? ""}`;
    conditions.report(key, () => ({
      level: "info",
      message: "call refused",
      facts: {
        method,
        status: statusName(mapped.wire.code),
        reason: mapped.reason,
        caller: outcome?.caller,
        origin: outcome?.origin,
        target: outcome?.context?.targetParty,
        purpose: outcome?.context?.purpose,
        correlationId: outcome?.context?.correlationId,
        route: outcome?.route,
        peer,
        upstream: upstreamFacts(error),
      },
    }));
  };
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
          metrics.recordCall({
            method,
            route: outcome.route,
            status,
            durationMs: performance.now() - start,
            reason: mapped.reason,
          });
          if (mapped.reason === "gateway/acl-denied") metrics.recordAclDecision({ decision: "deny", method });
          report(method, mapped, e, outcome, call.peer);
          throw mapped.wire;
        }
      };
    },
    admission(method, check) {
      return (call) => {
        try {
          check(call.metadata);
        } catch (e) {
          const mapped = mapError(e);
          metrics.recordCall({
            method,
            route: "-",
            status: statusName(mapped.wire.code),
            durationMs: 0,
            reason: mapped.reason,
          });
          report(method, mapped, e, undefined, call.peer);
          throw mapped.wire;
        }
      };
    },
    failed(method, error) {
      const mapped = mapError(error);
      if (mapped.internal !== undefined) report(method, mapped, error, undefined);
      return mapped;
    },
  };
}
