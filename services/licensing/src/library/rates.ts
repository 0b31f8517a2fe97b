import type { LicenceRates } from "@hutong/proto";

/** The counts behind the rates (docs/licences.md §5). */
export interface RateCounts {
  readonly electronicValid: number;
  readonly registryValid: number;
  readonly activated: number;
  readonly issued: number;
  readonly compliantEvents: number;
  readonly events: number;
  readonly aggregated: number;
  readonly reported: number;
}

/** A ratio in basis points (10000 = 100%), rounded down, capped at 100%; 0 over nothing. */
export function basisPoints(numerator: number, denominator: number): number {
  if (denominator <= 0) return 0;
  return Math.min(10_000, Math.floor((numerator * 10_000) / denominator));
}

export function licenceRates(province: string, period: string, c: RateCounts): LicenceRates {
  return {
    province,
    period,
    electronicValid: BigInt(c.electronicValid),
    registryValid: BigInt(c.registryValid),
    issuanceBp: basisPoints(c.electronicValid, c.registryValid),
    activated: BigInt(c.activated),
    issued: BigInt(c.issued),
    activationBp: basisPoints(c.activated, c.issued),
    compliantEvents: BigInt(c.compliantEvents),
    events: BigInt(c.events),
    complianceBp: basisPoints(c.compliantEvents, c.events),
    aggregated: BigInt(c.aggregated),
    reported: BigInt(c.reported),
    aggregationBp: basisPoints(c.aggregated, c.reported),
  };
}
