import { isValidPartyId, parsePartyId } from "@hutong/certs";
import { Purpose } from "@hutong/proto";
import { type Metadata, Status, type StatusCode, statusName, WireError } from "@hutong/wire";
import { grantsErrorCodes } from "../grants/index.js";
import { describeFreeText, type RedactedText } from "../observability/free-text-redaction.js";
import { compilePartyPattern, matchesParty } from "../routing/index.js";
import { isShareReason, shareDenialTrailer } from "../share/share-denial-trailer.js";
import { annotationUnavailableText } from "../share/share-step.js";

/** Who answered with the status: the owner's own system behind this gateway, or the next gateway. */
export type ForwardedFrom = "backend" | "peer";

/** What this gateway knows of the call; a peer's message may name these facts and nothing else free. */
export interface ForwardFacts {
  /** This gateway's party. */
  readonly self: string;
  /** The calling system. */
  readonly origin: string;
  /** "<package>.<Service>/<Method>". */
  readonly method: string;
  /** The purpose's ACL name ("BOARDING_CHECK"). */
  readonly purpose: string;
  readonly target: string;
  /** Gateways crossed before this one. */
  readonly hops: readonly string[];
}

/** The text a caller gets when the owner's system failed the call: its status, never its words. */
export function backendText(code: StatusCode): string {
  return `the owner's system answered ${statusName(code)}`;
}

/** The text a caller gets when a gateway further along said something outside the closed set. */
export function peerText(code: StatusCode): string {
  return `a gateway further along answered ${statusName(code)}`;
}

const allStatuses = Object.values(Status) as StatusCode[];

/**
 * Messages without a variable part that a gateway writes (status-mapping.ts answers, the wire
 * layer's own texts) and the fixed texts above: a peer saying one of them is relayed as it said it.
 */
const constantTexts: ReadonlySet<string> = new Set([
  "internal error",
  "deadline exceeded",
  "call cancelled",
  "channel closed",
  "the audit log cannot record this share; nothing was released",
  annotationUnavailableText,
  "the audit log cannot record this grant change; retry",
  "the grant store is unavailable",
  "page_token is not one this gateway issued",
  "request has no RequestContext",
  "RequestContext given twice",
  "request is not well-formed protobuf",
  "RequestContext is not well-formed protobuf",
  "context.target_party is not a valid party id",
  "context.purpose is unspecified or unknown",
  "grant is missing",
  "revocation is missing",
  "grant_id must equal revocation.grant_id",
  "a grantee_party or subject_digest is required",
  "grantee_party is not a party id",
  ...allStatuses.flatMap((code) => [backendText(code), peerText(code)]),
]);

const grantIdPattern = /^g1-[0-9a-f]{32}$/;
const smallNumber = /^[0-9]{1,4}$/;
const grantsCodes: ReadonlySet<string> = new Set(grantsErrorCodes);
const purposeEnumNames: ReadonlySet<string> = new Set(
  Object.keys(Purpose).filter((k) => k.startsWith("PURPOSE_") && k !== "PURPOSE_UNSPECIFIED"),
);

/** A member's party id (a gateway's): valid and without a sub-system. */
function isMember(text: string): boolean {
  return isValidPartyId(text) && parsePartyId(text).subsystem === undefined;
}

/** A route's name as config writes it ("<pattern> via <party>", "<pattern> local"), for this call's target only. */
function isRouteNameFor(name: string, target: string): boolean {
  const m = /^(\S{1,80}) (?:via (\S{1,80})|local)$/.exec(name);
  if (m === null || (m[2] !== undefined && !isMember(m[2]))) return false;
  try {
    return matchesParty(compilePartyPattern(m[1] ?? ""), target);
  } catch {
    return false;
  }
}

/** A hop path a peer reports: gateways only, and it starts with the path this gateway sent. */
function isPathFrom(path: string, facts: ForwardFacts): boolean {
  const parts = path.split(",");
  const sent = [...facts.hops, facts.self];
  return parts.length <= 32 && parts.every(isMember) && sent.every((p, i) => parts[i] === p);
}

type Template = (message: string, facts: ForwardFacts) => string | undefined;

/** A message that must read exactly as this gateway would have written it from the call's facts. */
const exact =
  (render: (f: ForwardFacts) => string): Template =>
  (message, facts) =>
    message === render(facts) ? message : undefined;

/** A message of a fixed shape whose variable parts each pass a check; `rewrite` may keep less of it. */
const shaped =
  (
    pattern: RegExp,
    check: (parts: readonly string[], facts: ForwardFacts) => boolean,
    rewrite?: (parts: readonly string[]) => string,
  ): Template =>
  (message, facts) => {
    const m = pattern.exec(message);
    if (m === null) return undefined;
    const parts = m.slice(1).map((p) => p ?? "");
    if (!check(parts, facts)) return undefined;
    return rewrite === undefined ? message : rewrite(parts);
  };

/**
 * The messages of status-mapping.ts's answers that carry variable parts, each recognised only with
 * parts that are the call's own facts (its origin, method, purpose, target, the hops this gateway
 * sent), a code of a closed set, a grant id or a small number. Session failures (`session: <code>`)
 * are deliberately absent: they describe the session between two gateways, never the caller's own,
 * and relayed with their `hutong-error` they would make the caller's SDK drop a healthy session.
 */
