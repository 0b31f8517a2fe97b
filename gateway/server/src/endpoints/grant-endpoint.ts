import { isValidPartyId, sm3 } from "@hutong/certs";
import {
  GetGrantRequest,
  GetGrantResponse,
  type GrantRecord,
  GrantServiceService,
  type GrantStatus,
  ListGrantsRequest,
  ListGrantsResponse,
  Purpose,
  RegisterGrantRequest,
  RegisterGrantResponse,
  type RequestContext,
  RevokeGrantRequest,
  RevokeGrantResponse,
} from "@hutong/proto";
import { GatewayError } from "../gateway-error.js";
import { type AuthorityPolicy, defaultAuthorityPolicy, isRevocationAuthority } from "../grants/authority-policy.js";
import { type DecodedGrantBody, decodeGrantBody, grantIdFor } from "../grants/grant-codec.js";
import type { GrantRegistry } from "../grants/grant-registry.js";
import { GrantServiceError, isGrantServiceError } from "../grants/grant-service-error.js";
import { memberOf } from "../grants/party-scope.js";
import { subjectDigestLength } from "../grants/subject-digest.js";
import { matchesParty } from "../routing/party-pattern.js";
import type { AuditedCall } from "../share/audited-call.js";
import { type GrantEvent, grantEventEntry } from "../share/grant-event-entry.js";
import type { AuditSink } from "../share/share-step.js";
import { subjectSearchEntry } from "../share/subject-search-entry.js";
import { decodeRequest, encodeMessage } from "./message-codec.js";

/** Who called, as the session and the relay facts show it. */
export interface GrantCaller {
  /** The calling system's party (the origin of a relayed call): what the ACL decided on. */
  readonly party: string;
  /** The immediate peer (a system, or a gateway passing a revocation on); default `party`. */
  readonly peer?: { readonly party: string; readonly certSerial: string };
  readonly hops?: readonly string[];
  readonly traceId?: string;
}

/** One GrantService method: the exact request bytes and the authenticated caller, to the response bytes. */
export type GrantHandler = (requestBytes: Uint8Array, caller: GrantCaller) => Promise<Buffer>;

export interface GrantEndpointOptions {
  readonly registry: GrantRegistry;
  /**
   * The audit log: each registration and revocation is recorded (docs/audit-log.md). The change is
   * made first, then recorded on every successful call, repeats included, so a failed append (the
   * caller gets UNAVAILABLE and retries) never leaves a change unrecorded.
   */
  readonly audit?: AuditSink;
  /** This gateway's party: every request's context.target_party must name it. */
  readonly self: string;
  readonly now?: () => number;
  /** Who counts as a revocation authority or an authority grantor; default the built-in table. */
  readonly policy?: AuthorityPolicy;
}

export const defaultGrantPageSize = 100;
export const maxGrantPageSize = 1000;

/**
 * GrantService is answered by the gateway itself, for its own store: the context must name this
 * gateway, and its purpose must be the purpose of the grant concerned, because that is what the
 * ACL decided on.
 */
function checkContext(context: RequestContext | undefined, self: string): RequestContext {
  if (context === undefined) throw new GatewayError("bad-request-context", "request has no RequestContext");
  if (context.targetParty !== self) {
    throw new GatewayError("bad-request-context", `context.target_party must be this gateway's party, ${self}`);
  }
  return context;
}

function checkPurpose(context: RequestContext, purpose: Purpose): void {
  if (context.purpose !== purpose) {
    throw new GatewayError(
      "bad-request-context",
      `context.purpose must be the grant's purpose, ${Purpose[purpose] ?? String(purpose)}`,
    );
  }
}

/**
 * Who may read a grant (GetGrant): a system of its grantee's member, of its owner's member, of an
 * authority grantor's member, or a revocation authority (the ministry, as regulator). Grant ids are
 * unguessable, but a grant names a subject and what was shared with whom, so others are refused.
 */
function mayRead(record: GrantRecord, caller: string, policy: AuthorityPolicy): boolean {
  if (isRevocationAuthority(policy, caller)) return true;
  return record.grant !== undefined && namesMember(decodeGrantBody(record.grant.body), caller);
}

/** The grant names the caller's member as its grantee, owner or grantor. */
function namesMember(body: DecodedGrantBody, caller: string): boolean {
  const member = memberOf(caller);
  return [body.granteeParty, body.ownerParty, body.grantorParty].some((p) => p !== "" && memberOf(p) === member);
}

/** Whether some purpose's policy lets this caller's member sign authority grants. */
function mayGrantAsAuthority(caller: string, policy: AuthorityPolicy): boolean {
  const member = memberOf(caller);
  for (const row of policy.purposes.values()) {
    if (row.authorityGrantors.some((p) => matchesParty(p, caller) || matchesParty(p, member))) return true;
  }
  return false;
}

