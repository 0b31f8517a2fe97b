import { createECDH, ECDH, randomBytes } from "node:crypto";
import { CertsError } from "../error.js";
import type { Sm2Backend, Sm2BackendKey } from "./sm2-backend.js";
import { bigintToBytes32, bytesToBigint, isOnSm2Curve, sm2Curve } from "./sm2-curve.js";

/** An SM2 public key: a validated point on sm2p256v1. */
export interface Sm2PublicKey {
  readonly type: "sm2-public";
  /** Uncompressed SEC1 point, 0x04 || x || y (65 bytes). */
  readonly point: Uint8Array;
}

/** An SM2 private key. The scalar stays inside this module; export it with exportSm2PrivateScalar. */
export interface Sm2PrivateKey {
  readonly type: "sm2-private";
  readonly publicKey: Sm2PublicKey;
}

const scalars = new WeakMap<Sm2PrivateKey, Uint8Array>();
const backendKeys = new WeakMap<Sm2PublicKey | Sm2PrivateKey, Map<Sm2Backend, Sm2BackendKey>>();

/**
 * Imports a public point (uncompressed 65 bytes, or compressed 33 bytes).
 * Throws CertsError("invalid-key") unless it is a point of the curve.
 */
export function createSm2PublicKey(point: Uint8Array): Sm2PublicKey {
  let uncompressed: Uint8Array;
  if (point.length === 33 && (point[0] === 2 || point[0] === 3)) {
    try {
      uncompressed = new Uint8Array(
        ECDH.convertKey(Buffer.from(point), "SM2", undefined, undefined, "uncompressed") as Buffer,
      );
    } catch (cause) {
      throw new CertsError("invalid-key", "compressed SM2 point is not on the curve", { cause });
    }
  } else if (point.length === 65 && point[0] === 4) {
    uncompressed = new Uint8Array(point);
  } else {
    throw new CertsError("invalid-key", "SM2 public key must be a 65-byte uncompressed or 33-byte compressed point");
  }
  const x = bytesToBigint(uncompressed.subarray(1, 33));
  const y = bytesToBigint(uncompressed.subarray(33, 65));
  if (!isOnSm2Curve(x, y)) throw new CertsError("invalid-key", "SM2 public key is not a point of sm2p256v1");
  return Object.freeze({ type: "sm2-public" as const, point: uncompressed });
}

/** Imports a 32-byte private scalar d, 1 ≤ d ≤ n−2 (SM2 needs 1+d invertible mod n). */
export function createSm2PrivateKey(d: Uint8Array): Sm2PrivateKey {
  if (d.length !== 32) throw new CertsError("invalid-key", "SM2 private key must be a 32-byte scalar");
  const v = bytesToBigint(d);
  if (v < 1n || v > sm2Curve.n - 2n) throw new CertsError("invalid-key", "SM2 private scalar out of range [1, n-2]");
  const ecdh = createECDH("SM2");
  ecdh.setPrivateKey(Buffer.from(d));
  const publicKey = createSm2PublicKey(new Uint8Array(ecdh.getPublicKey()));
  const key: Sm2PrivateKey = Object.freeze({ type: "sm2-private" as const, publicKey });
  scalars.set(key, new Uint8Array(d));
  return key;
}

/** A fresh key pair from node:crypto's CSPRNG. */
export function generateSm2PrivateKey(): Sm2PrivateKey {
  for (;;) {
    const d = randomBytes(32);
    const v = bytesToBigint(d);
    if (v >= 1n && v <= sm2Curve.n - 2n) return createSm2PrivateKey(bigintToBytes32(v));
  }
}

/** The 32-byte private scalar, for encoding to a key file. */
export function exportSm2PrivateScalar(key: Sm2PrivateKey): Uint8Array {
  const d = scalars.get(key);
  if (d === undefined) throw new CertsError("invalid-argument", "not an SM2 private key made by this module");
  return new Uint8Array(d);
}

/** The backend's imported form of `key`, imported on first use and reused afterwards. */
export function backendKey(key: Sm2PublicKey | Sm2PrivateKey, backend: Sm2Backend): Sm2BackendKey {
  let perBackend = backendKeys.get(key);
  if (perBackend === undefined) {
    perBackend = new Map();
    backendKeys.set(key, perBackend);
  }
  let handle = perBackend.get(backend);
  if (handle === undefined) {
    handle =
      key.type === "sm2-private"
        ? backend.importPrivateKey(exportSm2PrivateScalar(key), key.publicKey.point)
        : backend.importPublicKey(key.point);
    perBackend.set(backend, handle);
  }
  return handle;
}
