import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { CertsError } from "../error.js";
import { constantTimeEqual } from "./constant-time.js";
import { hkdfSm3, hmacSm3 } from "./sm3.js";

/**
 * Authenticated encryption from SM4-CBC and HMAC-SM3, encrypt-then-MAC.
 * OpenSSL 3.0 in Node has no SM4-GCM, so this is the composition of two
 * primitives it does have. A 32-byte key is split by HKDF-SM3 into an SM4
 * key and a MAC key, so one key never serves two algorithms.
 *
 * Wire form: iv (16) || ciphertext (PKCS#7 padded) || tag (32), where
 * tag = HMAC-SM3(macKey, aad-length (8, big-endian) || aad || iv || ciphertext).
 */
export const sm4AeadOverhead = 16 + 16 + 32;

export interface Sm4AeadKey {
  readonly encKey: Uint8Array;
  readonly macKey: Uint8Array;
}

export function createSm4AeadKey(key: Uint8Array): Sm4AeadKey {
  if (key.length !== 32) throw new CertsError("invalid-argument", "SM4 AEAD key must be 32 bytes");
  const okm = hkdfSm3(key, new Uint8Array(0), Buffer.from("hutong sm4-cbc-hmac-sm3 v1"), 48);
  return { encKey: okm.subarray(0, 16), macKey: okm.subarray(16) };
}

function tag(key: Sm4AeadKey, aad: Uint8Array, ivAndCiphertext: Uint8Array): Uint8Array {
  const len = Buffer.alloc(8);
  len.writeBigUInt64BE(BigInt(aad.length));
  return hmacSm3(key.macKey, len, aad, ivAndCiphertext);
}

export function sm4Seal(key: Sm4AeadKey, plaintext: Uint8Array, aad: Uint8Array = new Uint8Array(0)): Uint8Array {
  const iv = randomBytes(16);
  const cipher = createCipheriv("sm4-cbc", key.encKey, iv);
  const body = Buffer.concat([iv, cipher.update(plaintext), cipher.final()]);
  return new Uint8Array(Buffer.concat([body, tag(key, aad, body)]));
}

/** Throws CertsError("bad-signature") when the tag does not match: nothing is decrypted first. */
export function sm4Open(key: Sm4AeadKey, sealed: Uint8Array, aad: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (sealed.length < sm4AeadOverhead || (sealed.length - 48) % 16 !== 0) {
    throw new CertsError("malformed", "sealed SM4 message has an impossible length");
  }
  const body = sealed.subarray(0, sealed.length - 32);
  if (!constantTimeEqual(tag(key, aad, body), sealed.subarray(sealed.length - 32))) {
    throw new CertsError("bad-signature", "SM4 AEAD tag mismatch");
  }
  const decipher = createDecipheriv("sm4-cbc", key.encKey, body.subarray(0, 16));
  try {
    return new Uint8Array(Buffer.concat([decipher.update(body.subarray(16)), decipher.final()]));
  } catch (cause) {
    // Unreachable with a valid tag unless the sealer was broken.
    throw new CertsError("malformed", "SM4 padding invalid", { cause });
  }
}
