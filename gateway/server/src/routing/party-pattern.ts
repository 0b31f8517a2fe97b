import { isCertsError, type PartyId, parsePartyId } from "@hutong/certs";
import { RoutingError } from "./routing-error.js";

/**
 * A set of party ids, as written in routes, ACLs and relay lists:
 *   *               every party
 *   prov:510000     exactly that party (not its sub-systems)
 *   prov:510000/*   that party's sub-systems only (write both lines for both)
 *   prov:*          every party of that kind, sub-systems included
 * Sub-systems are left out of the exact form on purpose: granting a province
 * must not silently grant every system behind its gateway, and the reverse.
 */
export type PartyPattern =
  | { readonly form: "any"; readonly text: string }
  | { readonly form: "exact"; readonly text: string; readonly party: string }
  | { readonly form: "subtree"; readonly text: string; readonly member: string }
  | { readonly form: "kind"; readonly text: string; readonly partyKind: WildcardKind };

type WildcardKind = Exclude<PartyId["kind"], "mot">;

// Typed against PartyId["kind"] so a new kind in @hutong/certs fails the build here.
// mot is a single party, so "mot:*" would only be a confusing spelling of "mot".
const wildcardKinds: Readonly<Record<WildcardKind, true>> = { prov: true, rail: true, air: true, tax: true, org: true };

function isWildcardKind(kind: string): kind is WildcardKind {
  return Object.hasOwn(wildcardKinds, kind);
}

function invalid(text: string, why: string, cause?: unknown): never {
  throw new RoutingError("invalid-pattern", `invalid party pattern "${text.slice(0, 80)}": ${why}`, { cause });
}

function parseParty(text: string, whole: string): PartyId {
  try {
    return parsePartyId(text);
  } catch (error) {
    if (isCertsError(error)) return invalid(whole, error.message, error);
    throw error;
  }
}

/** Parses a pattern once; throws RoutingError("invalid-pattern") for anything outside the grammar. */
export function compilePartyPattern(text: string): PartyPattern {
  if (text === "*") return { form: "any", text };
  if (text.endsWith("/*")) {
    const member = parseParty(text.slice(0, -2), text);
    if (member.subsystem !== undefined) invalid(text, "a sub-system has no sub-systems of its own");
    return { form: "subtree", text, member: member.text };
  }
  if (text.endsWith(":*")) {
    const kind = text.slice(0, -2);
    if (!isWildcardKind(kind)) {
      return invalid(text, `kind wildcard must be one of ${Object.keys(wildcardKinds).join(", ")} followed by ":*"`);
    }
    return { form: "kind", text, partyKind: kind };
  }
  if (text.includes("*")) invalid(text, 'a wildcard is only allowed as "*", "KIND:*" or "PARTY/*"');
  return { form: "exact", text, party: parseParty(text, text).text };
}

/** Whether a party id (text or already parsed) is in the pattern's set; an invalid party id matches nothing. */
export function matchesParty(pattern: PartyPattern, party: string | PartyId): boolean {
  let parsed: PartyId;
  if (typeof party === "string") {
    try {
      parsed = parsePartyId(party);
    } catch {
      return false;
    }
  } else {
    parsed = party;
  }
  switch (pattern.form) {
    case "any":
      return true;
    case "exact":
      return parsed.text === pattern.party;
    case "subtree":
      return parsed.subsystem !== undefined && parsed.member === pattern.member;
    case "kind":
      return parsed.kind === pattern.partyKind;
  }
}

/**
 * Higher is more specific: exact 3 > subtree 2 > kind 1 > any 0. The route
 * table slots its "parent party of a sub-system" fallback between exact and
 * subtree; see route-table.ts.
 */
export function patternSpecificity(pattern: PartyPattern): number {
  switch (pattern.form) {
    case "exact":
      return 3;
    case "subtree":
      return 2;
    case "kind":
      return 1;
    case "any":
      return 0;
  }
}
