import type { VerifiedCall } from "@hutong/session";
import { GatewayError } from "../gateway-error.js";
import { checkHops } from "../routing/hops.js";
import { type ExchangeContext, readExchangeContext } from "../routing/request-context.js";
import type { CallOutcome } from "./call-outcome.js";
import { relayFacts } from "./relay-facts.js";
import type { RoutingState } from "./routing-state.js";
import type { IncomingRequest, SessionMethods } from "./session-methods.js";

/** Who is asking, through which gateways, and for what: the facts every decision is taken on. */
export interface AuthenticatedCall {
  /** The gRPC method, "<package>.<Service>/<Method>". */
  readonly method: string;
  readonly verified: VerifiedCall;
  /** The request message in clear (decrypted on an SM4 session, after the session checks passed). */
  readonly request: Uint8Array;
  /** The calling system (hutong-origin from a trusted relay), not the last hop. */
  readonly origin: string;
  /** Gateways crossed before this one. */
  readonly hops: readonly string[];
  readonly context: ExchangeContext;
}

export interface CallAuthorizerOptions {
  readonly self: string;
  readonly maxHops: number;
  readonly session: SessionMethods;
  readonly routing: () => RoutingState;
}

export interface CallAuthorizer {
  /**
   * The session (ticket and MAC over the exact request bytes, then the request decrypted), relay
   * facts believed only from a trusted relay, the hop list (no loop, not too long), and the
   * request's context: read from the RequestContext in field 1 of the request in clear, or
   * `context` for a method whose request carries none (the gateway's own services). Fills
   * `outcome` as it goes. Throws session, routing and gateway errors.
   */
  authenticate(call: IncomingRequest, outcome: CallOutcome, context?: ExchangeContext): Promise<AuthenticatedCall>;
  /** The service ACL's decision (deny by default) on the call's origin, method, purpose and target. */
  allows(call: AuthenticatedCall): boolean;
  /** authenticate, then the ACL: throws acl-denied when no rule allows the call. */
  authorize(call: IncomingRequest, outcome: CallOutcome, context?: ExchangeContext): Promise<AuthenticatedCall>;
}

export function aclDenied(call: AuthenticatedCall): GatewayError {
  return new GatewayError("acl-denied", `ACL: ${call.origin} may not call ${call.method} for ${call.context.purpose}`);
}

/**
 * The one way a call is authenticated and authorized, whoever answers it: the exchange pipeline
 * (which records an ACL refusal in the audit log before throwing), a method the gateway answers
 * itself (grants, registry, audit), or a stream.
 */
export function createCallAuthorizer(options: CallAuthorizerOptions): CallAuthorizer {
  async function authenticate(
    call: IncomingRequest,
    outcome: CallOutcome,
    fixed?: ExchangeContext,
  ): Promise<AuthenticatedCall> {
    const verified = await options.session.verify(call.path, call.metadata, call.body);
    outcome.caller = verified.clientParty;
    const { origin, hops } = relayFacts(call.metadata, verified, options.routing().relays);
    outcome.origin = origin;
    checkHops(hops, options.self, options.maxHops);
    const request = verified.request;
    const context = fixed ?? readExchangeContext(request);
    outcome.context = context;
    return { method: call.path.slice(1), verified, request, origin, hops, context };
  }
  function allows(call: AuthenticatedCall): boolean {
    return options.routing().acl.decide({
      caller: call.origin,
      method: call.method,
      purpose: call.context.purpose,
      target: call.context.targetParty,
    }).allow;
  }
  return {
    authenticate,
    allows,
    async authorize(call, outcome, context) {
      const authenticated = await authenticate(call, outcome, context);
      if (!allows(authenticated)) throw aclDenied(authenticated);
      return authenticated;
    },
  };
}
