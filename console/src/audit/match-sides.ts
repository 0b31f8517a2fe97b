import type { AuditEntryView, CorrelationView } from "../api/api-types.js";

// Both sides of a cross-region share, matched by correlation id: the requester's first gateway,
// every relay and the owner's gateway each logged the same call. They must agree on what was
// decided and released; a gateway that logged something else (or nothing) is what an auditor
// needs to see. Pure; the page repeats the comparison on the entries it verified itself.

export function matchSides(entries: readonly AuditEntryView[]): CorrelationView["match"] {
  const problems = new Set<string>();
  const shares = entries.filter((e) => e.role === "owner" || e.role === "relay");
  const owners = shares.filter((e) => e.role === "owner");
  const relays = shares.filter((e) => e.role === "relay");
  if (owners.length === 0) problems.add("owner-side-missing");
  if (relays.length === 0 && owners.some((o) => o.hops.length > 0)) problems.add("requester-side-missing");
  // Every gateway named on the owner's hop list must have logged the call.
  for (const o of owners) {
    for (const hop of o.hops) if (!relays.some((r) => r.gateway === hop)) problems.add("requester-side-missing");
  }
  const differs = (key: keyof AuditEntryView, code: string) => {
    const values = new Set(shares.map((e) => JSON.stringify(e[key])));
    if (values.size > 1) problems.add(code);
  };
  differs("decision", "decision-differs");
  differs("releasedSm3Hex", "released-differs");
  differs("method", "method-differs");
  // A relay may not know the subject (it does not read the record); only non-empty digests must agree.
  const subjects = new Set(shares.map((e) => e.subjectDigestHex).filter((s) => s !== ""));
  if (subjects.size > 1) problems.add("subject-differs");
  return { consistent: problems.size === 0, problems: [...problems].sort() };
}