/**
 * GrantService over a GrantRegistry. The session is verified and the ACL applied before these
 * handlers run; what they decide is what the ACL cannot see:
 *
 * - RegisterGrant: anyone the ACL admits. The grant's own signature is the authority.
 * - RevokeGrant: anyone the ACL admits (peer gateways forward revocations). The revocation's
 *   signature is the authority; grant_id must equal revocation.grant_id. A revocation of a grant
 *   not held here is recorded and passed on, and answered NOT_FOUND (docs/grants.md §6).
 * - GetGrant: the grantee's, owner's or authority grantor's member, or a revocation authority.
 * - ListGrants by grantee: only a grantee of the caller's own member (exact grantee party: a
 *   system of prov:440000 may list "prov:440000" or "prov:440000/desk", not "prov:510000").
 * - ListGrants by subject digest: a revocation authority (the regulator) sees every grant; a party
 *   the policy lets sign authority grants sees only the authority grants its own member signed;
 *   anyone else is refused. A holder asks through a holder app, not through this endpoint.
 * - ListGrants every_grant: every grant of context.purpose, from the store's purpose index (the
 *   console's overview), however long ago it was registered: all of them to a revocation
 *   authority; to a system of this gateway's own member, those naming its member (what GetGrant
 *   would show it one by one); anyone else is refused.
 *
 * A listing by subject is recorded in the audit log before it is answered (reason grant-query,
 * docs/audit-log.md), and refused if it cannot be. Listing returns only grants of context.purpose (and of `statuses` when given), so a page can
 * hold fewer records than page_size while next_page_token still says more may follow.
 */
