import type { Licence } from "@hutong/proto";

// A correction names a licence item by its proto name, dotted ("operating_permit.address"): a
// field of the licence, or of the details member its kind carries. It may fill an empty item (what a
// completeness finding asks for) or change one. Only single values can be corrected: not the
// licence's identity or kind, not its status, which changes only by the lifecycle's events, and not
// the issuer's signed QR payload.

const protected_ = new Set(["licence_id", "kind", "status", "status_updated_at", "ofd_file", "qr_payload"]);
const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Where `field` sits in `licence` (ts-proto's shape: a details member is `details.value`), or why not. */
function locate(
  licence: Licence,
  field: string,
): { readonly holder: Record<string, unknown>; readonly key: string } | string {
  if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$/.test(field)) return "not a licence item's dotted proto name";
  if (protected_.has(field)) return `${field} changes only by the licence's own events`;
  const [first, second] = field.split(".") as [string, string | undefined];
  if (second === undefined) {
    const record = licence as unknown as Record<string, unknown>;
    return camel(first) in record && first !== "details"
      ? { holder: record, key: camel(first) }
      : `${field}: no such item`;
  }
  const details = licence.details;
  if (details === undefined || details.$case !== camel(first)) return `${field}: the licence carries no ${first}`;
  const member = details.value as unknown as Record<string, unknown>;
  return camel(second) in member ? { holder: member, key: camel(second) } : `${field}: no such item`;
}

/** Why `field` cannot be corrected in `licence`, or undefined when it can. */
export function correctionProblem(licence: Licence, field: string): string | undefined {
  const at = locate(licence, field);
  if (typeof at === "string") return at;
  const now = at.holder[at.key];
  return typeof now === "string" || typeof now === "number" ? undefined : `${field}: not a single value`;
}

/** `licence` with `corrections` applied; throws on an item correctionProblem refuses or a number that is not one. */
export function applyCorrections(
  licence: Licence,
  corrections: readonly { readonly field: string; readonly correctedValue: string }[],
): Licence {
  const copy: Licence = structuredClone(licence);
  for (const c of corrections) {
    const problem = correctionProblem(copy, c.field);
    if (problem !== undefined) throw new Error(problem);
    const at = locate(copy, c.field) as { holder: Record<string, unknown>; key: string };
    if (typeof at.holder[at.key] === "number") {
      const n = Number(c.correctedValue);
      if (!/^\d+$/.test(c.correctedValue) || !Number.isSafeInteger(n))
        throw new Error(`${c.field}: not a whole number`);
      at.holder[at.key] = n;
    } else at.holder[at.key] = c.correctedValue;
  }
  return copy;
}
