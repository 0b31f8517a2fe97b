import { hmacSm3 } from "@hutong/certs";
import { utf8 } from "./canonical-encoding.js";
import { labels, sizes } from "./protocol-constants.js";

export interface SessionKeys {
  /** HMAC-SM3 key for client-to-server MACs (requests). */
  readonly c2s: Uint8Array;
  /** HMAC-SM3 key for server-to-client MACs (responses, server-finished). */
  readonly s2c: Uint8Array;
  /** SM4 key (16 bytes) encrypting requests, when the session is protected with SM4. */
  readonly c2sEnc: Uint8Array;
  /** SM4 key (16 bytes) encrypting responses, when the session is protected with SM4. */
  readonly s2cEnc: Uint8Array;
}

// HKDF-SM3 (RFC 5869) written out with HMAC-SM3: every output here is at most one hash long, so
// expand is the single block T(1) = HMAC(PRK, info || 0x01). node:crypto's hkdfSync builds key
// objects on every call (about 25 µs each, five per handshake side); two or three HMACs are a
// few µs, and the four session keys share one extract.
const one = Uint8Array.of(1);
const emptySalt = new Uint8Array(32); // RFC 5869: an absent salt is HashLen zero bytes
const labelBytes = {
  master: utf8(labels.master),
  c2sMac: utf8(labels.c2sMac),
  s2cMac: utf8(labels.s2cMac),
  c2sEnc: utf8(labels.c2sEnc),
  s2cEnc: utf8(labels.s2cEnc),
};

function extract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmacSm3(salt.length === 0 ? emptySalt : salt, ikm);
}

/** HKDF-Expand for L ≤ 32 (one block). */
function expand(prk: Uint8Array, length: number, ...info: readonly Uint8Array[]): Uint8Array {
  const t1 = hmacSm3(prk, ...info, one);
  return length === t1.length ? t1 : t1.slice(0, length);
}

/**
 * master = HKDF-SM3(ikm = ECDH x, salt = clientRandom || serverRandom, info = "hutong/v1 master" || H1).
 * H1 in the info binds the secret to both identities and both ephemerals, so
 * an attacker who swaps any hello field gets a different master.
 */
export function deriveMasterSecret(
  ecdhX: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  h1: Uint8Array,
): Uint8Array {
  const salt = new Uint8Array(clientRandom.length + serverRandom.length);
  salt.set(clientRandom);
  salt.set(serverRandom, clientRandom.length);
  return expand(extract(salt, ecdhX), sizes.key, labelBytes.master, h1);
}

/**
 * One key per direction and per use, each its own HKDF-SM3 expansion of the master secret with its
 * own label: a request MAC can never pass as a response MAC, no key serves both SM4 and HMAC-SM3,
 * and the two directions' SM4 keystreams are independent, so both may start from the call's nonce.
 * The encryption keys are derived whatever the protection (cheap, and one ticket layout). All four
 * are HKDF-SM3(ikm = master, salt = empty, info = label), so they share one extract.
 */
export function deriveSessionKeys(master: Uint8Array): SessionKeys {
  const prk = extract(new Uint8Array(0), master);
  return {
    c2s: expand(prk, sizes.key, labelBytes.c2sMac),
    s2c: expand(prk, sizes.key, labelBytes.s2cMac),
    c2sEnc: expand(prk, sizes.encKey, labelBytes.c2sEnc),
    s2cEnc: expand(prk, sizes.encKey, labelBytes.s2cEnc),
  };
}
