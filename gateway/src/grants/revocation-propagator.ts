import type { Certificate, Crl, Sm2PrivateKey } from "@hutong/certs";
import { GrantServiceService, type Purpose, RevokeGrantRequest, type SignedRevocation } from "@hutong/proto";
import { createSessionClient, type SessionClient } from "../client/session-client.js";
import { createWireTransport } from "../client/wire-transport.js";
import { Status, statusName } from "../wire/grpc-status.js";
import { createWireChannel } from "../wire/wire-channel.js";
import { isWireError } from "../wire/wire-error.js";

/** A peer gateway revocations are forwarded to. */
export interface RevocationPeer {
  readonly party: string;
  /** "host:port" of its gRPC listener. */
  readonly address: string;
}

/** Opens this gateway's own session to a peer gateway (one per peer, kept for later revocations). */
export type PeerSessionFactory = (peer: RevocationPeer) => SessionClient;

export interface PeerSessionFactoryOptions {
  /** This gateway's identity (its Credentials fit). */
  readonly self: {
    readonly privateKey: Sm2PrivateKey;
    readonly chain: readonly Uint8Array[];
    readonly trust: { readonly trustAnchors: readonly Certificate[]; readonly intermediates?: readonly Certificate[] };
  };
  readonly crls: () => readonly Crl[];
  readonly maxMessageBytes?: number;
  readonly now?: () => number;
}

/**
 * Sessions as the forwarder's peer links make them: the gateway's own node:http2 channel and its
 * own SM2 session, the peer proving it is `peer.party`. No relay route: the gateway calls for itself.
 */
export function createPeerSessionFactory(options: PeerSessionFactoryOptions): PeerSessionFactory {
  return (peer) =>
    createSessionClient({
      transport: createWireTransport(
        createWireChannel(peer.address, {
          ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }),
        }),
      ),
      serverParty: peer.party,
      privateKey: options.self.privateKey,
      chain: options.self.chain,
      trust: options.self.trust,
      crls: options.crls,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
}

/** pino's Logger fits. Facts carry grant ids, parties and status names only. */
export interface PropagationLogger {
  info(facts: Record<string, unknown>, message: string): void;
  warn(facts: Record<string, unknown>, message: string): void;
  debug(facts: Record<string, unknown>, message: string): void;
}

export interface RevocationPropagatorOptions {
  readonly peers: readonly RevocationPeer[];
  readonly connect: PeerSessionFactory;
  readonly logger: PropagationLogger;
  /** Tries per peer, default 5. */
  readonly attempts?: number;
  /** Wait before the first retry, default 500 ms; doubled each time, with jitter (50-100 %). */
  readonly backoffMs?: number;
  /** Longest wait between tries, default 30 s. */
  readonly maxBackoffMs?: number;
  /** Deadline of each call, default 10 s. */
  readonly callTimeoutMs?: number;
}

/**
 * delivered: the peer recorded it (or already had). unknown-at-peer: the peer does not hold the
 * grant (NOT_FOUND), so there is nothing to revoke there. refused: a status retrying cannot
 * change (the peer's ACL, a revocation it judges invalid). gave-up: still failing after the last
 * try. cancelled: the propagator was closed.
 */
export type PeerOutcome = "delivered" | "unknown-at-peer" | "refused" | "gave-up" | "cancelled";

export interface PeerDelivery {
  readonly peer: string;
  readonly outcome: PeerOutcome;
  readonly attempts: number;
}

export interface RevocationPropagator {
  /**
   * Sends RevokeGrant with this exact SignedRevocation to every peer, in parallel, retrying
   * transient failures with backoff. `purpose` is the grant's (the peer's ACL decides on it).
   * Never rejects: failures are logged and reported per peer.
   */
  propagate(revocation: SignedRevocation, purpose: Purpose): Promise<readonly PeerDelivery[]>;
  /** Stops retries in progress (their outcome is cancelled) and closes the peer sessions. */
  close(): void;
}