export function createGrantEndpoint(options: GrantEndpointOptions): ReadonlyMap<string, GrantHandler> {
  const { registry, self } = options;
  const now = options.now ?? Date.now;
  const policy = options.policy ?? defaultAuthorityPolicy;

  async function mustGet(grantId: string, at: number): Promise<GrantRecord> {
    const record = await registry.get(grantId, at);
    if (record === undefined) throw new GrantServiceError("not-found", `grant ${grantId} is not registered here`);
    return record;
  }

  const callFacts = (caller: GrantCaller, context: RequestContext): AuditedCall => ({
    origin: caller.party,
    peerParty: caller.peer?.party ?? caller.party,
    peerCertSerial: caller.peer?.certSerial ?? "",
    hops: caller.hops ?? [],
    traceId: caller.traceId ?? "",
    correlationId: context.correlationId,
  });

  async function audited(
    event: GrantEvent,
    caller: GrantCaller,
    context: RequestContext,
    grant: { readonly id: string; readonly body?: DecodedGrantBody },
    at: number,
  ): Promise<void> {
    if (options.audit === undefined) return;
    const call = callFacts(caller, context);
    try {
      await options.audit.append(grantEventEntry(event, self, call, { ...grant, purpose: context.purpose }, at));
    } catch (cause) {
      throw new GatewayError("audit-unavailable", "the audit log cannot record this grant change; retry", { cause });
    }
  }

  /**
   * A listing by subject is a search of a person's grants: recorded before its answer leaves, as
   * a search of the audit log by subject is, and failing closed (no entry, no answer). A refused
   * one (`answer` undefined) is recorded as a denial.
   */
  async function recordSearch(
    caller: GrantCaller,
    context: RequestContext,
    subjectDigest: Uint8Array,
    answer: Buffer | undefined,
  ): Promise<void> {
    if (options.audit === undefined) return;
    const call = callFacts(caller, context);
    const releasedSm3 = answer === undefined ? null : sm3(answer);
    const searched = { kind: "grant-query", purpose: context.purpose, subjectDigest, releasedSm3 } as const;
    try {
      await options.audit.append(subjectSearchEntry(self, call, searched, now()));
    } catch (cause) {
      throw new GatewayError("audit-unavailable", "the audit log cannot record this search; nothing was released", {
        cause,
      });
    }
  }

  const register: GrantHandler = async (bytes, caller) => {
    const req = decodeRequest(RegisterGrantRequest, bytes, "RegisterGrantRequest");
    const context = checkContext(req.context, self);
    if (req.grant === undefined) throw new GrantServiceError("invalid-request", "grant is missing");
    const body = decodeGrantBody(req.grant.body);
    checkPurpose(context, body.purpose);
    const at = now();
    let id: string;
    try {
      ({ id } = await registry.register(req.grant, at));
    } catch (e) {
      if (isGrantServiceError(e, "revoked"))
        await audited("registration-refused-revoked", caller, context, { id: grantIdFor(req.grant.body), body }, at);
      throw e;
    }
    await audited("registered", caller, context, { id, body }, at);
    return encodeMessage(RegisterGrantResponse, { record: await mustGet(id, at) });
  };

  const revoke: GrantHandler = async (bytes, caller) => {
    const req = decodeRequest(RevokeGrantRequest, bytes, "RevokeGrantRequest");
    const context = checkContext(req.context, self);
    if (req.revocation === undefined) throw new GrantServiceError("invalid-request", "revocation is missing");
    if (req.grantId !== req.revocation.grantId) {
      throw new GrantServiceError("invalid-request", "grant_id must equal revocation.grant_id");
    }
    const at = now();
    const existing = await registry.get(req.grantId, at);
    if (existing?.grant !== undefined) checkPurpose(context, decodeGrantBody(existing.grant.body).purpose);
    // The gateway it came from is not sent it back; a system's call is passed on to every peer.
    const from = caller.peer?.party ?? caller.party;
    const outcome = await registry.revoke(req.revocation, at, { from, purpose: context.purpose });
    await audited(
      outcome.held ? "revoked" : "revocation-relayed",
      caller,
      context,
      {
        id: req.grantId,
        ...(outcome.body === undefined ? {} : { body: outcome.body }),
      },
      at,
    );
    if (!outcome.held) {
      // Recorded and passed on, but there is no record here to answer with.
      throw new GrantServiceError(
        "not-found",
        `grant ${req.grantId} is not registered here; the revocation was recorded and passed on`,
      );
    }
    return encodeMessage(RevokeGrantResponse, { record: await mustGet(req.grantId, at) });
  };

  const get: GrantHandler = async (bytes, caller) => {
    const req = decodeRequest(GetGrantRequest, bytes, "GetGrantRequest");
    const context = checkContext(req.context, self);
    const record = await mustGet(req.grantId, now());
    if (!mayRead(record, caller.party, policy)) {
      throw new GrantServiceError("permission-denied", `${caller.party} may not read grant ${req.grantId}`);
    }
    if (record.grant !== undefined) checkPurpose(context, decodeGrantBody(record.grant.body).purpose);
    return encodeMessage(GetGrantResponse, { record });
  };

  const list: GrantHandler = async (bytes, caller) => {
    const req = decodeRequest(ListGrantsRequest, bytes, "ListGrantsRequest");
    const context = checkContext(req.context, self);
    const filter = req.filter;
    if (filter === undefined)
      throw new GrantServiceError("invalid-request", "a grantee_party, subject_digest or every_grant is required");
    let visible: (body: DecodedGrantBody) => boolean = () => true;
    let by: Parameters<GrantRegistry["list"]>[0];
    if (filter.$case === "granteeParty") {
      if (!isValidPartyId(filter.value))
        throw new GrantServiceError("invalid-request", "grantee_party is not a party id");
      if (memberOf(filter.value) !== memberOf(caller.party)) {
        throw new GrantServiceError("permission-denied", `${caller.party} may list only its own member's grants`);
      }
      by = { grantee: filter.value };
    } else if (filter.$case === "everyGrant") {
      if (!filter.value) throw new GrantServiceError("invalid-request", "every_grant must be true when it is given");
      if (!isRevocationAuthority(policy, caller.party)) {
        // The gateway's own operator (a system of its member, e.g. a province's console) sees
        // what GetGrant would show it one by one: the grants naming its member.
        if (memberOf(caller.party) !== memberOf(self)) {
          throw new GrantServiceError("permission-denied", `${caller.party} may not list every grant`);
        }
        visible = (body) => namesMember(body, caller.party);
      }
      by = { purpose: context.purpose };
    } else {
      if (filter.value.length !== subjectDigestLength) {
        throw new GrantServiceError("invalid-request", `subject_digest must be ${subjectDigestLength} bytes`);
      }
      if (!isRevocationAuthority(policy, caller.party)) {
        if (!mayGrantAsAuthority(caller.party, policy)) {
          await recordSearch(caller, context, filter.value, undefined);
          throw new GrantServiceError("permission-denied", `${caller.party} may not list grants by subject`);
        }
        const member = memberOf(caller.party);
        visible = (body) => body.grantorParty !== "" && memberOf(body.grantorParty) === member;
      }
      by = { subjectDigest: filter.value };
    }
    const pageSize = req.pageSize === 0 ? defaultGrantPageSize : Math.min(req.pageSize, maxGrantPageSize);
    const statuses = new Set<GrantStatus>(req.statuses);
    const page = await registry.list(
      by,
      { pageSize, ...(req.pageToken === "" ? {} : { pageToken: req.pageToken }) },
      now(),
    );
    const records = page.records.filter((r) => {
      if (r.grant === undefined) return false;
      const body = decodeGrantBody(r.grant.body);
      return body.purpose === context.purpose && visible(body) && (statuses.size === 0 || statuses.has(r.status));
    });
    const answer = encodeMessage(ListGrantsResponse, { records, nextPageToken: page.nextPageToken ?? "" });
    if ("subjectDigest" in by) await recordSearch(caller, context, by.subjectDigest, answer);
    return answer;
  };

  return new Map<string, GrantHandler>([
    [GrantServiceService.registerGrant.path, register],
    [GrantServiceService.revokeGrant.path, revoke],
    [GrantServiceService.getGrant.path, get],
    [GrantServiceService.listGrants.path, list],
  ]);
}
