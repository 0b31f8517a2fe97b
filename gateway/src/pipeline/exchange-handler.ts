import type { Crl } from "@hutong/certs";
import { type Context, context as otelContext, SpanKind, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import { GatewayError } from "../gateway-error.js";
import type { Acl } from "../routing/acl.js";
import { checkHops, parseHops } from "../routing/hops.js";
import type { RouteTable } from "../routing/route-table.js";
import { type CallVerifier, relayMetadataKeys, type VerifiedCall } from "../session/index.js";
import type { Metadata } from "../wire/metadata.js";
import type { UnaryCall, UnaryReply } from "../wire/wire-server.js";
import type { Forwarder } from "./forwarder.js";
import type { RelayPolicy } from "./relay-policy.js";
import { type ExchangeContext, readExchangeContext } from "./request-context.js";
import { backendMetadataKeys } from "./routing-metadata.js";

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
  readonly now?: () => number;
}

/** What the pipeline decided about one call, for metrics, logs and (later) the audit log. */
export interface ExchangeOutcome {
  readonly method: string;
  readonly route: string;
  readonly caller?: string;
  readonly origin?: string;
  readonly context?: ExchangeContext;
}

export interface ExchangeHandler {
  handle(call: UnaryCall, outcome: { current: ExchangeOutcome }): Promise<UnaryReply>;
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

  function relayFacts(call: UnaryCall, verified: VerifiedCall): { origin: string; hops: string[] } {
    const origin = call.metadata[relayMetadataKeys.origin];
    const hops = call.metadata[relayMetadataKeys.hops];
    if (origin === undefined && hops === undefined) return { origin: verified.clientParty, hops: [] };
    verified.verifyRoute(origin ?? "", hops ?? "", call.metadata[relayMetadataKeys.routeMac]);
    if (origin === undefined || !options.routing().relays.allows(verified.clientParty, origin)) {
      throw new GatewayError("relay-not-allowed", `${verified.clientParty} may not relay calls for ${origin ?? "?"}`);
    }
    return { origin, hops: parseHops(hops) };
  }

  return {
    async handle(call, outcome) {
      const method = call.path.slice(1);
      const parent = options.extractTrace(call.metadata);
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
        outcome.current = { ...outcome.current, caller: verified.clientParty };
        const { origin, hops } = relayFacts(call, verified);
        outcome.current = { ...outcome.current, origin };
        checkHops(hops, options.self, options.maxHops);
        const ctx = readExchangeContext(call.body);
        outcome.current = { ...outcome.current, context: ctx };
        span.setAttribute("hutong.target_party", ctx.targetParty);
        span.setAttribute("hutong.purpose", ctx.purpose);

        const routing = options.routing();
        const decision = routing.acl.decide({ caller: origin, method, purpose: ctx.purpose, target: ctx.targetParty });
        if (!decision.allow) {
          throw new GatewayError("acl-denied", `ACL: ${origin} may not call ${method} for ${ctx.purpose}`);
        }
        const route = routing.routes.resolve(ctx.targetParty);
        if (route === undefined) throw new GatewayError("unknown-party", `no route to party ${ctx.targetParty}`);
        outcome.current = { ...outcome.current, route: route.name };
        span.setAttribute("hutong.route", route.name);

        const metadata: Record<string, string> = {};
        options.injectTrace(trace.setSpan(parent, span), metadata);
        if (route.target.kind === "local") {
          metadata[backendMetadataKeys.origin] = origin;
          metadata[backendMetadataKeys.purpose] = ctx.purpose;
          metadata[backendMetadataKeys.hops] = [...hops, options.self].join(",");
          if (ctx.grantId !== "") metadata[backendMetadataKeys.grantId] = ctx.grantId;
          if (ctx.correlationId !== "") metadata[backendMetadataKeys.correlationId] = ctx.correlationId;
        }
        const reply = await otelContext.with(trace.setSpan(parent, span), () =>
          options.forwarder.forward(route, {
            path: call.path,
            body: call.body,
            metadata,
            deadline: call.deadline,
            signal: call.signal,
            origin,
            hops,
          }),
        );
        span.setStatus({ code: SpanStatusCode.OK });
        return {
          body: reply.body,
          trailers: { "hutong-mac": Buffer.from(verified.responseMac(reply.body)).toString("hex") },
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
