import { createHash, createHmac, hkdfSync } from "node:crypto";

/** SM3 (GB/T 32905) of the concatenation of `parts`. */
export function sm3(...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash("sm3");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** HMAC-SM3 (RFC 2104 with SM3). */
export function hmacSm3(key: Uint8Array, ...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHmac("sm3", key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** HKDF (RFC 5869) with HMAC-SM3: extract with `salt`, expand with `info` to `length` bytes. */
export function hkdfSm3(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return new Uint8Array(hkdfSync("sm3", ikm, salt, info, length));
}
