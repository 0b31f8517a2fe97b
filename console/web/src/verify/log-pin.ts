import { logKeyVerifier } from "./note-key.js";
import { isValidPartyId, partyOfAuditOrigin } from "./party-id.js";
import { isVerifyFailure, type RefusalReason, VerifyFailure } from "./verify-failure.js";

/**
 * A log key pinned in this browser. It binds three things: the gateway party whose log it is, the
 * log's origin (= the key's name, `…/<party>/audit/sm3`) and the verifier key itself. A proof or
 * checkpoint counts as verified only under a pin, and only for that party and that origin.
 */
export interface LogPin {
  readonly party: string;
  /** The key's name, which is the log's origin. */
  readonly origin: string;
  /** The verifier key text, c2sp signed-note form. */
  readonly vkey: string;
  /** "tofu": the key the console sent, pinned on first use; "pasted": a key obtained out of band. */
  readonly source: "tofu" | "pasted";
}

/** The pins by party. A Map: a party id is data, never looked up as an object property. */
export type LogPins = ReadonlyMap<string, LogPin>;

export type PinParse =
  | { readonly ok: true; readonly pin: LogPin }
  | { readonly ok: false; readonly reason: RefusalReason; readonly detail: string };

/**
 * Checks a verifier key with the page's own parser before it is pinned for `party`: a valid party
 * id, a well-formed SM2 log key (its id matching the key), named after an audit origin of exactly
 * that party. Never throws.
 */
export function parseLogPin(party: string, vkeyText: string, source: LogPin["source"]): PinParse {
  try {
    if (!isValidPartyId(party)) {
      throw new VerifyFailure("bad-gateway-name", "the gateway's name is not a party id");
    }
    const vkey = vkeyText.trim();
    const verifier = logKeyVerifier(vkey);
    const named = partyOfAuditOrigin(verifier.name);
    if (named === undefined) {
      throw new VerifyFailure("pin-wrong-origin", "the key's name is not an …/<party>/audit/sm3 origin");
    }
    if (named !== party) {
      throw new VerifyFailure("pin-wrong-party", `the key is ${named}'s log key, not ${party}'s`);
    }
    return { ok: true, pin: { party, origin: verifier.name, vkey, source } };
  } catch (e) {
    if (isVerifyFailure(e)) return { ok: false, reason: e.reason, detail: e.message };
    return { ok: false, reason: "malformed-key", detail: e instanceof Error ? e.message : String(e) };
  }
}

/** A stored pin is taken only if it re-parses to exactly itself (storage is not trusted either). */
export function revalidatePin(value: unknown): LogPin | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.party !== "string" || typeof v.vkey !== "string") return undefined;
  const source = v.source === "pasted" ? "pasted" : "tofu";
  const parsed = parseLogPin(v.party, v.vkey, source);
  if (!parsed.ok || parsed.pin.vkey !== v.vkey) return undefined;
  if (v.origin !== undefined && v.origin !== parsed.pin.origin) return undefined;
  return parsed.pin;
}

/** The pin for `party`, if any. */
export function pinFor(pins: LogPins, party: string): LogPin | undefined {
  return pins.get(party);
}

/**
 * What a pin demands of a checked log beyond its signature: that it is the pinned party's, and
 * that its origin is the pinned origin. Throws VerifyFailure.
 */
export function requirePinBinding(pin: LogPin, party: string, origin: string): void {
  if (pin.party !== party) {
    throw new VerifyFailure("pin-wrong-party", `the key pinned for ${pin.party} cannot vouch for ${party}`);
  }
  if (origin !== pin.origin) {
    throw new VerifyFailure("wrong-origin", `origin ${origin} is not the pinned origin ${pin.origin}`);
  }
}
