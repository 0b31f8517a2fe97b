import { CertsError } from "../error.js";
import type { Sm2Backend } from "./sm2-backend.js";
import { defaultSm2Backend } from "./sm2-backend-registry.js";
import { bigintToBytes32, sm2Curve } from "./sm2-curve.js";
import { backendKey, type Sm2PrivateKey, type Sm2PublicKey } from "./sm2-key.js";
import { sm3 } from "./sm3.js";

/** GM/T 0009's default distinguishing identifier. */
export const defaultSm2Id = "1234567812345678";

export interface Sm2SignOptions {
  /** Signer's distinguishing identifier (user id); default "1234567812345678". */
  readonly id?: string | Uint8Array;
  /** Backend to use instead of the process default (benchmarks, cross-checks). */
  readonly backend?: Sm2Backend;
}

const curveBytes = Buffer.concat([sm2Curve.a, sm2Curve.b, sm2Curve.gx, sm2Curve.gy].map(bigintToBytes32));

const zaCache = new WeakMap<Sm2PublicKey, Map<string, Uint8Array>>();

function idBytes(id: string | Uint8Array | undefined): Uint8Array {
  const bytes = id === undefined ? Buffer.from(defaultSm2Id) : typeof id === "string" ? Buffer.from(id, "utf8") : id;
  if (bytes.length > 8191) throw new CertsError("invalid-argument", "SM2 id longer than 8191 bytes");
  return bytes;
}

/** Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA), cached per key and id. */
export function sm2Za(key: Sm2PublicKey, id?: string | Uint8Array): Uint8Array {
  const ident = idBytes(id);
  const cacheKey = Buffer.from(ident).toString("latin1");
  let perKey = zaCache.get(key);
  if (perKey === undefined) {
    perKey = new Map();
    zaCache.set(key, perKey);
  }
  let za = perKey.get(cacheKey);
  if (za === undefined) {
    const entl = Buffer.from([(ident.length * 8) >> 8, (ident.length * 8) & 0xff]);
    za = sm3(entl, ident, curveBytes, key.point.subarray(1));
    perKey.set(cacheKey, za);
  }
  return za;
}

/** e = SM3(Z_A || M): the digest an SM2 signature actually signs. */
export function sm2Digest(key: Sm2PublicKey, message: Uint8Array, id?: string | Uint8Array): Uint8Array {
  return sm3(sm2Za(key, id), message);
}

/** SM2 signature (GB/T 32918.2) over `message`, DER SEQUENCE{r, s}. */
export function sm2Sign(key: Sm2PrivateKey, message: Uint8Array, options: Sm2SignOptions = {}): Uint8Array {
  const backend = options.backend ?? defaultSm2Backend();
  return backend.signDigest(backendKey(key, backend), sm2Digest(key.publicKey, message, options.id));
}

/**
 * True when `signature` (DER) is a valid SM2 signature of `message` by `key` under `options.id`;
 * false, never a throw, for any other bytes (not DER, r or s out of range), on either backend.
 * Callers (certificate, CRL and handshake checks, note signatures) rely on that.
 */
export function sm2Verify(
  key: Sm2PublicKey,
  message: Uint8Array,
  signature: Uint8Array,
  options: Sm2SignOptions = {},
): boolean {
  const backend = options.backend ?? defaultSm2Backend();
  return backend.verifyDigest(backendKey(key, backend), sm2Digest(key, message, options.id), signature);
}

/** sm2Sign on the thread pool (native backend), keeping the event loop free. */
export function sm2SignAsync(
  key: Sm2PrivateKey,
  message: Uint8Array,
  options: Sm2SignOptions = {},
): Promise<Uint8Array> {
  const backend = options.backend ?? defaultSm2Backend();
  return backend.signDigestAsync(backendKey(key, backend), sm2Digest(key.publicKey, message, options.id));
}

/** sm2Verify on the thread pool (native backend). */
export function sm2VerifyAsync(
  key: Sm2PublicKey,
  message: Uint8Array,
  signature: Uint8Array,
  options: Sm2SignOptions = {},
): Promise<boolean> {
  const backend = options.backend ?? defaultSm2Backend();
  return backend.verifyDigestAsync(backendKey(key, backend), sm2Digest(key, message, options.id), signature);
}
