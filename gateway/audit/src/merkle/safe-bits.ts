// Bit arithmetic on tree sizes and indices. JavaScript's bitwise operators
// truncate to 32 bits, but sizes go up to 2^53 - 1, so everything here is
// plain arithmetic on safe integers.

const two32 = 2 ** 32;

/** n >> k for a non-negative safe integer n. */
export function shiftRight(n: number, k: number): number {
  return Math.floor(n / 2 ** k);
}

/** n << k; the caller keeps the result below 2^53. */
export function shiftLeft(n: number, k: number): number {
  return n * 2 ** k;
}

export function isOdd(n: number): boolean {
  return n % 2 === 1;
}

/** Number of bits needed to write n (0 for 0), like Go's bits.Len64. */
export function bitLength(n: number): number {
  let bits = 0;
  for (let v = n; v > 0; v = Math.floor(v / 2)) bits++;
  return bits;
}

export function popCount(n: number): number {
  let count = 0;
  for (let v = n; v > 0; v = Math.floor(v / 2)) count += v % 2;
  return count;
}

/** Number of trailing zero bits of a positive n. */
export function trailingZeros(n: number): number {
  let zeros = 0;
  for (let v = n; v > 0 && v % 2 === 0; v /= 2) zeros++;
  return zeros;
}

export function xor(a: number, b: number): number {
  const high = (Math.floor(a / two32) ^ Math.floor(b / two32)) >>> 0;
  const low = ((a % two32) ^ (b % two32)) >>> 0;
  return high * two32 + low;
}

export function isSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}
