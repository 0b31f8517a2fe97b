import type { Certificate, Crl, Sm2PrivateKey } from "@hutong/certs";
import { createSessionClient, createWireTransport, type SessionClient } from "@hutong/client";
import { GrantServiceService, type Purpose, RevokeGrantRequest, SignedRevocation } from "@hutong/proto";
import { createWireChannel, isWireError, Status, statusName } from "@hutong/wire";
import type { GrantStore, RevocationNotice } from "../store/port/grant-store.js";

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
  /** The durable outbox (the gateway's store). */
  readonly store: Pick<GrantStore, "dueRevocationNotices" | "settleRevocationNotice">;
  /**
   * Where each peer gateway listens, read at each send (a reload may change it); a notice for a
   * party not listed is dropped (logged).
   */
  readonly peers: readonly RevocationPeer[] | (() => readonly RevocationPeer[]);
  readonly connect: PeerSessionFactory;
  readonly logger: PropagationLogger;
  /** Wait before the first retry, default 500 ms; doubled each time, with jitter (50-100 %). */
  readonly backoffMs?: number;
  /** Longest wait between tries, default 5 minutes. Tries go on until a peer answers. */
  readonly maxBackoffMs?: number;
  /** Deadline of each call, default 10 s. */
  readonly callTimeoutMs?: number;
  /** How often the outbox is read when nothing wakes the sender, default 30 s. */
  readonly pollMs?: number;
  /** Notices sent per round, default 100. */
  readonly batch?: number;
  readonly now?: () => number;
}

/**
 * delivered: the peer recorded it (or already had). unknown-at-peer: the peer does not hold the
 * grant (NOT_FOUND): it recorded the revocation and passed it on, so this hop is done. refused: a
 * status retrying cannot change (the peer's ACL, a revocation it judges invalid). retrying: failed
 * this time, kept in the outbox for later. no-peer: no address for that party any more.
 */
export type PeerOutcome = "delivered" | "unknown-at-peer" | "refused" | "retrying" | "no-peer";

export interface PeerDelivery {
  readonly peer: string;
  readonly grantId: string;
  readonly outcome: PeerOutcome;
  /** Tries so far, this one included. */
  readonly attempts: number;
}

