import { type Certificate, type Crl, sm3 } from "@hutong/certs";
import { type GrantRecord, GrantStatus, Purpose, RecordKind, SignedGrant, SignedRevocation } from "@hutong/proto";
import type { GrantInput, GrantStore, StoredGrant } from "../store/port/grant-store.js";
import { isStoreError } from "../store/port/store-error.js";
import type { AuthorityPolicy } from "./authority-policy.js";
import { type DecodedGrantBody, decodeGrantBody, decodeSignedGrant, isGrantId } from "./grant-codec.js";
import type { PresentedGrant, ShareDenialReason } from "./grant-evaluation.js";
import { verifyRevocationSignature, verifySignedRevocation } from "./grant-revocation.js";
import { GrantServiceError } from "./grant-service-error.js";
import { verifySignedGrant } from "./grant-signature.js";
import { GrantsError, isGrantsError } from "./grants-error.js";
import { revocationMessages } from "./revocation-topic.js";
import { subjectUri } from "./subject-uri.js";

/**
 * Whom grant and revocation signers must chain to. Intermediates travel in each artefact's
 * signer_chain (docs/grants.md §3), so there is no separate intermediate pool here.
 */
export interface GrantRegistryTrust {
  /** Federation anchors: authority grantors and party revokers. */
  readonly trustAnchors: readonly Certificate[];
  /** Holder apps' CAs: holder grantors and holder revokers, and only they. */
  readonly holderTrustAnchors: readonly Certificate[];
  /** Default "require", as for sessions. */
  readonly revocation?: "require" | "if-present" | "off";
}

export interface GrantRegistryOptions {
  readonly store: GrantStore;
  readonly trust: GrantRegistryTrust;
  /** The current CRLs (e.g. the gateway's CrlSource.current). */
  readonly crls: () => readonly Crl[];
  /** The purpose policy grants must fit; default the built-in table. */
  readonly policy?: AuthorityPolicy;
  /**
   * Called after a revocation CHANGED a grant's status here (never for a repeat), with the grant's
   * body, so the caller can propagate it with the grant's purpose. Called synchronously after the
   * store committed; it must not throw (an exception is swallowed: the revocation already stands).
   */
  readonly onRevoked?: (revocation: SignedRevocation, id: string, grant: DecodedGrantBody) => void;
  /**
   * The peer gateways (parties) a revocation this gateway has not seen before is passed on to,
   * through the store's durable outbox (topic grant-revocation); the one it came from is left
   * out. Default none.
   */
  readonly revocationPeers?: () => readonly string[];
  /** Called after notices were queued in the outbox (to wake its sender); must not throw. */
  readonly onQueued?: () => void;
  /** Verified grants kept in memory for `present` (default 10,000; 0 disables the cache). */
  readonly cacheSize?: number;
}

export type ConsumeOutcome =
  | { readonly ok: true; readonly uses: number }
  | { readonly ok: false; readonly reason: ShareDenialReason };

/** Where a revocation came from: the peer that sent it (left out when passing it on) and its purpose. */
export interface RevocationSource {
  readonly from?: string;
  readonly purpose?: Purpose;
}

export interface RevokeOutcome {
  /** This call changed the grant's status here. */
  readonly revoked: boolean;
  /** The grant is registered here (else the revocation was only recorded and passed on). */
  readonly held: boolean;
  /** First time this exact revocation was seen here: it was queued for the peers. */
  readonly fresh: boolean;
  /** The grant's body, when held. */
  readonly body?: DecodedGrantBody;
}

export type GrantListFilter =
  | { readonly grantee: string }
  | { readonly subjectDigest: Uint8Array }
  | { readonly purpose: Purpose };

export interface GrantListPage {
  /** 1..1000. */
  readonly pageSize: number;
  readonly pageToken?: string;
}

