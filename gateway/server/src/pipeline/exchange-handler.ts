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
import { isShareReason, shareDenialTrailer } from "../share/share-denial-trailer.js";
import type { ShareCall, ShareStep } from "../share/share-step.js";
import { type AuthenticatedCall, aclDenied, type CallAuthorizer } from "./call-authorizer.js";
import type { CallOutcome } from "./call-outcome.js";
import { forwardedStatus } from "./forwarded-status.js";
import type { Forwarder } from "./forwarder.js";
import { backendMetadataKeys } from "./routing-metadata.js";
import type { RoutingState } from "./routing-state.js";
import type { SessionMethods } from "./session-methods.js";

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
 * Why a forward failed, as an audit reason: a peer's share denial as it said (forwardedStatus keeps
 * hutong-denial from a peer only, with a known reason), else the target's gRPC status
 * ("target-not-found", "target-unavailable", ...).
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

export interface ExchangeHandlerOptions {
  readonly self: string;
  readonly authorizer: CallAuthorizer;
  readonly session: SessionMethods;
  readonly routing: () => RoutingState;
  readonly forwarder: Forwarder;
  readonly tracer: Tracer;
  readonly extractTrace: (metadata: Metadata) => Context;
  readonly injectTrace: (ctx: Context, into: Record<string, string>) => void;
  /** Grants, minimization and the audit log for calls that cross members (architecture.md §3 steps 2, 4, 5). */
  readonly share?: ShareStep;
}

export interface ExchangeHandler {
  /**
   * `authenticated`: the call already authenticated by the caller (a route that had to read the
   * request in clear to decide where it goes); otherwise authenticated here.
   */
  handle(call: UnaryCall, outcome: CallOutcome, authenticated?: AuthenticatedCall): Promise<UnaryReply>;
}

/**
 * The share pipeline for the exchange services (architecture.md §3): authenticate the
 * caller (session ticket + MAC, then the request decrypted), believe relay facts only from
 * trusted peers, refuse loops, read the RequestContext, apply the ACL (deny by default), route
 * by party, forward the request in clear (a peer hop encrypts it again under its own session),
 * and protect the response for the caller (encrypted, MACed). The share step and the backend
 * see plaintext; every hop's link carries ciphertext. Errors propagate as the packages' own
 * types; the server maps them to gRPC once.
 */
export function createExchangeHandler(options: ExchangeHandlerOptions): ExchangeHandler {
  return {
    async handle(call, outcome, preAuthenticated) {
      const method = call.path.slice(1);
      const parent = originTrace(options.extractTrace(call.metadata));
      const span = options.tracer.startSpan(
        call.path,
        { kind: SpanKind.SERVER, attributes: { "rpc.system": "grpc", "rpc.method": method } },
        parent,
      );
      try {
        const authenticated = preAuthenticated ?? (await options.authorizer.authenticate(call, outcome));
        const { verified, origin, hops, context: ctx, request } = authenticated;
        span.setAttribute("hutong.target_party", ctx.targetParty);
        span.setAttribute("hutong.purpose", ctx.purpose);

        const routing = options.routing();
        const route = routing.routes.resolve(ctx.targetParty);
        // A connector is the last hop before its partner, as a backend is before its system.
        const role = route === undefined || route.target.kind === "peer" ? "relay" : "owner";
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
                request,
              }
            : undefined;
        if (!options.authorizer.allows(authenticated)) {
          if (shareCall !== undefined) await share?.refused(shareCall, role, "acl-denied");
          throw aclDenied(authenticated);
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
        if (route.target.kind !== "peer") {
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
              body: asBuffer(request),
              metadata,
              deadline: call.deadline,
              signal: call.cancelSignal,
              origin,
              hops,
            }),
          );
        } catch (e) {
          // A status from behind this gateway crosses only in its closed form (forwarded-status.ts).
          const failure = isWireError(e)
            ? forwardedStatus(e, route.target.kind === "peer" ? "peer" : "backend", {
                self: options.self,
                origin,
                method,
                purpose: ctx.purpose,
                target: ctx.targetParty,
                hops,
              })
            : e;
          // The forward's own error is what the caller gets; recording the refusal must not mask it.
          await pending?.failed(failureReason(failure)).catch(() => {});
          throw failure;
        }
        // Decided, minimized and durably audited before a byte leaves this gateway.
        const body = pending === undefined ? reply.body : asBuffer(await pending.release(reply.body));
        span.setStatus({ code: SpanStatusCode.OK });
        return options.session.reply(verified, body);
      } catch (e) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.name : "error" });
        throw e;
      } finally {
        span.end();
      }
    },
  };
}
