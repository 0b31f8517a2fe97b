// Spec support (Node only, never bundled): a real audit log built with @hutong/audit and signed
// with an SM2 key from @hutong/certs, served as the console's API would serve it.
import { createNoteSigner, formatVerifierKey, inclusionPath, signCheckpoint, sm3Hasher, treeRoot } from "@hutong/audit";
import { createSm2PrivateKey, type Sm2PrivateKey } from "@hutong/certs";
import { AuditDecision, AuditEntry, AuditRole, Purpose, RecordKind } from "@hutong/proto";
import type { AuditEntryView, InclusionProofView } from "../../../src/api/api-types.js";

export const origin = "hutong.example/audit/prov:510000/sm3";
export const gateway = "prov:510000";
/** The gateways' own origin for `gateway` (hutong/<party>/audit/sm3): the form a pin requires. */
export const gatewayOrigin = "hutong/prov:510000/audit/sm3";

const scalar = (byte: number) => new Uint8Array(32).fill(byte);
export const logKey: Sm2PrivateKey = createSm2PrivateKey(scalar(0x0b));
export const otherKey: Sm2PrivateKey = createSm2PrivateKey(scalar(0x0d));
export const logVkey = formatVerifierKey(origin, logKey.publicKey);
export const otherVkey = formatVerifierKey(origin, otherKey.publicKey);

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** The AuditEntry facts of entry i: alternating owner allow and relay deny, varied fields. */
export function entryFields(i: number): AuditEntry {
  const owner = i % 2 === 0;
  return {
    version: 1,
    time: new Date(Date.UTC(2026, 5, 1, 8, 0, i, 123)),
    gatewayParty: gateway,
    role: owner ? AuditRole.AUDIT_ROLE_OWNER : AuditRole.AUDIT_ROLE_RELAY,
    method: owner ? "hutong.v1.TicketService/VerifyTicket" : "hutong.v1.LicenceService/GetLicence",
    requesterParty: `prov:44000${i % 3}/ticketing`,
    peerParty: "prov:440000",
    peerCertSerial: `0a1b${i.toString(16)}`,
    ownerParty: "prov:510000",
    recordKind: owner ? RecordKind.RECORD_KIND_E_TICKET : RecordKind.RECORD_KIND_LICENCE,
    recordDigest: Buffer.alloc(32, i + 1),
    subjectDigest: i % 3 === 0 ? Buffer.alloc(0) : Buffer.alloc(32, 0xa0 + i),
    grantId: i % 4 === 0 ? "" : `g-${i}`,
    purpose: owner ? Purpose.PURPOSE_BOARDING_CHECK : Purpose.PURPOSE_LICENCE_USE,
    decision: owner ? AuditDecision.AUDIT_DECISION_ALLOW : AuditDecision.AUDIT_DECISION_DENY,
    reason: owner ? "allowed" : "grant-expired",
    hops: owner ? ["hub:mot", "prov:440000"] : [],
    releasedSm3: owner ? Buffer.alloc(32, 0x5a) : Buffer.alloc(0),
    fieldsReleased: owner ? ["ticket.status", "ticket.departure"] : [],
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    correlationId: `corr-${i}`,
  };
}

export function encodeEntry(entry: AuditEntry): Uint8Array {
  return new Uint8Array(AuditEntry.encode(entry).finish());
}

const stripPrefix = (name: string, prefix: string) => name.replace(new RegExp(`^${prefix}`), "");

/** The view the backend shows for an entry: decoded by ts-proto, enums by name, digests in hex. */
export function viewOf(index: number, bytes: Uint8Array): AuditEntryView {
  const e = AuditEntry.decode(bytes);
  const role =
    e.role === AuditRole.AUDIT_ROLE_OWNER ? "owner" : e.role === AuditRole.AUDIT_ROLE_RELAY ? "relay" : "unspecified";
  const decision =
    e.decision === AuditDecision.AUDIT_DECISION_ALLOW
      ? "allow"
      : e.decision === AuditDecision.AUDIT_DECISION_DENY
        ? "deny"
        : "unspecified";
  return {
    gateway: e.gatewayParty,
    index,
    entryB64: b64(bytes),
    time: e.time?.toISOString() ?? "",
    role,
    method: e.method,
    requesterParty: e.requesterParty,
    peerParty: e.peerParty,
    ownerParty: e.ownerParty,
    recordKind: stripPrefix(RecordKind[e.recordKind] ?? "UNRECOGNIZED", "RECORD_KIND_"),
    recordDigestHex: hex(e.recordDigest),
    subjectDigestHex: hex(e.subjectDigest),
    grantId: e.grantId,
    purpose: stripPrefix(Purpose[e.purpose] ?? "UNRECOGNIZED", "PURPOSE_"),
    decision,
    reason: e.reason,
    hops: e.hops,
    releasedSm3Hex: hex(e.releasedSm3),
    fieldsReleased: e.fieldsReleased,
    traceId: e.traceId,
    correlationId: e.correlationId,
  };
}

export interface TestLog {
  readonly entries: readonly Uint8Array[];
  readonly views: readonly AuditEntryView[];
  /** The checkpoint note of the whole log, signed by `key`. */
  readonly checkpoint: string;
  proof(index: number): InclusionProofView;
}

export interface LogOptions {
  /** The log's origin and key name; `origin` by default. */
  readonly origin?: string;
  /** The gateway party in every entry and in the proofs; `gateway` by default. */
  readonly gateway?: string;
  /** The key the proofs say the log has (`logKey` by default): what a console would send. */
  readonly servedKey?: Sm2PrivateKey;
}

/** A log of `size` entries, checkpoint signed by `key`. */
export function buildLog(size: number, key: Sm2PrivateKey = logKey, options: LogOptions = {}): TestLog {
  const logOrigin = options.origin ?? origin;
  const party = options.gateway ?? gateway;
  const served = formatVerifierKey(logOrigin, (options.servedKey ?? logKey).publicKey);
  const entries = Array.from({ length: size }, (_, i) => encodeEntry({ ...entryFields(i), gatewayParty: party }));
  const leaves = entries.map((e) => sm3Hasher.hashLeaf(e));
  const checkpoint = signCheckpoint(createNoteSigner(logOrigin, key), {
    origin: logOrigin,
    size,
    root: treeRoot(sm3Hasher, leaves),
  });
  return {
    entries,
    views: entries.map((e, i) => viewOf(i, e)),
    checkpoint,
    proof: (index) => ({
      gateway: party,
      index,
      treeSize: size,
      entryB64: b64(entries[index] as Uint8Array),
      proofB64: inclusionPath(sm3Hasher, leaves, index).map(b64),
      checkpoint,
      logKey: served,
    }),
  };
}

/** Flips one bit of a base64 text's bytes and re-encodes it canonically. */
export function flipBit(text: string, bit = 0): string {
  const bytes = Buffer.from(text, "base64");
  const at = Math.floor(bit / 8) % bytes.length;
  bytes[at] = (bytes[at] as number) ^ (1 << (bit % 8));
  return bytes.toString("base64");
}