const templates: readonly Template[] = [
  exact((f) => `ACL: ${f.origin} may not call ${f.method} for ${f.purpose}`),
  exact((f) => `no route to party ${f.target}`),
  exact((f) => `${f.self} may not relay calls for ${f.origin}`),
  exact((f) => `${f.origin} may list only its own member's grants`),
  exact((f) => `${f.origin} may not list grants by subject`),
  exact((f) => `context.target_party must be this gateway's party, ${f.target}`),
  shaped(/^share refused: (\S+)$/, ([reason]) => isShareReason(reason ?? "")),
  // The grants core's detail names fields and certificate problems: only the code crosses.
  shaped(
    /^grant refused \(([a-z-]{1,40})\)(?:: [\s\S]*)?$/,
    ([code]) => grantsCodes.has(code ?? ""),
    ([code]) => `grant refused (${code})`,
  ),
  shaped(/^context\.purpose must be the grant's purpose, (\S+)$/, ([p]) => purposeEnumNames.has(p ?? "")),
  shaped(/^context\.(grant_id|correlation_id) must be at most ([0-9]+) printable ASCII$/, ([, n]) =>
    smallNumber.test(n ?? ""),
  ),
  shaped(/^subject_digest must be ([0-9]+) bytes$/, ([n]) => smallNumber.test(n ?? "")),
  shaped(/^(\S+) may not read grant (\S+)$/, ([who, id], f) => who === f.origin && grantIdPattern.test(id ?? "")),
  shaped(
    /^grant (\S+) (?:is revoked|is not registered here|is not registered here; the revocation was recorded and passed on)$/,
    ([id]) => grantIdPattern.test(id ?? ""),
  ),
  shaped(
    /^(?:route "(.+)" is (?:unavailable|overloaded)|peer gateway of route "(.+)" refused this gateway)$/,
    (parts, f) => isRouteNameFor(parts[0] || parts[1] || "", f.target),
  ),
  shaped(
    /^routing loop: (\S+) (?:already on path|appears twice on path) (\S+)$/,
    ([party, path], f) => isPathFrom(path ?? "", f) && (path ?? "").split(",").includes(party ?? ""),
  ),
  shaped(
    /^too many hops: ([0-9]+) gateways on path (\S+) \(max ([0-9]+)\)$/,
    ([n, path, max], f) => smallNumber.test(n ?? "") && smallNumber.test(max ?? "") && isPathFrom(path ?? "", f),
  ),
];

/** The message a caller may get for what a peer said: relayed, re-rendered shorter, or undefined. */
export function relayableMessage(message: string, facts: ForwardFacts): string | undefined {
  if (constantTexts.has(message)) return message;
  for (const template of templates) {
    const text = template(message, facts);
    if (text !== undefined) return text;
  }
  return undefined;
}

/**
 * A status from behind this gateway, as the caller gets it: the code as it came, a message from the
 * closed set, and only the trailers the federation defines with values from their closed sets. What
 * was received stays inside, reachable only as its redacted description (for the owner's log): the
 * original text is a private field, so no serializer (pino's err, JSON) can ever write it out.
 */
export class ForwardedStatus extends WireError {
  readonly from: ForwardedFrom;
  /** The message crossed as it came (a text of the closed set). */
  readonly relayedAsIs: boolean;
  /** Trailers received and not passed on. */
  readonly droppedTrailers: number;
  readonly #received: string;

  constructor(
    from: ForwardedFrom,
    code: StatusCode,
    message: string,
    received: string,
    kept: Metadata,
    dropped: number,
  ) {
    super(code, message, { trailers: kept });
    this.name = "ForwardedStatus";
    this.from = from;
    this.relayedAsIs = message === received;
    this.droppedTrailers = dropped;
    this.#received = received;
  }

  /** The received message as the operator's log may hold it: redacted, with its length and keyed digest. */
  describeReceived(): RedactedText {
    return describeFreeText(this.#received);
  }
}

export function isForwardedStatus(e: unknown): e is ForwardedStatus {
  return e instanceof ForwardedStatus;
}

/**
 * Closes what crosses from behind this gateway (docs/errors.md, "What crosses from behind a
 * gateway"). From the owner's system: its status with a fixed text, no trailer. From a peer
 * gateway: its status, its message if it is one of the closed set (else a fixed text), and
 * `hutong-denial` when its value is a known reason code; every other trailer is dropped.
 */
export function forwardedStatus(e: WireError, from: ForwardedFrom, facts: ForwardFacts): ForwardedStatus {
  const code = e.code;
  const kept: Record<string, string> = {};
  let dropped = 0;
  for (const [key, value] of Object.entries(e.trailers)) {
    if (from === "peer" && key === shareDenialTrailer && typeof value === "string" && isShareReason(value)) {
      kept[key] = value;
    } else {
      dropped++;
    }
  }
  const message = from === "backend" ? backendText(code) : (relayableMessage(e.message, facts) ?? peerText(code));
  return new ForwardedStatus(from, code, message, e.message, kept, dropped);
}
