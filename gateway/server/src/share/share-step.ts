import { sm3 } from "@hutong/certs";
import { Purpose, type RecordKind } from "@hutong/proto";
import { GatewayError } from "../gateway-error.js";
import {
  type AuthorityPolicy,
  defaultAuthorityPolicy,
  evaluateShare,
  memberOf,
  type PresentedGrant,
  recordRoot,
  type ShareDecision,
  type ShareDenialReason,
  subjectDigest,
} from "../grants/index.js";
import type { ExchangeContext } from "../routing/request-context.js";
import type { AuditEntryInput } from "../store/index.js";
import {
  type Annotator,
  annotateResponse,
  annotationAsked,
  hasAnnotations,
  stripAnnotation,
} from "./annotated-release.js";
import { type AuditFacts, auditEntryInput } from "./audit-entry.js";
import { recordDigest } from "./record-digest.js";
import { answerFacts, type RecordFacts, requestFacts } from "./record-facts.js";
import { projectRecord } from "./record-projection.js";
import { type ShareMethod, shareMethod } from "./share-methods.js";

/** The grant side the share step needs (the grant registry implements it). */
export interface GrantLookup {
  present(grantId: string, now: number): Promise<PresentedGrant>;
  /** The atomic use count at the owner's gateway. */
  consume(
    grantId: string,
    now: number,
  ): Promise<{ readonly ok: true; readonly uses: number } | { readonly ok: false; readonly reason: ShareDenialReason }>;
  /** Gives back a use `consume` counted for a share that was then not released. */
  refund(grantId: string): Promise<void>;
}

/** Where decisions go: the audit log's durable, group-committed append. */
export interface AuditSink {
  append(entry: AuditEntryInput): Promise<unknown>;
}

export interface ShareStepOptions {
  readonly self: string;
  readonly audit: AuditSink;
  readonly grants?: GrantLookup;
  /** The federation subject key; without it subjects and records cannot be digested. */
  readonly subjectKey?: Uint8Array;
  readonly policy?: AuthorityPolicy;
  readonly now: () => number;
  /**
   * Signs annotated copies (docs/annotated-copies.md) at this gateway when it is the owner's.
   * Without it a request that asks for one is refused (annotation-unavailable), never answered
   * with an unannotated copy.
   */
  readonly annotator?: Annotator;
}

/** What a caller is told when this gateway, the owner's, signs no annotated copies. */
export const annotationUnavailableText = "the owner's gateway does not sign annotated copies";

/** The facts of one call the share step decides and records. */
export interface ShareCall {
  readonly method: string;
  /** The calling system's party (hutong-origin), not the last hop. */
  readonly origin: string;
  /** This gateway's immediate peer on the call and its session certificate's serial. */
  readonly peerParty: string;
  readonly peerCertSerial: string;
  readonly context: ExchangeContext;
  readonly hops: readonly string[];
  readonly traceId: string;
  readonly request: Uint8Array;
}

export type ShareRole = "owner" | "relay";

export interface ShareInProgress {
  /** Final check, use count, minimization and the durable audit entry; returns the bytes to release. */
  release(reply: Uint8Array): Promise<Uint8Array>;
  /** The forward failed (backend down, a peer refused): recorded as a denial. */
  failed(reason: string): Promise<void>;
}

export interface ShareStep {
  /** A share crosses members: a member's own systems reading its own records are its own business. */
  isShare(origin: string, targetParty: string): boolean;
  /** A refusal before the share step proper (ACL, unknown party, routing), recorded. */
  refused(call: ShareCall, role: ShareRole, reason: string): Promise<void>;
  /** At the owner's gateway the pre-check (a denial is recorded and thrown); at a relay nothing yet. */
  begin(call: ShareCall, role: ShareRole): Promise<ShareInProgress>;
}

const unknownMethod: ShareMethod = Object.freeze({
  method: "",
  recordKind: 0 as RecordKind,
  operation: "deliver",
  requestType: "",
  responseType: "",
});
const unknownFacts: RecordFacts = Object.freeze({ recordId: null, subject: null });

