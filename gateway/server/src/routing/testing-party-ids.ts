import fc from "fast-check";

// Small alphabets on purpose: generated ids collide often, so properties see
// parents, siblings and sub-systems of the same party, not just strangers.
const subsystems = ["licence", "ticket", "a-1"] as const;

export const memberArbitrary: fc.Arbitrary<string> = fc.constantFrom(
  "mot",
  "prov:510000",
  "prov:440000",
  "prov:xpcc",
  "rail:cr",
  "air:caac",
  "tax:chinatax",
  "org:ngo-1",
);

export const partyIdArbitrary: fc.Arbitrary<string> = fc
  .tuple(memberArbitrary, fc.option(fc.constantFrom(...subsystems), { nil: undefined }))
  .map(([member, sub]) => (sub === undefined ? member : `${member}/${sub}`));

/** Every form of party pattern, over the same small alphabet. */
export const partyPatternTextArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.constant("*"),
  partyIdArbitrary,
  memberArbitrary.map((m) => `${m}/*`),
  fc.constantFrom("prov:*", "rail:*", "air:*", "tax:*", "org:*"),
);
