// Party ids as docs/pki-profile.md defines them (certs/src/party/party-id.ts is the reference;
// the page cannot import it, it needs Node): `mot`; `prov:<GB/T 2260 province code>` or
// `prov:xpcc`; partners `rail:NAME`, `air:NAME`, `tax:NAME`, `org:NAME` (NAME: 1–32 of
// a-z 0-9 -); an optional sub-system suffix `/NAME`. ASCII only, so a lookalike
// ("prov:510000\u200b", a full-width colon) is not a party id.

/** GB/T 2260 province-level codes (two digits); Taiwan, Hong Kong and Macao are out of scope. */
const provinceCodes: ReadonlySet<string> = new Set([
  "11",
  "12",
  "13",
  "14",
  "15",
  "21",
  "22",
  "23",
  "31",
  "32",
  "33",
  "34",
  "35",
  "36",
  "37",
  "41",
  "42",
  "43",
  "44",
  "45",
  "46",
  "50",
  "51",
  "52",
  "53",
  "54",
  "61",
  "62",
  "63",
  "64",
  "65",
]);

const partnerKinds: ReadonlySet<string> = new Set(["rail", "air", "tax", "org"]);
const label = /^[a-z0-9][a-z0-9-]{0,31}$/;

function isValidMember(member: string): boolean {
  if (member === "mot") return true;
  const colon = member.indexOf(":");
  if (colon < 0) return false;
  const kind = member.slice(0, colon);
  const name = member.slice(colon + 1);
  if (kind === "prov") return name === "xpcc" || (/^[0-9]{2}0000$/.test(name) && provinceCodes.has(name.slice(0, 2)));
  return partnerKinds.has(kind) && label.test(name);
}

/** True for a party id exactly as the PKI profile defines it (the certificates' grammar). */
export function isValidPartyId(text: string): boolean {
  if (typeof text !== "string") return false;
  const parts = text.split("/");
  if (parts.length > 2) return false;
  const [member = "", subsystem] = parts;
  if (subsystem !== undefined && !label.test(subsystem)) return false;
  return isValidMember(member);
}

/** The suffix of a log's origin and key name after its party: `hutong/<party>/audit/sm3`. */
export const auditOriginSuffix = "/audit/sm3";

/**
 * The party whose audit log an origin (= log key name) names: `<one segment>/<party>/audit/sm3`,
 * the gateways' origin (`hutong/<party>/audit/sm3`). The leading segment has no "/", so a name
 * names at most one party. Undefined when the name is not of that form.
 */
export function partyOfAuditOrigin(origin: string): string | undefined {
  if (!origin.endsWith(auditOriginSuffix)) return undefined;
  const head = origin.slice(0, -auditOriginSuffix.length);
  const slash = head.indexOf("/");
  if (slash <= 0) return undefined;
  const prefix = head.slice(0, slash);
  const party = head.slice(slash + 1);
  // The prefix is printable ASCII without spaces or "+" (a key name), the party a party id.
  if (!/^[\x21-\x2a\x2c-\x7e]+$/.test(prefix)) return undefined;
  return isValidPartyId(party) ? party : undefined;
}

/**
 * Text from the server as the page shows it: printable ASCII as is, a backslash doubled, and
 * anything else (controls, invisible or lookalike Unicode) as \u{hex}, so two different strings
 * never look the same on screen.
 */
export function escapeForDisplay(text: string): string {
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === "\\") out += "\\\\";
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else out += `\\u{${code.toString(16)}}`;
  }
  return out;
}
