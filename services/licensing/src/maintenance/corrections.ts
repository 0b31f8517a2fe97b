import { Licence } from "@hutong/proto";

// A correction names a licence field by its proto name, dotted ("operating_permit.address"); it is
// applied on the licence's proto3 JSON form, where the names are camelCase. Only scalar items can
// be corrected: not the licence's identity or kind, and not its status, which changes only by the
// lifecycle's events.

const protected_ = new Set(["licence_id", "kind", "status", "status_updated_at", "ofd_file"]);
const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Why `field` cannot be corrected in `licence`, or undefined when it can. */
export function correctionProblem(licence: Licence, field: string): string | undefined {
  if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/.test(field)) return `${field}: not a dotted proto field name`;
  if (protected_.has(field)) return `${field} changes only by the licence's own events`;
  let at: unknown = Licence.toJSON(licence);
  for (const part of field.split(".")) {
    if (typeof at !== "object" || at === null || !(camel(part) in at)) return `${field}: the licence has no such item`;
    at = (at as Record<string, unknown>)[camel(part)];
  }
  return typeof at === "string" || typeof at === "number" ? undefined : `${field}: not a single value`;
}

/** `licence` with `corrections` applied; throws on a field correctionProblem refuses. */
export function applyCorrections(
  licence: Licence,
  corrections: readonly { readonly field: string; readonly correctedValue: string }[],
): Licence {
  const json = Licence.toJSON(licence) as Record<string, unknown>;
  for (const c of corrections) {
    const problem = correctionProblem(licence, c.field);
    if (problem !== undefined) throw new Error(problem);
    const parts = c.field.split(".").map(camel);
    let at = json;
    for (const p of parts.slice(0, -1)) at = at[p] as Record<string, unknown>;
    const last = parts.at(-1) as string;
    at[last] = typeof at[last] === "number" ? Number(c.correctedValue) : c.correctedValue;
  }
  return Licence.fromJSON(json);
}
