import type { AuditEntryView } from "../../../src/api/api-types.js";
import type { DecodedAuditEntry } from "./audit-entry.js";
import { auditDecisions, auditRoles, purposes, recordKinds } from "./audit-enums.js";
import { toHex } from "./bytes.js";

// Compares what the server showed for an entry (AuditEntryView) with the entry decoded from its
// bytes. Every field the view carries is compared; a difference means the server's display is not
// the entry it proved.

/**
 * The enum as the API names it. A number this page does not know may be shown as "UNSPECIFIED"
 * (the backend's entry view), "UNRECOGNIZED" (ts-proto's name) or the number itself: all say
 * "no known value", and none can pass one known value off as another.
 */
function enumMatches(served: string, value: number, names: Readonly<Record<number, string>>): boolean {
  const name = names[value];
  if (name !== undefined) return served === name || (value === 0 && served === "");
  return served === "UNSPECIFIED" || served === "UNRECOGNIZED" || served === String(value);
}

const iso = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * True when `served` (ISO 8601) names the decoded instant, allowing the display to be truncated to
 * fewer fractional digits than the nanoseconds (Date.toISOString shows milliseconds).
 */
export function timeMatches(served: string, decoded: DecodedAuditEntry["time"]): boolean {
  // An absent time may be shown empty, or as the epoch (the Timestamp's default value).
  if (decoded === undefined && served === "") return true;
  const time = decoded ?? { seconds: 0n, nanos: 0 };
  if (time.nanos < 0 || time.nanos > 999_999_999) return false;
  const m = iso.exec(served);
  if (m === null) return false;
  const [, y, mo, d, h, mi, s, fraction = "", zone = "Z"] = m as unknown as string[];
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  // Date.UTC rolls 13 months or 61 seconds over; a rolled value is not the text.
  const back = new Date(ms);
  if (
    back.getUTCFullYear() !== Number(y) ||
    back.getUTCMonth() + 1 !== Number(mo) ||
    back.getUTCDate() !== Number(d) ||
    back.getUTCHours() !== Number(h) ||
    back.getUTCMinutes() !== Number(mi) ||
    back.getUTCSeconds() !== Number(s)
  ) {
    return false;
  }
  const offsetMinutes =
    zone === "Z" ? 0 : (zone.startsWith("-") ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const seconds = BigInt(ms / 1000) - BigInt(offsetMinutes * 60);
  return seconds === time.seconds && String(time.nanos).padStart(9, "0").startsWith(fraction);
}

/** The time as ISO 8601 UTC with as many fractional digits as it has (none, 3, 6 or 9). */
export function formatTimestamp(time: DecodedAuditEntry["time"]): string {
  if (time === undefined) return "";
  const date = new Date(Number(time.seconds) * 1000);
  if (Number.isNaN(date.getTime())) return `${time.seconds}s ${time.nanos}ns`;
  const base = date.toISOString().slice(0, 19);
  const nanos = String(time.nanos).padStart(9, "0");
  const fraction = nanos === "000000000" ? "" : `.${nanos.replace(/(000)+$/, "")}`;
  return `${base}${fraction}Z`;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The names of the view's fields that differ from the decoded entry; empty when they all agree. */
export function servedEntryDifferences(view: AuditEntryView, e: DecodedAuditEntry): string[] {
  const differs: string[] = [];
  const check = (field: keyof AuditEntryView, same: boolean) => {
    if (!same) differs.push(field);
  };
  check("gateway", view.gateway === e.gatewayParty);
  check("time", timeMatches(view.time, e.time));
  check("role", view.role === (auditRoles[e.role] ?? "unspecified"));
  check("method", view.method === e.method);
  check("requesterParty", view.requesterParty === e.requesterParty);
  check("peerParty", view.peerParty === e.peerParty);
  check("ownerParty", view.ownerParty === e.ownerParty);
  check("recordKind", enumMatches(view.recordKind, e.recordKind, recordKinds));
  check("recordDigestHex", view.recordDigestHex === toHex(e.recordDigest));
  check("subjectDigestHex", view.subjectDigestHex === toHex(e.subjectDigest));
  check("grantId", view.grantId === e.grantId);
  check("purpose", enumMatches(view.purpose, e.purpose, purposes));
  check("decision", view.decision === (auditDecisions[e.decision] ?? "unspecified"));
  check("reason", view.reason === e.reason);
  check("hops", sameList(view.hops, e.hops));
  check("releasedSm3Hex", view.releasedSm3Hex === toHex(e.releasedSm3));
  check("fieldsReleased", sameList(view.fieldsReleased, e.fieldsReleased));
  check("traceId", view.traceId === e.traceId);
  check("correlationId", view.correlationId === e.correlationId);
  return differs;
}
