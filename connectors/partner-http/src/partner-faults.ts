import { z } from "zod";

// The ways a simulated channel misbehaves, as a real partner (or the proxies before it) does, so a
// connector's retries, de-duplication and reconciliation can be tried against them. Which fault
// hits a request is drawn from a seeded PRNG (seeded-random.ts): the same seed replays the same run.

export interface PartnerFaults {
  /** The channel is down: every API connection is destroyed at once, with no answer and no effect. */
  readonly down: boolean;
  /** Every API answer is delayed this long, after the request took effect. */
  readonly slowMs: number;
  /** The share of requests answered HTTP 500/502/503 with a non-envelope body, and no effect. */
  readonly error5xxRate: number;
  /** The share of requests applied and then never answered (the socket is held, then closed). */
  readonly timeoutAfterEffectRate: number;
  /** The share of requests applied and then answered with the previous API answer sent (a stale duplicate). */
  readonly duplicateAnswerRate: number;
  /** The share of requests applied whose answer is held and crossed with the next answer ready. */
  readonly reorderRate: number;
}

export const defaultPartnerFaults: PartnerFaults = {
  down: false,
  slowMs: 0,
  error5xxRate: 0,
  timeoutAfterEffectRate: 0,
  duplicateAnswerRate: 0,
  reorderRate: 0,
};

const rate = z.number().min(0).max(1);

/** Some fault settings, as given to a simulator or POSTed to /admin/faults; unknown keys are refused. */
export const partnerFaultsSchema = z
  .strictObject({
    down: z.boolean(),
    slowMs: z.number().int().min(0).max(600_000),
    error5xxRate: rate,
    timeoutAfterEffectRate: rate,
    duplicateAnswerRate: rate,
    reorderRate: rate,
  })
  .partial();

/** `current` with `change` applied; throws a ZodError when `change` is not valid. */
export function mergeFaults(current: PartnerFaults, change: unknown): PartnerFaults {
  const parsed = partnerFaultsSchema.parse(change);
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(parsed)) if (value !== undefined) merged[key] = value;
  return merged as unknown as PartnerFaults;
}

/** What happens to one API request, besides `slowMs`. */
export type FaultDecision =
  | { readonly kind: "none" }
  | { readonly kind: "down" }
  | { readonly kind: "error5xx"; readonly status: 500 | 502 | 503 }
  | { readonly kind: "timeoutAfterEffect" }
  | { readonly kind: "duplicateAnswer" }
  | { readonly kind: "reorder" };

const statuses = [500, 502, 503] as const;

/**
 * The fault for one request. Always draws the same five numbers, whatever the rates, so changing
 * one rate mid-run does not shift the draws of the others. At most one fault per request, the
 * most disruptive first.
 */
export function decideFault(faults: PartnerFaults, random: () => number): FaultDecision {
  const [r5xx, rStatus, rTimeout, rDuplicate, rReorder] = [random(), random(), random(), random(), random()];
  if (faults.down) return { kind: "down" };
  if (r5xx < faults.error5xxRate) {
    return { kind: "error5xx", status: statuses[Math.min(2, Math.floor(rStatus * 3))] ?? 503 };
  }
  if (rTimeout < faults.timeoutAfterEffectRate) return { kind: "timeoutAfterEffect" };
  if (rDuplicate < faults.duplicateAnswerRate) return { kind: "duplicateAnswer" };
  if (rReorder < faults.reorderRate) return { kind: "reorder" };
  return { kind: "none" };
}

/** How many times each fault was injected (a fault that changed nothing, as a duplicate with no previous answer, is not counted). */
export interface FaultCounts {
  readonly down: number;
  readonly slow: number;
  readonly error5xx: number;
  readonly timeoutAfterEffect: number;
  readonly duplicateAnswer: number;
  readonly reorderedAnswer: number;
}
