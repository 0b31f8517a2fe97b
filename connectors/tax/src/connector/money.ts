// Money as the tax channel writes it: decimal strings in yuan, never floats. Inside, amounts are
// bigint micro-yuan (10⁻⁶), enough for the platform's DECIMAL(18,6) line tax.

const pattern = /^(-?)(0|[1-9][0-9]{0,15})(?:\.([0-9]{1,6}))?$/;

/** "123.40" → 123_400_000n micro-yuan; undefined when not a decimal of ≤ 6 places. */
export function parseYuan(text: string): bigint | undefined {
  const m = pattern.exec(text);
  if (m === null) return undefined;
  const micro = BigInt(m[2] ?? "0") * 1_000_000n + BigInt((m[3] ?? "").padEnd(6, "0"));
  return m[1] === "-" ? -micro : micro;
}

/** Micro-yuan → yuan with two places, rounding half away from zero (the platform's 2-place totals). */
export function formatYuan(micro: bigint): string {
  const negative = micro < 0n;
  const abs = negative ? -micro : micro;
  const fen = (abs + 5_000n) / 10_000n;
  const text = `${fen / 100n}.${(fen % 100n).toString().padStart(2, "0")}`;
  return negative && fen !== 0n ? `-${text}` : text;
}

/** Fen (the e-ticket's integer amounts) → micro-yuan. */
export const fenToMicro = (fen: bigint): bigint => fen * 10_000n;
