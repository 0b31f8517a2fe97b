import { CertsError } from "../error.js";

/**
 * Party ids name the members of the federation (architecture.md §1):
 *   mot                      the Ministry of Transport (hub)
 *   prov:510000              a province, by its GB/T 2260 six-digit code
 *   prov:xpcc                the Xinjiang Production and Construction Corps,
 *                            a province-level authority with no GB/T 2260 code
 *   rail:cr, air:caac, tax:chinatax, org:NAME   partners
 * and optionally a sub-system suffix: prov:510000/licence.
 * In certificates the party id is a SAN URI: urn:hutong:party:<party id>.
 */
export const partyUriPrefix = "urn:hutong:party:";

/** GB/T 2260 province-level codes (two digits); Taiwan, Hong Kong and Macao are out of scope. */
export const provinceCodes: ReadonlySet<string> = new Set([
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

export interface PartyId {
  /** The canonical text, e.g. "prov:510000/licence". */
  readonly text: string;
  readonly kind: "mot" | "prov" | "rail" | "air" | "tax" | "org";
  /** "510000", "xpcc", "cr", … ; empty for mot. */
  readonly name: string;
  readonly subsystem?: string;
  /** The party without its sub-system suffix. */
  readonly member: string;
}

// A federation has a few hundred parties and the gateway parses the same ids on every call
// (context, ACL, route), so valid parses are remembered. Bounded: when full it starts over, so a
// flood of distinct ids costs parsing, never memory. Invalid ids are not cached.
const parsedIds = new Map<string, PartyId>();
const parsedIdsMax = 4096;

/** Parses and validates a party id; throws CertsError("wrong-party") with the reason. */
export function parsePartyId(text: string): PartyId {
  let parsed = parsedIds.get(text);
  if (parsed === undefined) {
    parsed = Object.freeze(parsePartyIdUncached(text));
    if (parsedIds.size >= parsedIdsMax) parsedIds.clear();
    parsedIds.set(text, parsed);
  }
  return parsed;
}

function parsePartyIdUncached(text: string): PartyId {
  const bad = (why: string): never => {
    throw new CertsError("wrong-party", `invalid party id "${text.slice(0, 80)}": ${why}`);
  };
  const [member = "", subsystem, ...rest] = text.split("/");
  if (rest.length > 0) bad("at most one '/sub-system' suffix");
  if (subsystem !== undefined && !label.test(subsystem)) bad("sub-system must be 1-32 of a-z, 0-9, '-'");
  const withSub = (p: Omit<PartyId, "subsystem" | "text" | "member">): PartyId => ({
    ...p,
    text,
    member,
    ...(subsystem === undefined ? {} : { subsystem }),
  });
  if (member === "mot") return withSub({ kind: "mot", name: "" });
  const colon = member.indexOf(":");
  if (colon < 0) return bad("expected mot or KIND:NAME");
  const kind = member.slice(0, colon);
  const name = member.slice(colon + 1);
  if (kind === "prov") {
    if (name === "xpcc") return withSub({ kind, name });
    if (!/^\d{2}0000$/.test(name) || !provinceCodes.has(name.slice(0, 2))) {
      bad("a province is prov:<GB/T 2260 province code, e.g. 510000> or prov:xpcc");
    }
    return withSub({ kind, name });
  }
  if (!partnerKinds.has(kind)) bad("kind must be one of prov, rail, air, tax, org (or the party mot)");
  if (!label.test(name)) bad("name must be 1-32 of a-z, 0-9, '-'");
  return withSub({ kind: kind as PartyId["kind"], name });
}

export function isValidPartyId(text: string): boolean {
  if (parsedIds.has(text)) return true;
  try {
    parsePartyId(text);
    return true;
  } catch {
    return false;
  }
}

export function partyIdToUri(partyId: string): string {
  return partyUriPrefix + parsePartyId(partyId).text;
}

/** The party id in a SAN URI, or undefined if the URI is not a hutong party URI. */
export function partyIdFromUri(uri: string): string | undefined {
  if (!uri.startsWith(partyUriPrefix)) return undefined;
  const id = uri.slice(partyUriPrefix.length);
  return isValidPartyId(id) ? id : undefined;
}