export interface RevocationPropagator {
  /** Wakes the sender: new notices are in the outbox. */
  kick(): void;
  /**
   * Sends every notice due now, once each, and settles it in the outbox (removed, or kept with
   * its next try). Rounds never overlap: this waits for one in progress first. Never rejects.
   */
  flush(): Promise<readonly PeerDelivery[]>;
  /** Stops the sender (a round in progress finishes its calls) and closes the peer sessions. */
  close(): Promise<void>;
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

/**
 * Sends revocations to peer gateways from the store's durable outbox (architecture.md §4, "revocation
 * propagates to peers"; docs/grants.md §6). The registry queues one notice per peer the first time
 * it records a revocation, whether or not it holds the grant, so a revocation floods the
 * federation once and stops (a gateway that has seen it queues nothing). Each notice is retried
 * with backoff until the peer answers, across restarts.
 */
export function createRevocationPropagator(options: RevocationPropagatorOptions): RevocationPropagator {
  const backoffMs = options.backoffMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 300_000;
  const callTimeoutMs = options.callTimeoutMs ?? 10_000;
  const pollMs = options.pollMs ?? 30_000;
  const batch = options.batch ?? 100;
  const now = options.now ?? Date.now;
  const { logger, store } = options;
  const peerList = options.peers;
  const peerOf = (party: string) =>
    (typeof peerList === "function" ? peerList() : peerList).find((p) => p.party === party);
  const sessions = new Map<string, SessionClient>();
  const closing = new AbortController();
  let round: Promise<readonly PeerDelivery[]> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  function sessionFor(peer: RevocationPeer): SessionClient {
    // By address too: a peer moved by a reload gets a new session.
    const key = `${peer.party} ${peer.address}`;
    let s = sessions.get(key);
    if (s === undefined) {
      s = options.connect(peer);
      sessions.set(key, s);
    }
    return s;
  }

  /** One try for one notice; the outcome and, when retrying, the status that failed. */
  async function send(notice: RevocationNotice): Promise<{ outcome: PeerOutcome; status?: string; reason?: string }> {
    const peer = peerOf(notice.peer);
    if (peer === undefined) return { outcome: "no-peer" };
    const revocation = SignedRevocation.decode(notice.revocationBytes);
    const body = RevokeGrantRequest.encode({
      context: {
        targetParty: peer.party,
        purpose: notice.purpose as Purpose,
        grantId: notice.grantId,
        correlationId: `revocation-${notice.grantId}`,
      },
      grantId: notice.grantId,
      revocation,
    }).finish();
    try {
      await sessionFor(peer).call(GrantServiceService.revokeGrant.path, Buffer.from(body), {
        deadline: Date.now() + callTimeoutMs,
        signal: closing.signal,
      });
      return { outcome: "delivered" };
    } catch (e) {
      if (!isWireError(e)) return { outcome: "retrying", status: "error" };
      if (e.code === Status.NOT_FOUND) return { outcome: "unknown-at-peer" };
      if (permanent.has(e.code)) return { outcome: "refused", status: statusName(e.code), reason: e.message };
      return { outcome: "retrying", status: statusName(e.code) };
    }
  }

  async function deliver(notice: RevocationNotice): Promise<PeerDelivery & { retryAtMs: number | null }> {
    const attempt = notice.attempts + 1;
    const facts = { peer: notice.peer, grantId: notice.grantId, attempt };
    let result: Awaited<ReturnType<typeof send>>;
    try {
      result = await send(notice);
    } catch (e) {
      // A notice that cannot even be encoded would fail forever: drop it, loudly.
      logger.warn({ ...facts, err: e }, "revocation notice is unusable; dropped");
      result = { outcome: "refused" };
    }
    let retryAtMs: number | null = null;
    if (result.outcome === "delivered") logger.info(facts, "revocation delivered to peer gateway");
    else if (result.outcome === "unknown-at-peer") logger.debug(facts, "peer gateway does not hold the grant");
    else if (result.outcome === "refused") {
      logger.warn({ ...facts, status: result.status, reason: result.reason }, "peer gateway refused the revocation");
    } else if (result.outcome === "no-peer") logger.warn(facts, "no address for this peer gateway; notice dropped");
    else {
      const delay = Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      retryAtMs = now() + Math.round(delay);
      logger.warn(
        { ...facts, status: result.status, retryInMs: Math.round(delay) },
        "revocation not delivered; retrying",
      );
    }
    return { peer: notice.peer, grantId: notice.grantId, outcome: result.outcome, attempts: attempt, retryAtMs };
  }

  async function runRound(): Promise<readonly PeerDelivery[]> {
    const results: PeerDelivery[] = [];
    let nextRetry = Number.POSITIVE_INFINITY;
    try {
      for (;;) {
        again = false;
        const due = await store.dueRevocationNotices(now(), batch);
        const done = await Promise.all(due.map(async (notice) => ({ notice, d: await deliver(notice) })));
        for (const { notice, d } of done) {
          // Settled even when closing: a call that went out is not repeated needlessly.
          await store.settleRevocationNotice(notice, d.retryAtMs);
          if (d.retryAtMs !== null) nextRetry = Math.min(nextRetry, d.retryAtMs);
          results.push({ peer: d.peer, grantId: d.grantId, outcome: d.outcome, attempts: d.attempts });
        }
        if (closing.signal.aborted || (due.length < batch && !again)) break;
      }
    } catch (e) {
      // The store is down: try again at the next poll.
      logger.warn({ err: e }, "revocation outbox unavailable");
    }
    schedule(Number.isFinite(nextRetry) ? Math.max(0, nextRetry - now()) : pollMs);
    return results;
  }

  function schedule(inMs: number): void {
    if (closing.signal.aborted) return;
    clearTimeout(timer);
    timer = setTimeout(() => void flush(), Math.min(inMs, pollMs));
    timer.unref();
  }

  function flush(): Promise<readonly PeerDelivery[]> {
    if (closing.signal.aborted) return Promise.resolve([]);
    if (round !== undefined) return round.then(() => flush());
    const current = runRound().finally(() => {
      round = undefined;
    });
    round = current;
    return current;
  }

  // Notices left by a previous run go out at start.
  schedule(0);

  return {
    kick() {
      // A round in progress reads the outbox once more before it ends.
      if (round !== undefined) again = true;
      else void flush();
    },
    flush,
    async close() {
      closing.abort();
      clearTimeout(timer);
      await round?.catch(() => {});
      for (const s of sessions.values()) s.close();
      sessions.clear();
    },
  };
}