export interface GrantRegistry {
  /** Verifies (signature, chain, grantor binding, policy) and stores; idempotent for the same body. */
  register(signed: SignedGrant, now: number): Promise<{ id: string; created: boolean }>;
  /**
   * Records a revocation and passes it on (docs/grants.md §6). A held grant: verified against it in
   * full and its status set (idempotent: a grant keeps its first revocation). A grant not held
   * here: only the signature and signer chain can be checked; it is recorded, so that a later
   * registration is refused, and the result says `held: false`. Either way a revocation not seen
   * here before is queued for every peer but `via.from`, once. `via.purpose` is the purpose the
   * request carried, used when the grant is not held.
   */
  revoke(revocation: SignedRevocation, now: number, via?: RevocationSource): Promise<RevokeOutcome>;
  /**
   * What evaluateShare needs: the stored grant re-verified at `now` (the signer's certificate may
   * have been revoked or expired since registration) with its state; status EXPIRED and USED_UP
   * are derived from the body and the use count. Never throws for an unknown or bad grant.
   */
  present(grantId: string, now: number): Promise<PresentedGrant>;
  /**
   * Counts one use, atomically in the store (the owner's gateway); a refusal is mapped to the
   * share denial reason the pipeline reports.
   */
  consume(grantId: string, now: number): Promise<ConsumeOutcome>;
  /** Gives back one use counted by `consume` for a share that was not released. */
  refund(grantId: string): Promise<void>;
  /** The record as GrantService returns it; status derived at `now` (default the wall clock). */
  get(grantId: string, now?: number): Promise<GrantRecord | undefined>;
  /** Grants of one exact grantee party, one subject or one purpose, in the store's (ascending id) order. */
  list(
    by: GrantListFilter,
    page: GrantListPage,
    now?: number,
  ): Promise<{ records: GrantRecord[]; nextPageToken?: string }>;
}

/** The store counts uses against a positive limit; an unlimited (0) authority grant gets the largest it takes. */
export const unlimitedUseLimit = 2 ** 31 - 1;

/** The ACL's spelling of a purpose ("TICKET_SERVICE"), also what the store indexes. */
export function purposeName(purpose: Purpose): string {
  return (Purpose[purpose] ?? "PURPOSE_UNSPECIFIED").replace(/^PURPOSE_/, "");
}

function recordKindName(kind: RecordKind): string {
  return (RecordKind[kind] ?? "RECORD_KIND_UNSPECIFIED").replace(/^RECORD_KIND_/, "");
}

function storeInput(id: string, signed: SignedGrant, body: DecodedGrantBody): GrantInput {
  return {
    id,
    // The SignedGrant as one message; its body field keeps the exact signed bytes.
    signedBytes: SignedGrant.encode(signed).finish(),
    grantee: body.granteeParty,
    subjectDigest: body.subjectDigest,
    // A holder has no party: its subject URI names it (a keyed digest, never an ID number).
    grantor: body.grantorParty === "" ? subjectUri(body.subjectDigest) : body.grantorParty,
    purpose: purposeName(body.purpose),
    recordKind: recordKindName(body.recordKind),
    notBeforeMs: body.notBefore.getTime(),
    expiresAtMs: body.expiresAt.getTime(),
    useLimit: body.useLimit === 0 ? unlimitedUseLimit : body.useLimit,
  };
}

const consumeReasons = {
  "not-found": "grant-not-found",
  revoked: "grant-revoked",
  "used-up": "grant-used-up",
  expired: "grant-expired",
  "not-yet-valid": "grant-not-yet-valid",
} as const satisfies Record<string, ShareDenialReason>;

/** Store failures a partner may be told about become GrantServiceErrors; anything else stays internal. */
async function fromStore<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (isStoreError(e, "unavailable") || isStoreError(e, "closed") || isStoreError(e, "overloaded")) {
      throw new GrantServiceError("unavailable", "the grant store is unavailable", { cause: e });
    }
    if (isStoreError(e, "invalid-argument")) {
      // The only caller-controlled input the store judges itself is the page token.
      throw new GrantServiceError("invalid-request", "page_token is not one this gateway issued", { cause: e });
    }
    throw e;
  }
}

function statusAt(stored: StoredGrant, now: number): GrantStatus {
  if (stored.status === "revoked") return GrantStatus.GRANT_STATUS_REVOKED;
  if (now >= stored.expiresAtMs) return GrantStatus.GRANT_STATUS_EXPIRED;
  if (stored.uses >= stored.useLimit) return GrantStatus.GRANT_STATUS_USED_UP;
  return GrantStatus.GRANT_STATUS_ACTIVE;
}

function storedSigned(stored: StoredGrant): SignedGrant {
  // What we stored after verifying it; failing to read it back is corruption, not the caller's fault.
  try {
    return decodeSignedGrant(stored.signedBytes);
  } catch (cause) {
    throw new Error(`stored grant ${stored.id} does not decode`, { cause });
  }
}

function storedRevocation(stored: StoredGrant): SignedRevocation | undefined {
  if (stored.revocationBytes === null) return undefined;
  try {
    return SignedRevocation.decode(stored.revocationBytes);
  } catch (cause) {
    throw new Error(`stored revocation of ${stored.id} does not decode`, { cause });
  }
}

