// The console's HTTP API, as JSON: the one contract between the backend (console/src) and the
// page (console/web). Types only, no code, so the page imports it without pulling in Node.
//
// Rules every endpoint keeps (docs/console.md):
// - Everything under /api needs a signed-in session (cookie `hutong_console`, HttpOnly,
//   SameSite=Strict) except POST /api/session. Writes also need the header
//   `x-hutong-console: 1` (a cross-site form cannot set it).
// - An ID number is only ever sent in a POST body (never a URL), turned into the keyed digest by
//   the backend, and never logged or echoed back.
// - Errors: HTTP status + `ApiError` body.
// - Bytes are base64 (standard alphabet, padded); digests hex (lowercase); times ISO 8601 UTC.
// - An enum value the backend does not know is shown as "UNRECOGNIZED", an unset one as
//   "UNSPECIFIED" ("unspecified" for role and decision); an unset time as the epoch.

export type Role = "ministry" | "province" | "auditor" | "holder";

export interface ApiError {
  /** Closed code: "unauthenticated", "forbidden", "invalid-argument", "not-found", "unavailable", "internal". */
  readonly error: string;
  readonly message: string;
}

/** POST /api/session {username, password} → 200 Me (sets the cookie) | 401. DELETE /api/session → 204. */
export interface SignInRequest {
  readonly username: string;
  readonly password: string;
}

/** GET /api/me */
export interface Me {
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
  /** A province operator's 6-digit province code; absent for other roles. */
  readonly province?: string;
  /** Which views the role may open (the page hides the others; the backend refuses them anyway). */
  readonly views: readonly ViewName[];
  /** The gateways this user may see (party ids), in display order. */
  readonly gateways: readonly string[];
}

export type ViewName = "federation" | "audit" | "grants" | "delivery" | "indicators" | "my-data";

// ---------------------------------------------------------------- federation

/** GET /api/federation */
export interface FederationView {
  readonly gateways: readonly GatewayStatus[];
  /** When the backend asked (ISO 8601). */
  readonly checkedAt: string;
}

export interface GatewayStatus {
  readonly party: string;
  readonly displayName: string;
  /** "province" | "hub" | "all-in-one" | "unknown" (unreachable). */
  readonly role: string;
  readonly address: string;
  readonly link: { readonly up: boolean; readonly latencyMs?: number; readonly error?: string };
  readonly routes: readonly { readonly pattern: string; readonly kind: string; readonly target: string }[];
  readonly parties: readonly { readonly party: string; readonly displayName: string; readonly kind: string }[];
  readonly certificates: readonly CertificateStatus[];
  readonly crls: readonly CrlStatus[];
  /** Undefined when the gateway has not signed a checkpoint yet or is unreachable. */
  readonly checkpoint?: CheckpointStatus;
}

export interface CertificateStatus {
  readonly subject: string;
  readonly serial: string;
  readonly notAfter: string;
  readonly daysLeft: number;
}

export interface CrlStatus {
  readonly issuer: string;
  readonly nextUpdate: string;
  readonly daysLeft: number;
  readonly revoked: number;
}

export interface CheckpointStatus {
  readonly origin: string;
  readonly size: number;
  readonly rootHashHex: string;
  /** The signed note as served, so the page can check it itself. */
  readonly note: string;
  /** The log's verifier key (c2sp signed-note form) the console is configured with. */
  readonly logKey: string;
  readonly logSignatureValid: boolean;
  readonly cosigners: readonly CosignerStatus[];
}

export interface CosignerStatus {
  /** The witness's key name (e.g. "hutong/mot/witness"). */
  readonly name: string;
  /** "cosigned" (valid cosignature on this checkpoint), "missing" (configured, no line),
   *  "invalid" (a line that does not verify), "disagrees" (the witness refused a fork or holds
   *  a checkpoint this one is not consistent with). */
  readonly state: "cosigned" | "missing" | "invalid" | "disagrees";
  /** The cosignature's time (ISO 8601), when it verified. */
  readonly timestamp?: string;
  readonly detail?: string;
}

// ---------------------------------------------------------------- audit

/** POST /api/audit/search. At least one filter. `subjectIdNumber` becomes the keyed digest. */
export interface AuditSearchRequest {
  /** Party id of the gateway whose log to search; absent = every gateway the user may see. */
  readonly gateway?: string;
  readonly party?: string;
  readonly purpose?: string;
  readonly grantId?: string;
  readonly decision?: "allow" | "deny";
  readonly correlationId?: string;
  readonly subjectIdNumber?: string;
  readonly from?: string;
  readonly to?: string;
  readonly limit?: number;
}

export interface AuditSearchResult {
  readonly entries: readonly AuditEntryView[];
  /** True when more entries matched than `limit`. */
  readonly truncated: boolean;
  /** Gateways that could not be searched, with why. */
  readonly unavailable: readonly { readonly gateway: string; readonly error: string }[];
}

/** An entry decoded by the backend, with its exact bytes so the page can check the decoding. */
export interface AuditEntryView {
  readonly gateway: string;
  readonly index: number;
  /** base64 of the exact stored AuditEntry bytes. */
  readonly entryB64: string;
  readonly time: string;
  readonly role: "owner" | "relay" | "unspecified";
  readonly method: string;
  readonly requesterParty: string;
  readonly peerParty: string;
  readonly ownerParty: string;
  /** Enum name without prefix, e.g. "TICKET". */
  readonly recordKind: string;
  readonly recordDigestHex: string;
  readonly subjectDigestHex: string;
  readonly grantId: string;
  /** Enum name without prefix, e.g. "BOARDING_CHECK". */
  readonly purpose: string;
  readonly decision: "allow" | "deny" | "unspecified";
  readonly reason: string;
  readonly hops: readonly string[];
  readonly releasedSm3Hex: string;
  readonly fieldsReleased: readonly string[];
  readonly traceId: string;
  readonly correlationId: string;
}

