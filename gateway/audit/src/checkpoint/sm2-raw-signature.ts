import {
  type Sm2PrivateKey,
  type Sm2PublicKey,
  sm2Sign,
  sm2SignatureDerToRaw,
  sm2SignatureRawToDer,
  sm2Verify,
} from "@hutong/certs";

/**
 * SM2 with SM3 (GB/T 32918.2) under the GM/T 0009 default user id
 * 1234567812345678, encoded as fixed 64-byte r || s: a note signature has no
 * use for DER's variable length. Always through @hutong/certs, never
 * node:crypto's sign/verify, which computes Z_A with an empty user id.
 */
export function sm2SignRaw(key: Sm2PrivateKey, message: Uint8Array): Uint8Array {
  return sm2SignatureDerToRaw(sm2Sign(key, message));
}

/** False (never a throw) for anything that is not a valid signature, including r or s out of range. */
export function sm2VerifyRaw(key: Sm2PublicKey, message: Uint8Array, raw: Uint8Array): boolean {
  // 64 bytes always convert; sm2Verify answers false, never throws, for r or s out of range.
  return raw.length === 64 && sm2Verify(key, message, sm2SignatureRawToDer(raw));
}