function recordOf(stored: StoredGrant, now: number): GrantRecord {
  const revocation = storedRevocation(stored);
  return {
    grantId: stored.id,
    grant: storedSigned(stored),
    status: statusAt(stored, now),
    uses: stored.uses,
    revokedAt: stored.revokedAtMs === null ? undefined : new Date(stored.revokedAtMs),
    revokedReason: revocation?.reason ?? 0,
    revocation,
    registeredAt: new Date(stored.registeredAtMs),
    // The store keeps no last-use time (yet).
    lastUsedAt: undefined,
  };
}

interface CachedVerification {
  readonly body: DecodedGrantBody;
  readonly crls: readonly Crl[];
  /** The result holds for now in [from, until): the certificates' and CRLs' common window. */
  readonly from: number;
  readonly until: number;
}

/**
 * The grant registry of one gateway: verification in front of the GrantStore, the share
 * pipeline's view of a grant (`present`, `consume`) and GrantService's (`get`, `list`).
 */
export function createGrantRegistry(options: GrantRegistryOptions): GrantRegistry {
  const { store, trust, crls } = options;
  const cacheSize = options.cacheSize ?? 10_000;
  // Verification results by grant id. The body bytes behind an id never change, but the clock and
  // the CRLs do, so an entry serves only the CRL set it was checked with, and only inside the
  // window where every certificate of the path and every CRL is current.
  const cache = new Map<string, CachedVerification>();

  function verifyAt(signed: SignedGrant, now: number) {
    const current = crls();
    const verified = verifySignedGrant(signed, {
      ...trust,
      crls: current,
      now: new Date(now),
      ...(options.policy === undefined ? {} : { authorityPolicy: options.policy }),
    });
    if (cacheSize > 0) {
      const chain = verified.signer.path.chain;
      const from = Math.max(...chain.map((c) => c.notBefore.getTime()), ...current.map((c) => c.thisUpdate.getTime()));
      const until = Math.min(
        ...chain.map((c) => c.notAfter.getTime()),
        ...current.map((c) => c.nextUpdate?.getTime() ?? Number.POSITIVE_INFINITY),
      );
      if (cache.size >= cacheSize) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      cache.set(verified.id, { body: verified.body, crls: current, from, until });
    }
    return verified;
  }

  function revocationOptions(now: number) {
    return {
      ...trust,
      crls: crls(),
      now: new Date(now),
      ...(options.policy === undefined ? {} : { authorityPolicy: options.policy }),
    };
  }

  /** The first recorded revocation that holds for this grant (its signer may revoke it), if any. */
  async function recordedRevocation(id: string, body: DecodedGrantBody, now: number) {
    for (const bytes of await fromStore(() => store.revocationsFor(id))) {
      try {
        const revocation = SignedRevocation.decode(bytes);
        const verified = verifySignedRevocation(revocation, { id, body }, revocationOptions(now));
        return { bytes, revokedAtMs: verified.revokedAt.getTime() };
      } catch {
        // Recorded where the grant was unknown, so its signer's role was never judged: not this one.
      }
    }
    return undefined;
  }

  /** Applies a recorded revocation to a stored grant; whether there was one. */
  async function applyRecorded(id: string, body: DecodedGrantBody, now: number): Promise<boolean> {
    const recorded = await recordedRevocation(id, body, now);
    if (recorded === undefined) return false;
    await fromStore(() => store.revokeGrant(id, recorded.bytes, recorded.revokedAtMs));
    return true;
  }

  async function refuseIfRevoked(id: string, body: DecodedGrantBody, now: number, stored: boolean): Promise<void> {
    const revoked = stored
      ? await applyRecorded(id, body, now)
      : (await recordedRevocation(id, body, now)) !== undefined;
    if (revoked) throw new GrantServiceError("revoked", `grant ${id} is revoked`);
  }

  function cached(id: string, now: number): DecodedGrantBody | undefined {
    const hit = cache.get(id);
    if (hit === undefined) return undefined;
    if (hit.crls === crls() && now >= hit.from && now < hit.until) return hit.body;
    cache.delete(id);
    return undefined;
  }

  return {
    async register(signed, now) {
      const verified = verifyAt(signed, now);
      await refuseIfRevoked(verified.id, verified.body, now, false);
      const input = storeInput(verified.id, signed, verified.body);
      try {
        const { created } = await fromStore(() => store.registerGrant(input, now));
        // A revocation recorded while this registration ran: it looked for the grant before the
        // insert committed, so it falls to this side to apply it (each side writes, then reads).
        await refuseIfRevoked(verified.id, verified.body, now, true);
        return { id: verified.id, created };
      } catch (e) {
        if (!isStoreError(e, "conflict")) throw e;
        // Same id, so the same body (the id hashes it), but another signature encoding or chain:
        // the grant is already registered, and the first registration stands.
        const existing = await fromStore(() => store.getGrant(verified.id));
        if (existing !== undefined && Buffer.from(storedSigned(existing).body).equals(Buffer.from(signed.body))) {
          return { id: verified.id, created: false };
        }
        throw e;
      }
    },

    async revoke(revocation, now, via = {}) {
      const id = revocation.grantId;
      if (!isGrantId(id)) throw new GrantsError("invalid-revocation", "grant_id is not a grant id");
      const stored = await fromStore(() => store.getGrant(id));
      const body = stored === undefined ? undefined : decodeGrantBody(storedSigned(stored).body);
      // Held: the full check. Not held: what can be checked without the grant (a registration
      // later judges the signer's role before it lets the recorded revocation refuse it).
      if (body === undefined) verifyRevocationSignature(revocation, revocationOptions(now));
      else verifySignedRevocation(revocation, { id, body }, revocationOptions(now));
      const bytes = SignedRevocation.encode(revocation).finish();
      const peers = (options.revocationPeers?.() ?? []).filter((p) => p !== via.from);
      // Recorded (and queued) before the grant is revoked: a crash in between leaves the sender's
      // outbox retrying, and the retry finds the grant still to revoke.
      const recorded = {
        grantId: id,
        digest: sm3(bytes),
        revocationBytes: bytes,
        purpose: body?.purpose ?? via.purpose ?? Purpose.PURPOSE_UNSPECIFIED,
      };
      const { fresh } = await fromStore(() =>
        store.recordRevocation(recorded, revocationMessages(recorded, peers), now),
      );
      if (fresh && peers.length > 0) {
        try {
          options.onQueued?.();
        } catch {
          // The notices are durable; the outbox's own schedule sends them.
        }
      }
      if (body === undefined) {
        // A registration may have committed after the read above (it re-checks too).
        const late = await fromStore(() => store.getGrant(id));
        if (late !== undefined) await applyRecorded(id, decodeGrantBody(storedSigned(late).body), now);
        return { revoked: false, held: false, fresh };
      }
      const at = revocation.revokedAt?.getTime() ?? now;
      const { revoked } = await fromStore(() => store.revokeGrant(id, bytes, at));
      if (revoked && options.onRevoked !== undefined) {
        try {
          options.onRevoked(revocation, id, body);
        } catch {
          // The revocation is durable; a failing listener must not turn it into an error.
        }
      }
      return { revoked, held: true, fresh, body };
    },

    async present(grantId, now) {
      if (!isGrantId(grantId)) return { outcome: "not-found", id: grantId };
      const stored = await fromStore(() => store.getGrant(grantId));
      if (stored === undefined) return { outcome: "not-found", id: grantId };
      let body = cached(grantId, now);
      if (body === undefined) {
        try {
          body = verifyAt(storedSigned(stored), now).body;
        } catch (e) {
          if (!isGrantsError(e)) throw e;
          return { outcome: "refused", id: grantId, code: e.code };
        }
      }
      const status = statusAt(stored, now);
      return { outcome: "verified", grant: { id: grantId, body }, state: { status, uses: stored.uses } };
    },

    async consume(grantId, now) {
      if (!isGrantId(grantId)) return { ok: false, reason: "grant-not-found" };
      const r = await fromStore(() => store.consumeUse(grantId, now));
      return r.ok ? { ok: true, uses: r.uses } : { ok: false, reason: consumeReasons[r.reason] };
    },

    async refund(grantId) {
      if (!isGrantId(grantId)) return;
      await fromStore(() => store.refundUse(grantId));
    },

    async get(grantId, now = Date.now()) {
      if (!isGrantId(grantId)) return undefined;
      const stored = await fromStore(() => store.getGrant(grantId));
      return stored === undefined ? undefined : recordOf(stored, now);
    },

    async list(by, page, now = Date.now()) {
      const request = {
        pageSize: page.pageSize,
        ...(page.pageToken === undefined ? {} : { pageToken: page.pageToken }),
      };
      const result = await fromStore(() =>
        "grantee" in by
          ? store.listGrantsByGrantee(by.grantee, request)
          : "subjectDigest" in by
            ? store.listGrantsBySubject(by.subjectDigest, request)
            : store.listGrantsByPurpose(purposeName(by.purpose), request),
      );
      return {
        records: result.grants.map((g) => recordOf(g, now)),
        ...(result.nextPageToken === undefined ? {} : { nextPageToken: result.nextPageToken }),
      };
    },
  };
}
