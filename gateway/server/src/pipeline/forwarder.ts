import type { Crl } from "@hutong/certs";
import type { Credentials } from "@hutong/client";
import { createSessionClient, createWireTransport, type SessionClient } from "@hutong/client";
import { errorCodeTrailer } from "@hutong/session";
import type { CancelSignal, Metadata } from "@hutong/wire";
import { createWireChannel, isWireError, Status, type WireChannel } from "@hutong/wire";
import { GatewayError } from "../gateway-error.js";
import { peerChannelTls } from "../peer-tls.js";
import type { RouteEntry, RouteTarget } from "../routing/route-table.js";

export interface ForwardRequest {
  readonly path: string;
  /**
   * The request message in clear: to a local backend as it is (the province's own network); to a
   * peer gateway encrypted again under this gateway's own session with it.
   */
  readonly body: Buffer;
  /** Metadata for the next hop (trace context, routing facts); session keys are added per hop. */
  readonly metadata: Metadata;
  /** The caller's deadline, if any; the route's timeout may shorten it. */
  readonly deadline: number | undefined;
  readonly signal: CancelSignal;
  readonly origin: string;
  /** Gateways crossed before this one (this gateway is appended for a peer hop). */
  readonly hops: readonly string[];
}

export interface ForwardReply {
  /** The response message in clear; authenticated (and decrypted) when it came from a peer gateway. */
  readonly body: Buffer;
}

export interface Forwarder {
  forward(route: RouteEntry, request: ForwardRequest): Promise<ForwardReply>;
  /** Drops channels and sessions of routes no longer in `routes` (after a config reload). */
  retain(routes: readonly RouteEntry[]): void;
  close(): void;
}

/**
 * Calls a connector this gateway hosts, by its config name (gateway/start-gateway.ts binds it):
 * the response message, or a WireError with the connector's status.
 */
export type ConnectorCaller = (
  connector: string,
  path: string,
  body: Buffer,
  call: { readonly origin: string; readonly deadline: number },
) => Promise<Uint8Array>;

export interface ForwarderOptions {
  readonly self: Credentials;
  /** The connectors this gateway hosts; a route to one that is not running is unavailable. */
  readonly connectors?: ConnectorCaller;
  readonly crls: () => readonly Crl[];
  readonly maxMessageBytes: number;
  readonly now?: () => number;
}

interface Link {
  readonly key: string;
  readonly channel: WireChannel;
  readonly session: SessionClient | undefined;
  /** Dropped by retain() or close(): a route object still pointing at it must look again. */
  retired: boolean;
}

function linkKey(route: RouteEntry): string {
  const t = route.target;
  if (t.kind === "connector") return `connector ${t.connector}`;
  if (t.kind === "local") return `local ${t.address} ${route.maxInFlight}/${route.maxQueued}`;
  const tls = t.tls === undefined ? "h2c" : `tls ${t.tls.caFile ?? "-"} ${t.tls.serverName ?? "-"}`;
  const protection = t.plaintext === true ? "plaintext" : "sm4";
  return `peer ${t.address} ${t.peerParty} ${route.maxInFlight}/${route.maxQueued} ${tls} ${protection}`;
}

/**
 * Sends a routed call to its next hop: a connector this gateway hosts, a local backend (plain gRPC, the
 * province's own network) or a peer gateway (a session of this gateway's own,
 * SM4-encrypted unless the route says plaintext, with the relay route MAC, over
 * h2c or TLS 1.3 as the route says). One channel per route target, each with
 * bounded in-flight calls and a bounded queue.
 */
export function createForwarder(options: ForwarderOptions): Forwarder {
  const now = options.now ?? Date.now;
  const links = new Map<string, Link>();
  // Route entries live until the next reload: remembering each one's link spares a key string per call.
  const byRoute = new WeakMap<RouteEntry, Link>();

  function linkFor(route: RouteEntry, target: Exclude<RouteTarget, { kind: "connector" }>): Link {
    const known = byRoute.get(route);
    if (known !== undefined && !known.retired) return known;
    const key = linkKey(route);
    let link = links.get(key);
    if (link === undefined) {
      const channel = createWireChannel(target.address, {
        maxMessageBytes: options.maxMessageBytes,
        maxInFlight: route.maxInFlight,
        maxQueued: route.maxQueued,
        ...(target.kind === "peer" ? peerChannelTls(target.tls) : {}),
      });
      const session =
        target.kind === "peer"
          ? createSessionClient({
              transport: createWireTransport(channel),
              serverParty: target.peerParty,
              privateKey: options.self.privateKey,
              chain: options.self.chain,
              trust: options.self.trust,
              crls: options.crls,
              protection: target.plaintext === true ? "plaintext" : "sm4",
              now,
            })
          : undefined;
      link = { key, channel, session, retired: false };
      links.set(key, link);
    }
    byRoute.set(route, link);
    return link;
  }

  return {
    async forward(route, req) {
      const routeDeadline = now() + route.timeoutMs;
      const deadline = req.deadline === undefined ? routeDeadline : Math.min(req.deadline, routeDeadline);
      const target = route.target;
      if (target.kind === "connector") {
        if (options.connectors === undefined) {
          throw new GatewayError("target-unavailable", `route "${route.name}": no connector is running here`);
        }
        const body = await options.connectors(target.connector, req.path, req.body, { origin: req.origin, deadline });
        return { body: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
      }
      const link = linkFor(route, target);
      try {
        if (link.session === undefined) {
          const r = await link.channel.unary(req.path, req.body, req.metadata, { deadline, signal: req.signal });
          return { body: r.body };
        }
        const r = await link.session.call(req.path, req.body, {
          deadline,
          signal: req.signal,
          metadata: req.metadata,
          route: { origin: req.origin, hops: [...req.hops, options.self.partyId].join(",") },
        });
        return { body: r.body };
      } catch (e) {
        if (!isWireError(e)) throw e;
        // Failures of this hop itself become the gateway's own errors; statuses that come from
        // further along (a peer's ACL, a backend's NOT_FOUND) pass through unchanged.
        if (e.channelFailure === "unreachable") {
          throw new GatewayError("target-unavailable", `route "${route.name}" is unavailable`, { cause: e });
        }
        // The peer's session layer refusing this gateway's own session (a handshake or ticket
        // refusal, its protection policy, its handshake limits): about this hop, not the caller's
        // call, so the caller never sees the peer's hutong-error.
        const refusal = e.trailers[errorCodeTrailer];
        if (link.session !== undefined && (e.code === Status.UNAUTHENTICATED || refusal !== undefined)) {
          const why = refusal === undefined ? "" : ` (${refusal})`;
          throw new GatewayError(
            "target-unavailable",
            `peer gateway of route "${route.name}" refused this gateway${why}`,
            { cause: e },
          );
        }
        if (e.channelFailure === "queue-full") {
          throw new GatewayError("overloaded", `route "${route.name}" is overloaded`, { cause: e });
        }
        throw e;
      }
    },
    retain(routes) {
      const keep = new Set(routes.map(linkKey));
      for (const [key, link] of links) {
        if (!keep.has(key)) {
          link.retired = true;
          link.channel.close();
          links.delete(key);
        }
      }
    },
    close() {
      for (const link of links.values()) {
        link.retired = true;
        link.channel.close();
      }
      links.clear();
    },
  };
}
