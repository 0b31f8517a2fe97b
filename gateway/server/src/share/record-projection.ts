import { GetLicenceResponse, GetTicketResponse } from "@hutong/proto";
import { pathCovers } from "../grants/index.js";

/**
 * Minimization (architecture.md §3 step 4): keep only the record fields a share may release. Paths are proto
 * field names rooted at the record ("ticket.passenger.name", docs/grants.md); the generated objects
 * are camelCase, and a oneof (unions-value) contributes its case as the path segment. A field the
 * paths neither cover nor lead into is reset to its default, so encoding drops it.
 */
const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function defaultOf(value: unknown): unknown {
  if (typeof value === "string") return "";
  if (typeof value === "number") return 0;
  if (typeof value === "bigint") return 0n;
  if (typeof value === "boolean") return false;
  if (Array.isArray(value)) return [];
  if (value instanceof Uint8Array) return Buffer.alloc(0);
  return undefined;
}

const leadsInto = (path: string, allowed: readonly string[]) => allowed.some((a) => pathCovers(path, a) && a !== path);
const covered = (path: string, allowed: readonly string[]) => allowed.some((a) => pathCovers(a, path));

function isPlainMessage(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !(value instanceof Uint8Array) && !(value instanceof Date);
}

function prune(message: Record<string, unknown>, prefix: string, allowed: readonly string[]): void {
  for (const [key, value] of Object.entries(message)) {
    const union =
      isPlainMessage(value) && typeof value.$case === "string" && "value" in value
        ? (value as { $case: string; value: unknown })
        : undefined;
    const path = `${prefix}.${snake(union?.$case ?? key)}`;
    if (covered(path, allowed)) continue;
    const inner = union === undefined ? value : union.value;
    if (leadsInto(path, allowed) && (isPlainMessage(inner) || Array.isArray(inner))) {
      for (const item of Array.isArray(inner) ? inner : [inner]) {
        if (isPlainMessage(item)) prune(item, path, allowed);
      }
      continue;
    }
    message[key] = defaultOf(value);
  }
}

/** The response bytes with the record reduced to `allowed`; other top-level fields pass unchanged. */
export function projectRecord(
  recordField: "ticket" | "licence",
  response: Uint8Array,
  allowed: readonly string[],
): Uint8Array {
  if (recordField === "ticket") {
    const r = GetTicketResponse.decode(response);
    if (r.ticket !== undefined && !covered("ticket", allowed)) {
      if (leadsInto("ticket", allowed)) prune(r.ticket as unknown as Record<string, unknown>, "ticket", allowed);
      else r.ticket = undefined;
    }
    return GetTicketResponse.encode(r).finish();
  }
  const r = GetLicenceResponse.decode(response);
  if (r.licence !== undefined && !covered("licence", allowed)) {
    if (leadsInto("licence", allowed)) prune(r.licence as unknown as Record<string, unknown>, "licence", allowed);
    else r.licence = undefined;
  }
  return GetLicenceResponse.encode(r).finish();
}
