/**
 * A circuit breaker per (topic, destination), as a pure state machine: closed (counting failures
 * in a row) → open after `threshold` of them (no tries) → half-open once `coolDownMs` has passed
 * (one probe) → closed if the probe succeeds, open again if it fails. "Success" is any answer
 * that shows the destination is up (delivered, or refused for good); "failure" is no answer
 * (unreachable, timeout, unavailable).
 */
export type BreakerState =
  | { readonly kind: "closed"; readonly failures: number }
  | { readonly kind: "open"; readonly untilMs: number }
  | { readonly kind: "half-open"; readonly probing: boolean };

export interface BreakerPolicy {
  readonly breakerThreshold: number;
  readonly breakerCoolDownMs: number;
}

export const closedBreaker: BreakerState = Object.freeze({ kind: "closed", failures: 0 });

/** May a try start now? The state after deciding: an open breaker past its cool-down turns half-open and admits one probe. */
export function breakerAdmit(
  state: BreakerState,
  nowMs: number,
): { readonly admit: boolean; readonly state: BreakerState } {
  switch (state.kind) {
    case "closed":
      return { admit: true, state };
    case "open":
      return nowMs >= state.untilMs
        ? { admit: true, state: { kind: "half-open", probing: true } }
        : { admit: false, state };
    case "half-open":
      return state.probing ? { admit: false, state } : { admit: true, state: { kind: "half-open", probing: true } };
  }
}

/** Would breakerAdmit refuse now? (A dispatcher does not claim messages for such destinations.) */
export function breakerRefuses(state: BreakerState, nowMs: number): boolean {
  return !breakerAdmit(state, nowMs).admit;
}

/** The state after a try ended. */
export function breakerRecord(
  state: BreakerState,
  outcome: "success" | "failure",
  nowMs: number,
  policy: BreakerPolicy,
): BreakerState {
  if (outcome === "success") return closedBreaker;
  switch (state.kind) {
    case "closed":
      return state.failures + 1 >= policy.breakerThreshold
        ? { kind: "open", untilMs: nowMs + policy.breakerCoolDownMs }
        : { kind: "closed", failures: state.failures + 1 };
    case "half-open":
      return { kind: "open", untilMs: nowMs + policy.breakerCoolDownMs };
    case "open":
      // A try admitted before the breaker opened, failing late: the cool-down already runs.
      return state;
  }
}

/** The next time this breaker changes by itself (an open one's cool-down end), if any. */
export function breakerWakeMs(state: BreakerState): number | undefined {
  return state.kind === "open" ? state.untilMs : undefined;
}
