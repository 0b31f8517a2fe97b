import { randomFillSync } from "node:crypto";

// Small random values wanted on every call (request nonces, trace ids) cost more through
// randomBytes() than the MAC over the request. This takes them from a pool that one
// randomFillSync refills 4 KiB at a time: the same CSPRNG, fewer trips into it. Every value is
// handed out once and copied out of the pool, so a refill never changes one already given.
const pool = Buffer.alloc(4096);
let offset = pool.length;

function reserve(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 256) throw new RangeError(`pooled random values are 0..256 bytes, not ${n}`);
  if (offset + n > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const at = offset;
  offset += n;
  return at;
}

/** `n` (≤ 256) bytes from the CSPRNG, as a new Uint8Array. */
export function pooledRandomBytes(n: number): Uint8Array {
  const at = reserve(n);
  return new Uint8Array(pool.subarray(at, at + n));
}

/** `n` (≤ 256) bytes from the CSPRNG, as lowercase hex. */
export function pooledRandomHex(n: number): string {
  const at = reserve(n);
  return pool.toString("hex", at, at + n);
}