/**
 * Facts that cannot be read (bytes well-formed where the gateway looked, malformed elsewhere) are
 * unknown facts: a grant cannot match them, an open operation does not need them.
 */
function readFacts(read: () => RecordFacts): RecordFacts {
  try {
    return read();
  } catch {
    return unknownFacts;
  }
}

function purposeOf(name: string): Purpose {
  const value = (Purpose as unknown as Record<string, number>)[`PURPOSE_${name}`];
  return (value ?? Purpose.PURPOSE_UNSPECIFIED) as Purpose;
}

/**
 * The share step of architecture.md §3: authorize by grant (after the ACL), minimize, and audit durably
 * before anything leaves this gateway. Refusals are audited too. The order inside release() is
 * deliberate: decide, count the use, project (and annotate), append, and only then hand the bytes back.
 */
export function createShareStep(options: ShareStepOptions): ShareStep {
  const policy = options.policy ?? defaultAuthorityPolicy;

  async function record(facts: AuditFacts): Promise<void> {
    try {
      await options.audit.append(auditEntryInput(facts));
    } catch (cause) {
      throw new GatewayError("audit-unavailable", "the audit log cannot record this share; nothing was released", {
        cause,
      });
    }
  }

  function digestsOf(kind: RecordKind, facts: RecordFacts) {
    const key = options.subjectKey;
    return {
      recordDigest: key === undefined || facts.recordId === null ? null : recordDigest(key, kind, facts.recordId),
      subjectDigest:
        key === undefined || facts.subject === null
          ? null
          : subjectDigest(key, facts.subject.idType, facts.subject.idNo),
    };
  }

  function baseFacts(call: ShareCall, role: ShareRole, method: ShareMethod) {
    return {
      timeMs: options.now(),
      gatewayParty: options.self,
      role,
      method: call.method,
      requesterParty: call.origin,
      peerParty: call.peerParty,
      peerCertSerial: call.peerCertSerial,
      ownerParty: call.context.targetParty,
      recordKind: method.recordKind,
      purpose: purposeOf(call.context.purpose),
      hops: call.hops,
      traceId: call.traceId,
      correlationId: call.context.correlationId,
    };
  }

  async function deny(
    call: ShareCall,
    role: ShareRole,
    method: ShareMethod,
    reason: string,
    facts: RecordFacts,
    grantId: string | null,
  ): Promise<void> {
    await record({
      ...baseFacts(call, role, method),
      ...digestsOf(method.recordKind, facts),
      grantId,
      decision: "deny",
      reason,
      releasedSm3: null,
      fieldsReleased: [],
    });
  }

  function decide(
    call: ShareCall,
    method: ShareMethod,
    phase: "pre-check" | "final",
    facts: RecordFacts,
    grant: PresentedGrant | null,
  ): ShareDecision {
    if (method.operation === "deliver") return { allow: true, grantId: null, fields: [], consumesUse: false };
    return evaluateShare(
      {
        phase,
        operation: method.operation,
        recordKind: method.recordKind,
        purpose: purposeOf(call.context.purpose),
        callerParty: call.origin,
        ownerParty: call.context.targetParty,
        recordId: facts.recordId,
        subjectDigest: digestsOf(method.recordKind, facts).subjectDigest,
        grant,
        fieldsRequested: [recordRoot(method.recordKind) ?? ""],
        now: new Date(options.now()),
      },
      policy,
    );
  }

  return {
    isShare: (origin, targetParty) => memberOf(origin) !== memberOf(targetParty),

    async refused(call, role, reason) {
      const method = shareMethod(call.method) ?? unknownMethod;
      await deny(
        call,
        role,
        method,
        reason,
        readFacts(() => requestFacts(method, call.request)),
        call.context.grantId || null,
      );
    },

    async begin(call, role) {
      const known = shareMethod(call.method);
      if (known === undefined) {
        // A method the share step does not know could release anything: refuse, never guess.
        await deny(call, role, unknownMethod, "method-unknown", unknownFacts, call.context.grantId || null);
        throw new GatewayError("share-denied", "share refused: method-unknown", { denial: "method-unknown" });
      }
      const method = known;
      const named = call.context.grantId || null;
      if (role === "relay") {
        return {
          async release(reply) {
            await record({
              ...baseFacts(call, role, method),
              ...digestsOf(
                method.recordKind,
                readFacts(() => requestFacts(method, call.request)),
              ),
              grantId: named,
              decision: "allow",
              reason: "relayed",
              releasedSm3: sm3(reply),
              fieldsReleased: [],
            });
            return reply;
          },
          failed: (reason) =>
            deny(
              call,
              role,
              method,
              reason,
              readFacts(() => requestFacts(method, call.request)),
              named,
            ),
        };
      }

      const asked = readFacts(() => requestFacts(method, call.request));
      let grant: PresentedGrant | null = null;
      if (named !== null && method.operation !== "deliver") {
        grant =
          options.grants === undefined
            ? { outcome: "not-found", id: named }
            : await options.grants.present(named, options.now());
      }
      const pre = decide(call, method, "pre-check", asked, grant);
      if (!pre.allow) {
        await deny(call, role, method, pre.reason, asked, named);
        throw new GatewayError("share-denied", `share refused: ${pre.reason}`, { denial: pre.reason });
      }
      // An annotated copy asked for and none can be signed: refused before the backend is asked.
      const annotated = hasAnnotations(method);
      const annotator = options.annotator;
      const wantsCopy = annotated && annotationAsked(method, call.request);
      if (wantsCopy && annotator === undefined) {
        await deny(call, role, method, "annotation-unavailable", asked, named);
        throw new GatewayError("annotation-unavailable", annotationUnavailableText);
      }
      return {
        async release(reply) {
          const answered =
            method.operation === "deliver" ? asked : readFacts(() => answerFacts(method, call.request, reply));
          const facts = { recordId: answered.recordId ?? asked.recordId, subject: answered.subject };
          const final = decide(call, method, "final", facts, grant);
          if (!final.allow) {
            await deny(call, role, method, final.reason, facts, named);
            throw new GatewayError("share-denied", `share refused: ${final.reason}`, { denial: final.reason });
          }
          const grants = options.grants;
          const consumed = final.consumesUse && final.grantId !== null && grants !== undefined ? final.grantId : null;
          if (consumed !== null && grants !== undefined) {
            const used = await grants.consume(consumed, options.now());
            if (!used.ok) {
              await deny(call, role, method, used.reason, facts, consumed);
              throw new GatewayError("share-denied", `share refused: ${used.reason}`, { denial: used.reason });
            }
          }
          try {
            const minimized =
              method.operation === "fetch" && method.responseRecord !== undefined
                ? projectRecord(method, reply, final.fields)
                : reply;
            // The annotation field is this gateway's alone: whatever the backend put there goes,
            // and an annotated copy is signed over the minimized record, exactly as released.
            const released = !annotated
              ? minimized
              : wantsCopy && annotator !== undefined
                ? await annotateResponse(method, minimized, annotator, {
                    recipientParty: call.origin,
                    purpose: purposeOf(call.context.purpose),
                    grantId: final.grantId,
                    now: options.now(),
                  })
                : stripAnnotation(method, minimized);
            await record({
              ...baseFacts(call, role, method),
              ...digestsOf(method.recordKind, facts),
              grantId: final.grantId,
              decision: "allow",
              reason: "allowed",
              releasedSm3: sm3(released),
              fieldsReleased: final.fields,
            });
            return released;
          } catch (e) {
            // Nothing left this gateway, so the use was not spent: give it back. The counter stays
            // atomic (consume, then refund), rather than joining a group commit it cannot roll back;
            // a crash in between burns the use: the limit is never exceeded.
            if (consumed !== null && grants !== undefined) await grants.refund(consumed).catch(() => {});
            throw e;
          }
        },
        failed: (reason) => deny(call, role, method, reason, asked, named),
      };
    },
  };
}
