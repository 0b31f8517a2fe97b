import type { Crl } from "@hutong/certs";
import type { CallVerifier } from "@hutong/session";
import type { Metadata, UnaryCall, UnaryReply } from "@hutong/wire";
import { isWireError, statusName } from "@hutong/wire";
import {
  type Context,
  context as otelContext,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { GatewayError, isGatewayError } from "../gateway-error.js";
import { newSpanId, newTraceId } from "../observability/random-ids.js";
import type { Acl } from "../routing/acl.js";
import { checkHops } from "../routing/hops.js";
import { type ExchangeContext, readExchangeContext } from "../routing/request-context.js";
import type { RouteTable } from "../routing/route-table.js";
import { isShareReason, shareDenialTrailer } from "../share/share-denial-trailer.js";
import type { ShareCall, ShareStep } from "../share/share-step.js";
import type { Forwarder } from "./forwarder.js";
import { relayFacts } from "./relay-facts.js";
import type { RelayPolicy } from "./relay-policy.js";
import { backendMetadataKeys } from "./routing-metadata.js";

const asBuffer = (b: Uint8Array): Buffer =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/**
 * A caller that sent no trace context gets one started here, so the backend, the logs and the audit
 * entries share a trace id even when this gateway records no spans (its tracer is then the no-op
 * one, which only carries an existing context). Unsampled: nobody records it unless told to.
 */
function originTrace(parent: Context): Context {
  if (trace.getSpanContext(parent) !== undefined) return parent;
  return trace.setSpanContext(parent, {
    traceId: newTraceId(),
    spanId: newSpanId(),
    traceFlags: TraceFlags.NONE,
    isRemote: true,
  });
}

/**
 * Why a forward failed, as an audit reason: a peer's share denial as it said, else the target's
 * gRPC status ("target-not-found", "target-unavailable", ...).
 */
function failureReason(e: unknown): string {
  if (isWireError(e)) {
    const said = e.trailers[shareDenialTrailer];
    // A peer's word goes into this gateway's log only if it is one of the codes the federation knows.
    if (said !== undefined && isShareReason(said)) return said;
    return `target-${statusName(e.code).toLowerCase().replaceAll("_", "-")}`;
  }
  if (isGatewayError(e)) return e.code;
  return "internal";
}

/** What a reload can swap without a restart. */
export interface RoutingState {
  readonly routes: RouteTable;
  readonly acl: Acl;
  readonly relays: RelayPolicy;
}

export interface ExchangeHandlerOptions {
  readonly self: string;
  readonly maxHops: number;
  readonly verifier: CallVerifier;
  readonly crls: () => readonly Crl[];
  readonly routing: () => RoutingState;
  readonly forwarder: Forwarder;
  readonly tracer: Tracer;
  readonly extractTrace: (metadata: Metadata) => Context;
  readonly injectTrace: (ctx: Context, into: Record<string, string>) => void;
  /** Grants, minimization and the audit log for calls that cross members (DESIGN §3 steps 2, 4, 5). */
  readonly share?: ShareStep;
  readonly now?: () => number;
}

/**
 * What the pipeline learnt about one call, for metrics and logs: filled in as the call goes, so
 * a refusal's log line says how far it got. One mutable record per call.
 */
export interface ExchangeOutcome {
  readonly method: string;
  route: string;
  caller?: string;
  origin?: string;
  context?: ExchangeContext;
}

export interface ExchangeHandler {
  handle(call: UnaryCall, outcome: ExchangeOutcome): Promise<UnaryReply>;
}

/**
 * The share pipeline for the exchange services (DESIGN §3): authenticate the
 * caller (session ticket + MAC), believe relay facts only from trusted peers,
 * refuse loops, read the RequestContext, apply the ACL (deny by default), route
 * by party, forward the exact bytes, and MAC the exact response bytes. Errors
 * propagate as the packages' own types; the server maps them to gRPC once.
 */
export function createExchangeHandler(options: ExchangeHandlerOptions): ExchangeHandler {
  const now = options.now ?? Date.now;

  return {
    async handle(call, outcome) {
      const method = call.path.slice(1);
      const parent = originTrace(options.extractTrace(call.metadata));
      const span = options.tracer.startSpan(
        call.path,
        { kind: SpanKind.SERVER, attributes: { "rpc.system": "grpc", "rpc.method": method } },
        parent,
      );
      try {
        const verified = options.verifier.verify({
          method: call.path,
          metadata: call.metadata,
          requestBytes: call.body,
          now: now(),
          crls: options.crls(),
        });
        outcome.caller = verified.clientParty;
        const { origin, hops } = relayFacts(call.metadata, verified, options.routing().relays);
        outcome.origin = origin;
        checkHops(hops, options.self, options.maxHops);
        const ctx = readExchangeContext(call.body);
        outcome.context = ctx;
        span.setAttribute("hutong.target_party", ctx.targetParty);
        span.setAttribute("hutong.purpose", ctx.purpose);

        const routing = options.routing();
        const route = routing.routes.resolve(ctx.targetParty);
        const role = route?.target.kind === "local" ? "owner" : "relay";
        const share = options.share;
        const shareCall: ShareCall | undefined =
          share?.isShare(origin, ctx.targetParty) === true
            ? {
                method,
                origin,
                peerParty: verified.clientParty,
                peerCertSerial: verified.certSerialHex,
                context: ctx,
                hops,
                traceId: trace.getSpanContext(parent)?.traceId ?? "",
                request: call.body,
              }
            : undefined;
        const decision = routing.acl.decide({ caller: origin, method, purpose: ctx.purpose, target: ctx.targetParty });
        if (!decision.allow) {
          if (shareCall !== undefined) await share?.refused(shareCall, role, "acl-denied");
          throw new GatewayError("acl-denied", `ACL: ${origin} may not call ${method} for ${ctx.purpose}`);
        }
        if (route === undefined) {
          if (shareCall !== undefined) await share?.refused(shareCall, role, "unknown-party");
          throw new GatewayError("unknown-party", `no route to party ${ctx.targetParty}`);
        }
        outcome.route = route.name;
        // At the owner's gateway this is the grant pre-check; a refusal is audited and thrown.
        const pending = shareCall === undefined ? undefined : await share?.begin(shareCall, role);
        span.setAttribute("hutong.route", route.name);

        const active = trace.setSpan(parent, span);
        const metadata: Record<string, string> = {};
        options.injectTrace(active, metadata);
        if (route.target.kind === "local") {
          metadata[backendMetadataKeys.origin] = origin;
          metadata[backendMetadataKeys.purpose] = ctx.purpose;
          metadata[backendMetadataKeys.hops] = [...hops, options.self].join(",");
          if (ctx.grantId !== "") metadata[backendMetadataKeys.grantId] = ctx.grantId;
          if (ctx.correlationId !== "") metadata[backendMetadataKeys.correlationId] = ctx.correlationId;
        }
        let reply: Awaited<ReturnType<Forwarder["forward"]>>;
        try {
          reply = await otelContext.with(active, () =>
            options.forwarder.forward(route, {
              path: call.path,
              body: call.body,
              metadata,
              deadline: call.deadline,
              signal: call.cancelSignal,
              origin,
              hops,
            }),
          );
        } catch (e) {
          // The forward's own error is what the caller gets; recording the refusal must not mask it.
          await pending?.failed(failureReason(e)).catch(() => {});
          throw e;
        }
        // Decided, minimized and durably audited before a byte leaves this gateway.
        const body = pending === undefined ? reply.body : asBuffer(await pending.release(reply.body));
        span.setStatus({ code: SpanStatusCode.OK });
        return {
          body,
          trailers: { "hutong-mac": Buffer.from(verified.responseMac(body)).toString("hex") },
        };
      } catch (e) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.name : "error" });
        throw e;
      } finally {
        span.end();
      }
    },
  };
}
