import type { NodeId } from "@hutong/audit";
import type { AuditPage, StoredAuditEntry, StoredCheckpoint } from "../port/audit-store.js";
import type { GrantPage, StoredGrant } from "../port/grant-store.js";
import { StoreError } from "../port/store-error.js";
import type { WitnessState } from "../port/witness-store.js";
import { encodePageToken } from "./page-token.js";

// Rows as both drivers return them (snake_case columns; integers as number,
// bigint or decimal string; blobs as Buffer), turned into the port's types.

export type Row = Record<string, unknown>;

export interface AuditEntryRow {
  idx: unknown;
  leaf_hash: Uint8Array;
  bytes: Uint8Array;
  time_ms: unknown;
  requester_party: string;
  owner_party: string;
  subject_digest: Uint8Array | null;
  grant_id: string | null;
  decision: string;
  reason: string | null;
  correlation_id: string;
  trace_id: string;
}

export interface GrantRow {
  id: string;
  signed_bytes: Uint8Array;
  grantee: string;
  subject_digest: Uint8Array;
  grantor: string;
  purpose: string;
  record_kind: string;
  not_before_ms: unknown;
  expires_at_ms: unknown;
  use_limit: unknown;
  uses: unknown;
  status: string;
  registered_ms: unknown;
  revocation_bytes: Uint8Array | null;
  revoked_at_ms: unknown;
}

/** An integer column (PostgreSQL int8 arrives as a decimal string) as a safe number. */
export function toInt(value: unknown, column: string): number {
  const n =
    typeof value === "number" ? value : typeof value === "bigint" || typeof value === "string" ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new StoreError("corrupt", `column ${column} does not hold a safe integer`);
  return n;
}

/** Copies out of the driver's Buffer (often a slice of a pooled one) into a plain Uint8Array. */
export function toBytes(value: Uint8Array): Uint8Array {
  return new Uint8Array(value);
}

export function auditEntryFromRow(row: AuditEntryRow): StoredAuditEntry {
  if (row.decision !== "allow" && row.decision !== "deny") {
    throw new StoreError("corrupt", `audit entry ${String(row.idx)} has an unknown decision`);
  }
  return {
    index: toInt(row.idx, "audit_entry.idx"),
    leafHash: toBytes(row.leaf_hash),
    bytes: toBytes(row.bytes),
    timeMs: toInt(row.time_ms, "audit_entry.time_ms"),
    requesterParty: row.requester_party,
    ownerParty: row.owner_party,
    subjectDigest: row.subject_digest === null ? null : toBytes(row.subject_digest),
    grantId: row.grant_id,
    decision: row.decision,
    reason: row.reason,
    correlationId: row.correlation_id,
    traceId: row.trace_id,
  };
}

export function grantFromRow(row: GrantRow): StoredGrant {
  if (row.status !== "active" && row.status !== "revoked") {
    throw new StoreError("corrupt", `grant ${row.id} has an unknown status`);
  }
  return {
    id: row.id,
    signedBytes: toBytes(row.signed_bytes),
    grantee: row.grantee,
    subjectDigest: toBytes(row.subject_digest),
    grantor: row.grantor,
    purpose: row.purpose,
    recordKind: row.record_kind,
    notBeforeMs: toInt(row.not_before_ms, "grants.not_before_ms"),
    expiresAtMs: toInt(row.expires_at_ms, "grants.expires_at_ms"),
    useLimit: toInt(row.use_limit, "grants.use_limit"),
    uses: toInt(row.uses, "grants.uses"),
    status: row.status,
    registeredAtMs: toInt(row.registered_ms, "grants.registered_ms"),
    revocationBytes: row.revocation_bytes === null ? null : toBytes(row.revocation_bytes),
    revokedAtMs: row.revoked_at_ms === null ? null : toInt(row.revoked_at_ms, "grants.revoked_at_ms"),
  };
}

/**
 * Why a conditional UPDATE of `uses` matched no row, from the row read after it
 * (a diagnosis only: the count itself was decided atomically by the UPDATE).
 */
export function consumeRefusal(
  row:
    | { status: string; uses: unknown; use_limit: unknown; not_before_ms: unknown; expires_at_ms: unknown }
    | undefined,
  nowMs: number,
): "not-found" | "revoked" | "used-up" | "expired" | "not-yet-valid" {
  if (row === undefined) return "not-found";
  if (row.status === "revoked") return "revoked";
  if (nowMs < toInt(row.not_before_ms, "grants.not_before_ms")) return "not-yet-valid";
  if (nowMs >= toInt(row.expires_at_ms, "grants.expires_at_ms")) return "expired";
  if (toInt(row.uses, "grants.uses") >= toInt(row.use_limit, "grants.use_limit")) return "used-up";
  // Revocation is final, uses only grow and the window is judged at `nowMs`, so a row
  // the UPDATE refused still shows why, unless it did not exist yet: registered since.
  return "not-found";
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** Rows of (level, idx, hash) in the order of `ids`; a missing node means the stored tree is incomplete. */
export function orderNodes(ids: readonly NodeId[], rows: readonly Row[]): Uint8Array[] {
  const byKey = new Map<string, Uint8Array>();
  for (const r of rows) {
    byKey.set(`${toInt(r.level, "audit_node.level")}/${toInt(r.idx, "audit_node.idx")}`, r.hash as Uint8Array);
  }
  return ids.map((id) => {
    const hash = byKey.get(`${id.level}/${id.index}`);
    if (hash === undefined) throw new StoreError("corrupt", `tree node (${id.level}, ${id.index}) is not stored`);
    return toBytes(hash);
  });
}

/** A page from up to pageSize + 1 rows (newest first): the extra row only says another page exists. */
export function auditPage(rows: readonly AuditEntryRow[], pageSize: number): AuditPage {
  const entries = rows.slice(0, pageSize).map(auditEntryFromRow);
  const last = entries.at(-1);
  return rows.length > pageSize && last !== undefined
    ? { entries, nextPageToken: encodePageToken("audit", last.index) }
    : { entries };
}

export function grantPageFromRows(rows: readonly GrantRow[], pageSize: number): GrantPage {
  const grants = rows.slice(0, pageSize).map(grantFromRow);
  const last = grants.at(-1);
  return rows.length > pageSize && last !== undefined
    ? { grants, nextPageToken: encodePageToken("grant", last.id) }
    : { grants };
}

export function checkpointFromRow(row: Row | undefined): StoredCheckpoint | undefined {
  if (row === undefined) return undefined;
  return {
    size: toInt(row.size, "audit_checkpoint.size"),
    root: toBytes(row.root as Uint8Array),
    note: row.note as string,
  };
}

export function witnessFromRow(row: Row): WitnessState {
  return {
    size: toInt(row.size, "witness_state.size"),
    root: toBytes(row.root as Uint8Array),
    note: row.note as string,
  };
}
