import { concatBytes, sameBytes } from "./bytes.js";
import { sm3 } from "./sm3.js";
import { VerifyFailure } from "./verify-failure.js";

// RFC 9162 §2.1 with SM3 as HASH (docs/audit-log.md), the 0x00 / 0x01 prefixes kept.

export function leafHash(entry: Uint8Array): Uint8Array {
  return sm3(concatBytes(Uint8Array.of(0x00), entry));
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sm3(concatBytes(Uint8Array.of(0x01), left, right));
}

// Sizes reach 2^53 − 1 and JS bitwise operators truncate to 32 bits: plain arithmetic throughout.

function bitLength(n: number): number {
  let bits = 0;
  for (let v = n; v > 0; v = Math.floor(v / 2)) bits++;
  return bits;
}

function xor(a: number, b: number): number {
  const two32 = 2 ** 32;
  const high = (Math.floor(a / two32) ^ Math.floor(b / two32)) >>> 0;
  const low = ((a % two32) ^ (b % two32)) >>> 0;
  return high * two32 + low;
}

const bit = (n: number, i: number) => Math.floor(n / 2 ** i) % 2 === 1;

/**
 * The root an inclusion proof for `entry` at `index` in a tree of `size` leads to (RFC 9162
 * §2.1.3.2, in the decomposition form of @hutong/audit's rootFromInclusionProof): `inner` hashes
 * below the point where the paths to `index` and `size − 1` part, then the left siblings along the
 * right border. The proof's length is checked first, so a truncated or padded proof never hashes.
 */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 0 || !Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new VerifyFailure("index-out-of-range", `leaf index ${index} is not below tree size ${size}`);
  }
  const inner = bitLength(xor(index, size - 1));
  let border = 0;
  for (let v = Math.floor(index / 2 ** inner); v > 0; v = Math.floor(v / 2)) border += v % 2;
  if (proof.length !== inner + border) {
    throw new VerifyFailure(
      "bad-proof-length",
      `an inclusion proof for leaf ${index} of ${size} has ${inner + border} hashes, not ${proof.length}`,
    );
  }
  proof.forEach((h, i) => {
    if (h.length !== 32) throw new VerifyFailure("malformed-proof", `proof hash ${i} is ${h.length} bytes, not 32`);
  });
  let acc = leaf;
  proof.forEach((h, i) => {
    if (i < inner) acc = bit(index, i) ? nodeHash(h, acc) : nodeHash(acc, h);
    else acc = nodeHash(h, acc);
  });
  return acc;
}

/** Throws VerifyFailure unless `entry` is leaf `index` of the tree of `size` leaves with `root`. */
export function verifyInclusion(
  index: number,
  size: number,
  entry: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): Uint8Array {
  const leaf = leafHash(entry);
  if (!sameBytes(rootFromInclusionProof(index, size, leaf, proof), root)) {
    throw new VerifyFailure("root-mismatch", `the proof for leaf ${index} of ${size} leads to another root`);
  }
  return leaf;
}
