/** The SM2 recommended curve sm2p256v1 (GB/T 32918.5 / GM/T 0003.5). */
export const sm2Curve = {
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
} as const;

export function bigintToBytes32(v: bigint): Uint8Array {
  return new Uint8Array(Buffer.from(v.toString(16).padStart(64, "0"), "hex"));
}

export function bytesToBigint(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString("hex")}`);
}

/** True when (x, y) satisfies y² = x³ + ax + b over F_p, with both coordinates reduced. */
export function isOnSm2Curve(x: bigint, y: bigint): boolean {
  const { p, a, b } = sm2Curve;
  if (x < 0n || x >= p || y < 0n || y >= p) return false;
  return (y * y - (x * x * x + a * x + b)) % p === 0n;
}
