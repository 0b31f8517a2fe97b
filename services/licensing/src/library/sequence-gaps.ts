/** A range of a province's sequence, both ends included. */
export interface SeqRange {
  readonly from: bigint;
  readonly to: bigint;
}

/**
 * The ranges missing from a province's sequence: after `appliedSeq` (everything up to it is
 * applied), up to `head` (the highest number received or reported), not among `present` (the
 * numbers received beyond `appliedSeq`, in any order).
 */
export function missingRanges(appliedSeq: bigint, present: Iterable<bigint>, head: bigint): SeqRange[] {
  const have = [...new Set(present)]
    .filter((s) => s > appliedSeq && s <= head)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: SeqRange[] = [];
  let next = appliedSeq + 1n;
  for (const s of have) {
    if (s > next) out.push({ from: next, to: s - 1n });
    next = s + 1n;
  }
  if (next <= head) out.push({ from: next, to: head });
  return out;
}

/** The parts of `range` that none of `covered` covers, in order. */
export function uncovered(range: SeqRange, covered: readonly SeqRange[]): SeqRange[] {
  let parts: SeqRange[] = [range];
  for (const c of covered) {
    parts = parts.flatMap((p) => {
      if (c.to < p.from || c.from > p.to) return [p];
      const out: SeqRange[] = [];
      if (c.from > p.from) out.push({ from: p.from, to: c.from - 1n });
      if (c.to < p.to) out.push({ from: c.to + 1n, to: p.to });
      return out;
    });
  }
  return parts;
}

/** `range` in consecutive parts of at most `max` numbers (a resend asks for at most that many). */
export function rangeParts(range: SeqRange, max: bigint): SeqRange[] {
  const parts: SeqRange[] = [];
  for (let from = range.from; from <= range.to; from += max) {
    parts.push({ from, to: from + max - 1n < range.to ? from + max - 1n : range.to });
  }
  return parts;
}
