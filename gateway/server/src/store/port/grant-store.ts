import type { OutboxMessageInput } from "./outbox-store.js";

/**
 * A grant as registered: the signed, immutable artefact (`signedBytes`, exactly
 * as the grantor signed it) plus the fields the gateway looks things up and
 * enforces by, copied out of it. The subject is a keyed SM3 digest, never an ID
 * number (architecture.md §4).
 */
export interface GrantInput {
  readonly id: string;
  readonly signedBytes: Uint8Array;
  readonly grantee: string;
  /** 32 bytes. */
  readonly subjectDigest: Uint8Array;
  readonly grantor: string;
  readonly purpose: string;
  readonly recordKind: string;
  /** Valid from this instant (inclusive), ms since the epoch. */
  readonly notBeforeMs: number;
  /** Valid until this instant (exclusive), ms since the epoch. */
  readonly expiresAtMs: number;
  /** How many uses the grant allows in total (≥ 1). */
  readonly useLimit: number;
}

/** Stored status: only revocation is stored; expired and used-up follow from the clock and the counter. */
export type StoredGrantStatus = "active" | "revoked";

export interface StoredGrant extends GrantInput {
  readonly uses: number;
  readonly status: StoredGrantStatus;
  readonly registeredAtMs: number;
  /** The signed revocation exactly as received, once revoked. */
  readonly revocationBytes: Uint8Array | null;
  readonly revokedAtMs: number | null;
}

export interface GrantPageRequest {
  /** 1..1000. */
  readonly pageSize: number;
  readonly pageToken?: string;
}

/** Grants in ascending id order. */
export interface GrantPage {
  readonly grants: readonly StoredGrant[];
  readonly nextPageToken?: string;
}

export type ConsumeRefusal = "not-found" | "revoked" | "used-up" | "expired" | "not-yet-valid";

/**
 * One use counted, or why not. The count is taken by ONE conditional UPDATE, so
 * concurrent uses (other requests, other replicas) can never exceed the limit;
 * `reason` is read afterwards and is only a diagnosis.
 */
export type ConsumeResult =
  | { readonly ok: true; readonly uses: number; readonly useLimit: number }
  | { readonly ok: false; readonly reason: ConsumeRefusal };

/** A signed revocation as this gateway accepted it, whether or not it holds the grant. */
export interface RevocationInput {
  readonly grantId: string;
  /** SM3 of `revocationBytes` (32 bytes): with the grant id, what a revocation is deduplicated by. */
  readonly digest: Uint8Array;
  readonly revocationBytes: Uint8Array;
  /** The grant's Purpose (enum value), what a forwarded RevokeGrant's context carries. */
  readonly purpose: number;
}

export interface GrantStore {
  /**
   * Registers a grant, idempotently: the same id with the same signed bytes is
   * accepted again (`created: false`); the same id with other bytes is a
   * `conflict`. `nowMs` is recorded as the registration time.
   */
  registerGrant(grant: GrantInput, nowMs: number): Promise<{ readonly created: boolean }>;
  getGrant(id: string): Promise<StoredGrant | undefined>;
  listGrantsByGrantee(grantee: string, page: GrantPageRequest): Promise<GrantPage>;
  listGrantsBySubject(subjectDigest: Uint8Array, page: GrantPageRequest): Promise<GrantPage>;
  /** Every grant of one purpose (its ACL spelling, e.g. "TICKET_SERVICE"): the regulator's overview. */
  listGrantsByPurpose(purpose: string, page: GrantPageRequest): Promise<GrantPage>;
  /**
   * Revokes a grant, storing the signed revocation and its time. Idempotent: a
   * grant already revoked keeps its first revocation (`revoked: false`). An
   * unknown id is `not-found`.
   */
  revokeGrant(id: string, revocationBytes: Uint8Array, revokedAtMs: number): Promise<{ readonly revoked: boolean }>;
  /** Counts one use if the grant is active, valid at `nowMs` and below its limit. */
  consumeUse(grantId: string, nowMs: number): Promise<ConsumeResult>;
  /**
   * Gives back one use counted by consumeUse when the share could not be recorded (nothing was
   * released). Never takes the count below 0; `refunded: false` if there was nothing to give back.
   */
  refundUse(grantId: string): Promise<{ readonly refunded: boolean }>;
  /**
   * Records a revocation and, in the same transaction, writes `outbox` (its notices to the peer
   * gateways), only if this (grant id, digest) is new here (`fresh: true`); a repeat changes
   * nothing, so it is passed on once.
   */
  recordRevocation(
    revocation: RevocationInput,
    outbox: readonly OutboxMessageInput[],
    nowMs: number,
  ): Promise<{ readonly fresh: boolean }>;
  /** Every recorded revocation's bytes for a grant (held here or not), oldest first. */
  revocationsFor(grantId: string): Promise<readonly Uint8Array[]>;
}
