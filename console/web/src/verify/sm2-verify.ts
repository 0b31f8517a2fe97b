import { toHex } from "./bytes.js";
import { sm2 } from "./sm-crypto.js";

/** The GM/T 0009 default user id: the one our note signatures use (docs/audit-checkpoints.md §3.3). */
export const sm2DefaultUserId = "1234567812345678";

// sm2p256v1 (GB/T 32918.5): the field prime and the curve's a and b.
const p = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
const a = 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn;
const b = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;

/**
 * True for a 65-byte uncompressed SM2 point (0x04 || x || y) with x, y < p (one encoding per key)
 * on the curve y² = x³ + ax + b. Checked here, with BigInt, rather than trusting a library's
 * lenient decoder.
 */
export function isSm2Point(point: Uint8Array): boolean {
  if (point.length !== 65 || point[0] !== 0x04) return false;
  const hex = toHex(point);
  const x = BigInt(`0x${hex.slice(2, 66)}`);
  const y = BigInt(`0x${hex.slice(66)}`);
  if (x >= p || y >= p) return false;
  return (y * y - (x * x * x + a * x + b)) % p === 0n;
}

/**
 * SM2 with SM3 over `message` under the default user id, the signature as raw r || s (64 bytes,
 * never DER). sm-crypto computes Z_A and e = SM3(Z_A || M) itself (hash: true) and refuses r or s
 * outside [1, n − 1]. False, never a throw.
 */
export function sm2VerifyRaw(point: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64 || !isSm2Point(point)) return false;
  try {
    return sm2.doVerifySignature(Array.from(message), toHex(signature), toHex(point), {
      der: false,
      hash: true,
      userId: sm2DefaultUserId,
    });
  } catch {
    return false;
  }
}
