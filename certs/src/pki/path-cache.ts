import { CertsError } from "../error.js";
import type { Certificate } from "../x509/certificate.js";
import type { Crl } from "../x509/crl.js";
import { namesEqual } from "../x509/name.js";
import { type PathValidationOptions, type ValidatedPath, validateCertificatePath } from "./validate-path.js";

/**
 * Remembers successful path validations, so that a gateway validating the same peer chain on
 * every handshake does the work once (building the path, four signature look-ups, CRL selection).
 *
 * A hit means exactly what a fresh validation would answer:
 *
 * - The key holds everything the answer depends on except the time: the exact DER of every
 *   certificate the peer sent, the trust anchors and configured intermediates, the CRL set (each
 *   parsed CRL object has an id, so a re-read or updated CRL set is another key), and the options
 *   (revocation mode, required EKU, expected party, party required).
 * - The time enters validation only by comparison with the certificates' notBefore and notAfter,
 *   the CRLs' thisUpdate and nextUpdate, and the revocation dates of the chain's serials. An entry
 *   records the open interval around its validation time in which none of those instants lies;
 *   inside it every comparison comes out as it did, so the answer is the same. A hit outside it,
 *   or any certificate out of its validity or revoked in the set at the new time (a cheap
 *   re-check on every hit, in case of a mistake above), goes to full validation, which gives the
 *   refusal its proper error.
 * - Only successes are kept: a refusal is always recomputed, so nothing that failed can pass, and
 *   a flood of bad chains costs what it would without the cache. Bounded; least recently used
 *   entries go first.
 */
export interface PathValidationCache {
  /**
   * `validateCertificatePath(chain[0], options)` with `chain.slice(1)` placed before
   * `options.intermediates` (a peer's chain: leaf first, then what it sent with it).
   */
  validate(chain: readonly Certificate[], options: PathValidationOptions): ValidatedPath;
  readonly size: number;
  clear(): void;
}

interface Entry {
  readonly path: ValidatedPath;
  /** Open interval (ms) in which the answer cannot change: no relevant instant lies inside it. */
  readonly after: number;
  readonly before: number;
}

// Ids of parsed objects, for keys: a CRL set read again is a new set of objects, hence a new key.
const ids = new WeakMap<object, number>();
let nextId = 1;
function idOf(o: object): number {
  let id = ids.get(o);
  if (id === undefined) {
    id = nextId++;
    ids.set(o, id);
  }
  return id;
}

function keyOf(chain: readonly Certificate[], o: PathValidationOptions): string {
  const head = JSON.stringify([
    o.revocation ?? "if-present",
    o.requiredEku ?? null,
    o.expectedPartyId ?? null,
    o.requirePartyId ?? true,
    o.trustAnchors.map(idOf),
    (o.intermediates ?? []).map(idOf),
    (o.crls ?? []).map(idOf),
  ]);
  let key = head;
  for (const cert of chain) {
    const der = cert.der;
    key += `|${der.length}:${Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("latin1")}`;
  }
  return key;
}

/** CRLs of `crls` from `cert`'s issuer (by name: a superset of those validation may use). */
function crlsOf(cert: Certificate, crls: readonly Crl[]): Crl[] {
  return crls.filter((c) => namesEqual(c.issuerDer, cert.issuerDer));
}

/** Every instant that validation compares its time with, for this path and CRL set. */
function instantsOf(path: ValidatedPath, o: PathValidationOptions): number[] {
  const out: number[] = [];
  for (const cert of path.chain) out.push(cert.notBefore.getTime(), cert.notAfter.getTime());
  if ((o.revocation ?? "if-present") !== "off") {
    for (const cert of path.chain.slice(0, -1)) {
      for (const crl of crlsOf(cert, o.crls ?? [])) {
        out.push(crl.thisUpdate.getTime());
        if (crl.nextUpdate !== undefined) out.push(crl.nextUpdate.getTime());
        const entry = crl.revoked.get(cert.serialHex);
        if (entry !== undefined) out.push(entry.revocationDate.getTime());
      }
    }
  }
  return out;
}

/** The cheap re-check of a hit at `t`: every certificate within its validity, none revoked in the set. */
function stillGood(path: ValidatedPath, o: PathValidationOptions, t: number): boolean {
  for (const cert of path.chain) {
    if (t < cert.notBefore.getTime() || t > cert.notAfter.getTime()) return false;
  }
  if ((o.revocation ?? "if-present") === "off") return true;
  for (const cert of path.chain.slice(0, -1)) {
    for (const crl of crlsOf(cert, o.crls ?? [])) {
      const entry = crl.revoked.get(cert.serialHex);
      if (entry !== undefined && entry.revocationDate.getTime() <= t) return false;
    }
  }
  return true;
}

export function createPathValidationCache(options: { readonly maxEntries?: number } = {}): PathValidationCache {
  const maxEntries = options.maxEntries ?? 1024;
  const entries = new Map<string, Entry>();

  return {
    validate(chain, o) {
      const [leaf, ...sent] = chain;
      if (leaf === undefined) throw new CertsError("invalid-argument", "an empty chain has no leaf to validate");
      const full: PathValidationOptions = { ...o, intermediates: [...sent, ...(o.intermediates ?? [])] };
      const key = keyOf(chain, o);
      const t = o.time.getTime();
      const hit = entries.get(key);
      if (hit !== undefined && hit.after < t && t < hit.before && stillGood(hit.path, o, t)) {
        entries.delete(key); // most recently used last
        entries.set(key, hit);
        return hit.path;
      }
      const path = validateCertificatePath(leaf, full);
      let after = Number.NEGATIVE_INFINITY;
      let before = Number.POSITIVE_INFINITY;
      let onAnInstant = false;
      for (const instant of instantsOf(path, o)) {
        if (instant < t) after = Math.max(after, instant);
        else if (instant > t) before = Math.min(before, instant);
        else onAnInstant = true;
      }
      // Validated exactly on an instant: the answer may differ on either side of it, so not kept.
      if (onAnInstant) {
        entries.delete(key);
        return path;
      }
      entries.delete(key);
      entries.set(key, { path, after, before });
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
      return path;
    },
    get size() {
      return entries.size;
    },
    clear: () => entries.clear(),
  };
}
