import { hkdfSm3 } from "@hutong/certs";
import { concatBytes, utf8 } from "./canonical-encoding.js";
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
  return hkdfSm3(ecdhX, concatBytes([clientRandom, serverRandom]), concatBytes([utf8(labels.master), h1]), sizes.key);
}

/**
 * One key per direction and per use, each its own HKDF-SM3 expansion of the master secret with its
 * own label: a request MAC can never pass as a response MAC, no key serves both SM4 and HMAC-SM3,
 * and the two directions' SM4 keystreams are independent, so both may start from the call's nonce.
 * The encryption keys are derived whatever the protection (cheap, and one ticket layout).
 */
export function deriveSessionKeys(master: Uint8Array): SessionKeys {
  const empty = new Uint8Array(0);
  return {
    c2s: hkdfSm3(master, empty, utf8(labels.c2sMac), sizes.key),
    s2c: hkdfSm3(master, empty, utf8(labels.s2cMac), sizes.key),
    c2sEnc: hkdfSm3(master, empty, utf8(labels.c2sEnc), sizes.encKey),
    s2cEnc: hkdfSm3(master, empty, utf8(labels.s2cEnc), sizes.encKey),
  };
}
