// A request's canonical JSON: object keys sorted at every level, no white space. Two requests with
// the same serial are "the same request" exactly when their canonical forms are equal, whatever
// order the client wrote the keys in.

/** The canonical JSON text of a parsed JSON value. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sorted(value));
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sorted((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}
