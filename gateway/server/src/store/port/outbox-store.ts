import type { AuditEntryInput } from "./audit-store.js";

/**
 * One message to deliver, as the fact that causes it writes it (in the same transaction).
 * `(topic, destination, idempotencyKey)` identifies it: enqueueing it again while it is still in
 * the outbox changes nothing. The payload is opaque to the outbox; its topic's deliverer knows it.
 */
export interface OutboxMessageInput {
  /** Lowercase letters, digits and "-", 1..63 characters: "grant-revocation". */
  readonly topic: string;
  /** Where it goes, as the topic's deliverer understands it (a party id for gateway topics). */
  readonly destination: string;
  /** Stable for the same fact: the receiver's inbox deduplicates by it (with topic and destination). */
  readonly idempotencyKey: string;
  /**
   * Messages of one (topic, destination, orderingKey) are delivered one at a time, in enqueue
   * order (a ticket's events, a licence's changes); null: no order with any other message.
   */
  readonly orderingKey: string | null;
  readonly payload: Uint8Array;
}

/**
 * A message's state as read: `pending` (waiting for its time, or for an earlier message of its
 * ordering key), `in-flight` (a dispatcher holds its lease), `blocked` (an earlier message of its
 * ordering key is a dead letter: it waits until that one is replayed or dropped), `dead` (a dead
 * letter: no more tries until an operator replays it).
 */
export type OutboxMessageState = "pending" | "in-flight" | "blocked" | "dead";

export const outboxMessageStates: readonly OutboxMessageState[] = ["pending", "in-flight", "blocked", "dead"];

export interface OutboxMessage extends OutboxMessageInput {
  /** Enqueue order, never reused (an operator's `drop 17` can only ever mean one message). */
  readonly id: number;
  readonly state: OutboxMessageState;
  /** Tries made so far. */
  readonly attempts: number;
  readonly createdMs: number;
  /** Not tried before this time. */
  readonly nextAttemptMs: number;
  /** Until when a dispatcher's lease holds it (in the past: expired). */
  readonly leaseUntilMs: number | null;
  /** Why the last try failed, or why it is dead: status names and reasons, never payload. */
  readonly lastError: string | null;
  readonly deadMs: number | null;
}

/**
 * What a dispatcher asks for: due messages of its topics, each leased to `leaseToken` until
 * `leaseUntilMs`, so no other dispatcher (another replica on the same PostgreSQL) takes them
 * meanwhile. Only the oldest undelivered message of an ordering key is eligible.
 */
export interface OutboxClaim {
  /** Unique per claim; settling needs it (a lease that expired and was taken over is not ours). */
  readonly leaseToken: string;
  readonly nowMs: number;
  readonly leaseUntilMs: number;
  /** 1..1000. */
  readonly limit: number;
  readonly topics: readonly string[];
  /** Destinations not to claim now (their circuit breaker is open), per topic. */
  readonly skip: readonly { readonly topic: string; readonly destination: string }[];
}

/**
 * What became of one claimed message. `delivered` removes it. `retry` keeps it pending for
 * `nextAttemptMs`, one attempt more. `dead` makes it a dead letter (`attempted`: counted as a try;
 * false when it expired unsent). `release` gives the lease back untouched (claimed, not tried).
 */
export type OutboxSettlement =
  | { readonly id: number; readonly outcome: "delivered" }
  | { readonly id: number; readonly outcome: "retry"; readonly nextAttemptMs: number; readonly error: string }
  | { readonly id: number; readonly outcome: "dead"; readonly attempted: boolean; readonly error: string }
  | { readonly id: number; readonly outcome: "release" };

export interface OutboxFilter {
  readonly topic?: string;
  readonly destination?: string;
  readonly state?: OutboxMessageState;
  /** 1..1000. */
  readonly pageSize: number;
  readonly pageToken?: string;
}

/** Messages in id (enqueue) order. */
export interface OutboxPage {
  readonly messages: readonly OutboxMessage[];
  readonly nextPageToken?: string;
}

/** One (topic, destination)'s backlog, for metrics and `hutong outbox list`. */
export interface OutboxStats {
  readonly topic: string;
  readonly destination: string;
  /** Messages not yet delivered and not dead (in-flight and blocked ones included). */
  readonly depth: number;
  readonly inFlight: number;
  readonly blocked: number;
  readonly dead: number;
  /** When the oldest of the `depth` messages was enqueued; null when depth is 0. */
  readonly oldestCreatedMs: number | null;
}

/**
 * An operator's replay or drop: done (with the message as it was before, and the index of the
 * audit entry written with it, when one was given), or why not.
 */
export type OutboxAction =
  | { readonly outcome: "done"; readonly message: OutboxMessage; readonly auditIndex?: number }
  | { readonly outcome: "not-found" }
  /** A dispatcher holds it right now: try again once its delivery has settled. */
  | { readonly outcome: "in-flight"; readonly message: OutboxMessage }
  /** Replay is for dead letters; this one is still pending. */
  | { readonly outcome: "not-dead"; readonly message: OutboxMessage };

/**
 * The durable outbox (docs/outbox.md). Facts write their messages in their own transaction
 * (GrantStore.recordRevocation, AuditStore.appendBatch); `enqueueOutbox` is the plain write for
 * tools and tests. Delivered messages are removed: the table holds only work still to do.
 */
export interface OutboxStore {
  /** Writes the messages not already in the outbox; `enqueued` counts the new ones. */
  enqueueOutbox(messages: readonly OutboxMessageInput[], nowMs: number): Promise<{ readonly enqueued: number }>;
  /** Leases due messages (see OutboxClaim), soonest first. */
  claimOutbox(claim: OutboxClaim): Promise<readonly OutboxMessage[]>;
  /** Settles claimed messages in one transaction; a settlement whose lease is no longer ours is skipped. */
  settleOutbox(
    leaseToken: string,
    settlements: readonly OutboxSettlement[],
    nowMs: number,
  ): Promise<{ readonly settled: number }>;
  listOutbox(filter: OutboxFilter, nowMs: number): Promise<OutboxPage>;
  getOutboxMessage(id: number, nowMs: number): Promise<OutboxMessage | undefined>;
  /** The message with this identity while it is still in the outbox (a connector asks before it writes one). */
  findOutboxMessage(
    topic: string,
    destination: string,
    idempotencyKey: string,
    nowMs: number,
  ): Promise<OutboxMessage | undefined>;
  /**
   * A dead letter back to pending, due now, attempts reset to 0, its age counted from now (a
   * message that died of age would otherwise die again at its next claim). `audit` (the gateway's store
   * only: an outbox without an audit log refuses it, invalid-argument) is appended to the audit
   * log in the same transaction when the replay is done: the action and its record commit together.
   */
  replayOutboxMessage(id: number, nowMs: number, audit?: AuditEntryInput): Promise<OutboxAction>;
  /** Removes a pending, blocked or dead message for good; `audit` as for replay. */
  dropOutboxMessage(id: number, nowMs: number, audit?: AuditEntryInput): Promise<OutboxAction>;
  /** Per (topic, destination) with any message, by topic then destination. */
  outboxStats(nowMs: number): Promise<readonly OutboxStats[]>;
}
