import type { AuditEntryView, AuditSearchRequest } from "../api/api-types.js";

// The explorer's filters that the gateway's QueryEntries does not apply itself (purpose, decision,
// correlation id), and the ones it does, re-applied on what came back so a scan and an indexed
// query answer the same question. Pure.

export interface EntryFilter {
  readonly party?: string;
  readonly purpose?: string;
  readonly grantId?: string;
  readonly decision?: "allow" | "deny";
  readonly correlationId?: string;
  readonly subjectDigestHex?: string;
  readonly fromMs?: number;
  readonly toMs?: number;
}

export function entryMatches(e: AuditEntryView, f: EntryFilter): boolean {
  if (f.party !== undefined && e.requesterParty !== f.party && e.ownerParty !== f.party) return false;
  if (f.purpose !== undefined && e.purpose !== f.purpose) return false;
  if (f.grantId !== undefined && e.grantId !== f.grantId) return false;
  if (f.decision !== undefined && e.decision !== f.decision) return false;
  if (f.correlationId !== undefined && e.correlationId !== f.correlationId) return false;
  if (f.subjectDigestHex !== undefined && e.subjectDigestHex !== f.subjectDigestHex) return false;
  const t = Date.parse(e.time);
  if (f.fromMs !== undefined && t < f.fromMs) return false;
  if (f.toMs !== undefined && t > f.toMs) return false;
  return true;
}

/** The request's filters with empty strings dropped (a form's blank fields). */
export function filterOf(req: AuditSearchRequest, subjectDigestHex: string | undefined): EntryFilter {
  const nonEmpty = (s: string | undefined) => (s === undefined || s.trim() === "" ? undefined : s.trim());
  const time = (s: string | undefined) => {
    const v = nonEmpty(s);
    return v === undefined ? undefined : Date.parse(v);
  };
  const out: Record<string, unknown> = {
    party: nonEmpty(req.party),
    purpose: nonEmpty(req.purpose),
    grantId: nonEmpty(req.grantId),
    decision: req.decision,
    correlationId: nonEmpty(req.correlationId),
    subjectDigestHex,
    fromMs: time(req.from),
    toMs: time(req.to),
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as EntryFilter;
}
