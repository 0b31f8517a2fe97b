import type { SessionClient } from "@hutong/client";
import { GrantServiceService, type Purpose, RevokeGrantRequest, SignedRevocation } from "@hutong/proto";
import { isWireError, Status, statusName } from "@hutong/wire";
import type { DeliveryResult, OutboxTopic } from "../outbox/outbox-topic.js";
import type { TopicPolicy } from "../outbox/topic-policy.js";
import type { RevocationInput } from "../store/port/grant-store.js";
import type { OutboxMessage, OutboxMessageInput } from "../store/port/outbox-store.js";
import type { PeerSessionFactory, RevocationPeer } from "./peer-session-factory.js";

/**
 * Revocations passed on to peer gateways, as an outbox topic (docs/grants.md §6, docs/outbox.md):
 * one message per peer, destination the peer's party, idempotency key "<grant id>/<hex SM3 of the
 * signed revocation>", no ordering (revocations are independent, and each is final). The payload
 * is uint32_be(purpose) ‖ the SignedRevocation exactly as received: the schema migrations that
 * moved the old revocation_outbox rows build the same bytes.
 */
export const revocationTopicName = "grant-revocation";

export function encodeRevocationPayload(purpose: number, revocationBytes: Uint8Array): Uint8Array {
  const payload = new Uint8Array(4 + revocationBytes.length);
  new DataView(payload.buffer).setUint32(0, purpose);
  payload.set(revocationBytes, 4);
  return payload;
}

export function decodeRevocationPayload(payload: Uint8Array): { purpose: number; revocation: SignedRevocation } {
  if (payload.length < 4) throw new RangeError("a revocation payload has at least 4 bytes");
  const purpose = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0);
  return { purpose, revocation: SignedRevocation.decode(payload.subarray(4)) };
}

/** The messages that pass a freshly recorded revocation on to `peers`: one each, duplicates removed. */
export function revocationMessages(revocation: RevocationInput, peers: readonly string[]): OutboxMessageInput[] {
  const idempotencyKey = `${revocation.grantId}/${Buffer.from(revocation.digest).toString("hex")}`;
  const payload = encodeRevocationPayload(revocation.purpose, revocation.revocationBytes);
  return [...new Set(peers)].map((destination) => ({
    topic: revocationTopicName,
    destination,
    idempotencyKey,
    orderingKey: null,
    payload,
  }));
}

/** pino's Logger fits. Facts carry grant ids, parties and status names only. */
export interface RevocationTopicLogger {
  debug(facts: Record<string, unknown>, message: string): void;
}

export interface RevocationTopicOptions {
  /**
   * Where each peer gateway listens, read at each try (a reload may change it). A message for a
   * party no longer listed becomes a dead letter (replay it once the route is back).
   */
  readonly peers: readonly RevocationPeer[] | (() => readonly RevocationPeer[]);
  readonly connect: PeerSessionFactory;
  readonly policy: TopicPolicy;
  readonly logger?: RevocationTopicLogger;
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
 * The topic's deliverer: a RevokeGrant call to the peer gateway over this gateway's own SM2
 * session, with target_party = the peer and the grant's purpose. Delivered when the peer answers
 * OK, or NOT_FOUND (it does not hold the grant: it recorded the revocation and passed it on, so
 * this hop is done). A refusal retrying cannot change (its ACL, a revocation it judges invalid)
 * is a reject: a dead letter, not retried. Anything else (unreachable, unavailable, deadline) is
 * retried. The receiving gateway is idempotent by (grant id, digest): a repeat changes nothing
 * there and is not passed on again, so redelivery is harmless.
 */
export function createRevocationTopic(options: RevocationTopicOptions): OutboxTopic {
  const peerList = options.peers;
  const peerOf = (party: string) =>
    (typeof peerList === "function" ? peerList() : peerList).find((p) => p.party === party);
  const sessions = new Map<string, SessionClient>();

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

  async function deliver(
    message: OutboxMessage,
    context: { signal: AbortSignal; deadline: number },
  ): Promise<DeliveryResult> {
    const peer = peerOf(message.destination);
    if (peer === undefined) return { kind: "reject", reason: "no route to this peer gateway any more" };
    let body: Buffer;
    let grantId: string;
    try {
      const { purpose, revocation } = decodeRevocationPayload(message.payload);
      grantId = revocation.grantId;
      body = Buffer.from(
        RevokeGrantRequest.encode({
          context: {
            targetParty: peer.party,
            purpose: purpose as Purpose,
            grantId,
            correlationId: `revocation-${grantId}`,
          },
          grantId,
          revocation,
        }).finish(),
      );
    } catch {
      // A payload that cannot even be decoded would fail forever.
      return { kind: "reject", reason: "unusable revocation payload" };
    }
    try {
      await sessionFor(peer).call(GrantServiceService.revokeGrant.path, body, {
        deadline: context.deadline,
        signal: context.signal,
      });
      options.logger?.debug({ peer: peer.party, grantId }, "revocation delivered to peer gateway");
      return { kind: "delivered" };
    } catch (e) {
      if (!isWireError(e)) return { kind: "retry", reason: "error" };
      if (e.code === Status.NOT_FOUND) {
        options.logger?.debug({ peer: peer.party, grantId }, "peer gateway does not hold the grant; it passes it on");
        return { kind: "delivered" };
      }
      // The peer's own message may say why (its reason code); kept short by the store.
      if (permanent.has(e.code)) return { kind: "reject", reason: `${statusName(e.code)}: ${e.message}` };
      return { kind: "retry", reason: statusName(e.code) };
    }
  }

  return {
    name: revocationTopicName,
    ordering: "none",
    policy: options.policy,
    deliver,
    close() {
      for (const s of sessions.values()) s.close();
      sessions.clear();
    },
  };
}