/** GET /api/audit/proof?gateway=<party>&index=<n> */
export interface InclusionProofView {
  readonly gateway: string;
  readonly index: number;
  readonly treeSize: number;
  readonly entryB64: string;
  readonly proofB64: readonly string[];
  /** The signed checkpoint of exactly treeSize entries. */
  readonly checkpoint: string;
  /** The log's verifier key from the console's configuration (the page may pin its own). */
  readonly logKey: string;
}

/** GET /api/audit/correlation/<id>: both sides of a cross-region share. */
export interface CorrelationView {
  readonly correlationId: string;
  readonly entries: readonly AuditEntryView[];
  /** Pure comparison of the sides (console/src/audit/match-sides.ts). */
  readonly match: {
    readonly consistent: boolean;
    /** Human-readable mismatches, as closed codes: "decision-differs", "released-differs",
     *  "owner-side-missing", "requester-side-missing", "method-differs", "subject-differs". */
    readonly problems: readonly string[];
  };
}

// ---------------------------------------------------------------- grants

/** GET /api/grants?status=active|used-up|expired|revoked (optional) */
export interface GrantsView {
  readonly grants: readonly GrantView[];
  readonly unavailable: readonly { readonly gateway: string; readonly error: string }[];
  /** Gateways holding more grants than one overview reads from each (`perGateway`): theirs are cut. */
  readonly limited: readonly string[];
  readonly perGateway: number;
}

export interface GrantView {
  readonly gateway: string;
  readonly grantId: string;
  readonly status: "active" | "used-up" | "expired" | "revoked" | "unspecified";
  readonly grantorKind: "holder" | "authority" | "unspecified";
  readonly grantorParty: string;
  readonly granteeParty: string;
  readonly ownerParty: string;
  readonly subjectDigestHex: string;
  readonly recordKind: string;
  readonly purpose: string;
  readonly notBefore: string;
  readonly expiresAt: string;
  readonly useLimit: number;
  readonly uses: number;
  readonly fieldsAllowed: readonly string[];
  readonly revokedAt?: string;
}

/** GET /api/my-data (holder only): my grants and every audited access to my data. */
export interface MyDataView {
  readonly subjectDigestHex: string;
  readonly grants: readonly GrantView[];
  readonly accesses: readonly AuditEntryView[];
}

// ---------------------------------------------------------------- delivery

/** GET /api/delivery */
export interface DeliveryView {
  readonly gateways: readonly {
    readonly gateway: string;
    readonly error?: string;
    readonly queues: readonly OutboxQueueView[];
    readonly deadLetters: readonly DeadLetterView[];
  }[];
}

export interface OutboxQueueView {
  readonly topic: string;
  readonly destination: string;
  readonly pending: number;
  readonly oldestPendingAgeSeconds: number;
  readonly dead: number;
  /** "closed" | "open" | "half-open" */
  readonly breaker: string;
}

export interface DeadLetterView {
  readonly id: string;
  readonly topic: string;
  readonly destination: string;
  readonly attempts: number;
  readonly lastError: string;
  readonly createdAt: string;
  readonly deadAt: string;
}

/** POST /api/delivery/replay {gateway, id} → 200 {replayed: true} */
export interface ReplayRequest {
  readonly gateway: string;
  readonly id: string;
}

export interface ReplayResult {
  readonly replayed: boolean;
}

// ---------------------------------------------------------------- indicators

/** GET /api/indicators?period=YYYY-MM (default: the current month, Beijing time) */
export interface IndicatorsView {
  readonly period: string;
  /** The ministry statistics service's §6 indicators per province for the period, and per day
   *  of the period (the trend). A province operator gets only its own province. */
  readonly tickets: readonly TicketIndicatorRow[];
  readonly ticketTrend: readonly TicketIndicatorRow[];
  /** Licence rates per province (ministry licence library); empty when none is configured. */
  readonly licences: readonly LicenceRateRow[];
  /** Aggregation lag per province. */
  readonly aggregation: readonly AggregationRow[];
  /** Maintenance requests by state. */
  readonly maintenance: readonly { readonly state: string; readonly count: number }[];
  /** Sources that could not be read, with why (the page shows it instead of an empty chart). */
  readonly unavailable: readonly { readonly source: IndicatorSource; readonly error: string }[];
}

/** The indicators' sources, a closed set: the page groups its charts by them. */
export type IndicatorSource = "statistics" | "licence-library" | "maintenance";

export interface TicketIndicatorRow {
  /** Province party id, e.g. "prov:510000". */
  readonly province: string;
  /** "2026-12" or "2026-12-04". */
  readonly period: string;
  /** Grade-1/2 stations that sold an e-ticket ÷ those registered, 0..1. */
  readonly stationCoverage: number;
  /** Customised routes with an e-ticket sold ÷ those registered, 0..1. */
  readonly routeCoverage: number;
  /** E-tickets sold ÷ tickets sold, 0..1. */
  readonly share: number;
  readonly ticketsSold: number;
  readonly eTicketsSold: number;
}

export interface LicenceRateRow {
  readonly province: string;
  /** Rates 0..1: 制证率, 激活率, 数据合规率, 归集率. */
  readonly issuance: number;
  readonly activation: number;
  readonly compliance: number;
  readonly aggregation: number;
}

export interface AggregationRow {
  readonly province: string;
  readonly lagP50Ms: number;
  readonly lagP99Ms: number;
  readonly held: number;
  readonly openGaps: number;
  readonly lagging: boolean;
}
