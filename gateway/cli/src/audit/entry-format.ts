import { AuditEntry } from "@hutong/proto";

/** Bytes as lowercase hex. */
export const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

/**
 * An AuditEntry for display: decoded from the exact bytes (never re-encoded),
 * enums by name, digests in hex. Entries hold no personal data in clear (only
 * keyed digests), so nothing here can print an ID number.
 */
export function auditEntryJson(bytes: Uint8Array): Record<string, unknown> {
  let entry: AuditEntry;
  try {
    entry = AuditEntry.decode(bytes);
  } catch {
    return { undecodable: true, bytes: bytes.length };
  }
  const json = AuditEntry.toJSON(entry) as Record<string, unknown>;
  for (const k of ["recordDigest", "subjectDigest", "releasedSm3"] as const) {
    if (entry[k].length > 0) json[k] = hex(entry[k]);
  }
  return json;
}

export function entryLine(index: number, bytes: Uint8Array): string {
  const e = auditEntryJson(bytes);
  if (e.undecodable === true) return `#${index}  (${bytes.length} bytes that are not an AuditEntry)`;
  const short = (v: unknown) => (typeof v === "string" ? `${v.slice(0, 16)}…` : "-");
  const decision = String(e.decision ?? "").replace(/^AUDIT_DECISION_/, "");
  return [
    `#${index}`,
    String(e.time ?? "-"),
    `${decision} ${String(e.reason ?? "")}`.trim(),
    String(e.method ?? "-"),
    `${String(e.requesterParty ?? "?")} -> ${String(e.ownerParty ?? "?")}`,
    `purpose ${String(e.purpose ?? "-").replace(/^PURPOSE_/, "")}`,
    `grant ${String(e.grantId ?? "-")}`,
    `subject ${short(e.subjectDigest)}`,
  ].join("  ");
}