// Statuses a retry cannot change: the peer understood the call and said no.
const permanent: ReadonlySet<number> = new Set([
  Status.INVALID_ARGUMENT,
  Status.PERMISSION_DENIED,
  Status.FAILED_PRECONDITION,
  Status.UNIMPLEMENTED,
  Status.OUT_OF_RANGE,
  Status.ALREADY_EXISTS,
]);

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve(false);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    timer.unref();
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Forwards revocations to peer gateways (DESIGN §4: "revocation propagates to peers"). Loop
 * safety is the caller's: propagate only when the local revoke changed the status (the registry's
 * onRevoked), so a revocation bouncing back from a peer stops there. Delivery is best effort and
 * in memory: a restart forgets retries in progress (the outbox of DESIGN §6 is the durable form).
 */
export function createRevocationPropagator(options: RevocationPropagatorOptions): RevocationPropagator {
  const attempts = Math.max(1, options.attempts ?? 5);
  const backoffMs = options.backoffMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const callTimeoutMs = options.callTimeoutMs ?? 10_000;
  const { logger } = options;
  const peers = [...new Map(options.peers.map((p) => [p.party, p])).values()];
  const sessions = new Map<string, SessionClient>();
  const closing = new AbortController();

  function sessionFor(peer: RevocationPeer): SessionClient {
    let s = sessions.get(peer.party);
    if (s === undefined) {
      s = options.connect(peer);
      sessions.set(peer.party, s);
    }
    return s;
  }

  async function deliver(peer: RevocationPeer, revocation: SignedRevocation, body: Buffer): Promise<PeerDelivery> {
    const facts = { peer: peer.party, grantId: revocation.grantId };
    for (let attempt = 1; ; attempt++) {
      if (closing.signal.aborted) return { peer: peer.party, outcome: "cancelled", attempts: attempt - 1 };
      let status: string;
      try {
        await sessionFor(peer).call(GrantServiceService.revokeGrant.path, body, {
          deadline: Date.now() + callTimeoutMs,
          signal: closing.signal,
        });
        logger.info({ ...facts, attempt }, "revocation delivered to peer gateway");
        return { peer: peer.party, outcome: "delivered", attempts: attempt };
      } catch (e) {
        if (isWireError(e) && e.code === Status.NOT_FOUND) {
          logger.debug({ ...facts, attempt }, "peer gateway does not hold the grant");
          return { peer: peer.party, outcome: "unknown-at-peer", attempts: attempt };
        }
        status = isWireError(e) ? statusName(e.code) : "error";
        if (isWireError(e) && permanent.has(e.code)) {
          logger.warn({ ...facts, attempt, status, reason: e.message }, "peer gateway refused the revocation");
          return { peer: peer.party, outcome: "refused", attempts: attempt };
        }
      }
      if (closing.signal.aborted) return { peer: peer.party, outcome: "cancelled", attempts: attempt };
      if (attempt >= attempts) {
        logger.warn({ ...facts, attempts: attempt, status }, "revocation not delivered to peer gateway; giving up");
        return { peer: peer.party, outcome: "gave-up", attempts: attempt };
      }
      const delay = Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      logger.debug({ ...facts, attempt, status, retryInMs: Math.round(delay) }, "revocation delivery failed; retrying");
      if (!(await sleep(delay, closing.signal))) {
        return { peer: peer.party, outcome: "cancelled", attempts: attempt };
      }
    }
  }

  return {
    async propagate(revocation, purpose) {
      const results = await Promise.all(
        peers.map(async (peer) => {
          try {
            const request = RevokeGrantRequest.encode({
              context: {
                targetParty: peer.party,
                purpose,
                grantId: revocation.grantId,
                correlationId: `revocation-${revocation.grantId}`,
              },
              grantId: revocation.grantId,
              revocation,
            }).finish();
            return await deliver(peer, revocation, Buffer.from(request));
          } catch (e) {
            // Nothing above should throw; if it does, the caller must still not see it.
            logger.warn({ peer: peer.party, grantId: revocation.grantId, err: e }, "revocation propagation failed");
            return { peer: peer.party, outcome: "gave-up" as const, attempts: 0 };
          }
        }),
      );
      return results;
    },
    close() {
      closing.abort();
      for (const s of sessions.values()) s.close();
      sessions.clear();
    },
  };
}
