import type { AuditEntryInput, AuditQuery, StoredCheckpoint } from "./audit-store.js";
import type { GrantInput, GrantPageRequest, RevocationInput } from "./grant-store.js";
import { StoreError } from "./store-error.js";
import type { WitnessState } from "./witness-store.js";

// Argument checks shared by both adapters, done before any SQL so both refuse
// the same inputs with the same codes. Messages name the field, never its value.

export const maxPageSize = 1000;
/** Most entries one `entries(from, to)` read returns (export reads in smaller chunks). */
export const maxEntriesPerRead = 10_000;
const digestLength = 32;

function invalid(message: string): StoreError {
  return new StoreError("invalid-argument", message);
}

export function checkIndex(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw invalid(`${what} must be a non-negative safe integer`);
}

function checkTime(value: number, what: string): void {
  if (!Number.isSafeInteger(value)) throw invalid(`${what} must be an integer number of milliseconds`);
}

function checkText(value: string, what: string, optional = false): void {
  if (typeof value !== "string" || (!optional && value.length === 0))
    throw invalid(`${what} must be a non-empty string`);
}

function checkDigest(value: Uint8Array, what: string): void {
  if (!(value instanceof Uint8Array) || value.length !== digestLength) throw invalid(`${what} must be 32 bytes`);
}

export function checkHash(value: Uint8Array, what: string): void {
  checkDigest(value, what);
}

export function checkAuditEntry(entry: AuditEntryInput, position: number): void {
  const at = `entry ${position}`;
  if (!(entry.bytes instanceof Uint8Array)) throw invalid(`${at}: bytes must be a Uint8Array`);
  checkTime(entry.timeMs, `${at}: timeMs`);
  checkText(entry.requesterParty, `${at}: requesterParty`);
  checkText(entry.ownerParty, `${at}: ownerParty`);
  if (entry.subjectDigest !== null) checkDigest(entry.subjectDigest, `${at}: subjectDigest`);
  if (entry.grantId !== null) checkText(entry.grantId, `${at}: grantId`);
  if (entry.decision !== "allow" && entry.decision !== "deny") throw invalid(`${at}: decision must be allow or deny`);
  if (entry.reason !== null) checkText(entry.reason, `${at}: reason`, true);
  checkText(entry.correlationId, `${at}: correlationId`, true);
  checkText(entry.traceId, `${at}: traceId`, true);
}

export function checkPageSize(pageSize: number): void {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > maxPageSize) {
    throw invalid(`pageSize must be an integer from 1 to ${maxPageSize}`);
  }
}

export function checkAuditQuery(query: AuditQuery): void {
  checkPageSize(query.pageSize);
  if (query.subjectDigest !== undefined) checkDigest(query.subjectDigest, "subjectDigest");
  if (query.party !== undefined) checkText(query.party, "party");
  if (query.grantId !== undefined) checkText(query.grantId, "grantId");
  if (query.fromMs !== undefined) checkTime(query.fromMs, "fromMs");
  if (query.toMs !== undefined) checkTime(query.toMs, "toMs");
}

export function checkGrantPage(page: GrantPageRequest): void {
  checkPageSize(page.pageSize);
}

export function checkGrant(grant: GrantInput): void {
  checkText(grant.id, "grant id");
  if (!(grant.signedBytes instanceof Uint8Array) || grant.signedBytes.length === 0) {
    throw invalid("signedBytes must be non-empty bytes");
  }
  checkText(grant.grantee, "grantee");
  checkDigest(grant.subjectDigest, "subjectDigest");
  checkText(grant.grantor, "grantor");
  checkText(grant.purpose, "purpose");
  checkText(grant.recordKind, "recordKind");
  checkTime(grant.notBeforeMs, "notBeforeMs");
  checkTime(grant.expiresAtMs, "expiresAtMs");
  if (grant.expiresAtMs <= grant.notBeforeMs) throw invalid("expiresAtMs must be after notBeforeMs");
  if (!Number.isSafeInteger(grant.useLimit) || grant.useLimit < 1 || grant.useLimit > 2 ** 31 - 1) {
    throw invalid("useLimit must be an integer from 1 to 2^31 - 1");
  }
}

export function checkRevocation(revocation: RevocationInput): void {
  checkText(revocation.grantId, "grant id");
  checkDigest(revocation.digest, "revocation digest");
  if (!(revocation.revocationBytes instanceof Uint8Array) || revocation.revocationBytes.length === 0) {
    throw invalid("revocationBytes must be non-empty bytes");
  }
  if (!Number.isSafeInteger(revocation.purpose) || revocation.purpose < 0)
    throw invalid("purpose must be an enum value");
}

export function checkCheckpoint(checkpoint: StoredCheckpoint): void {
  checkIndex(checkpoint.size, "checkpoint size");
  checkHash(checkpoint.root, "checkpoint root");
  checkText(checkpoint.note, "checkpoint note");
}

export function checkWitnessAdvance(origin: string, expectedOldSize: number, next: WitnessState): void {
  checkText(origin, "origin");
  checkIndex(expectedOldSize, "expectedOldSize");
  checkIndex(next.size, "size");
  checkHash(next.root, "root");
  checkText(next.note, "note");
  if (next.size < expectedOldSize) throw invalid("a witness never moves to a smaller tree");
}

export function checkEntryRange(fromIndex: number, toIndex: number): void {
  checkIndex(fromIndex, "fromIndex");
  checkIndex(toIndex, "toIndex");
  if (toIndex < fromIndex || toIndex - fromIndex > maxEntriesPerRead) {
    throw invalid(`an entry range must hold 0 to ${maxEntriesPerRead} indices`);
  }
}
