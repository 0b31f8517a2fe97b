import type { DisagreementKind } from "./operational-metrics.js";

/**
 * How each witness of this gateway's log stands, for GetGatewayInfo: from the latest checkpoint's
 * cosignatures (what the alert gauges read), the publisher's record of its requests, and the
 * disagreements observeWitness reports. Details are closed texts with sizes and times only, never
 * a witness's own message (it is another operator's text, and could say anything).
 */
export type WitnessStateName = "cosigned" | "unreachable" | "disagrees" | "unknown";

export interface WitnessStanding {
  readonly state: WitnessStateName;
  /** The largest size it is known to have cosigned. */
  readonly lastCosignedSize: number | undefined;
  readonly detail: string;
}

/** The publisher's record of one witness (audit/checkpoint-publisher.ts's WitnessProgress fits). */
export interface WitnessRequests {
  readonly cosignedSize: number | undefined;
  readonly cosignedAtMs: number | undefined;
  readonly failures: number;
  readonly retryAtMs: number | undefined;
}

export interface Disagreement {
  readonly kind: DisagreementKind;
  readonly atMs: number;
}

/** The last disagreement of each witness; its `record` has the shape of OperationalMetrics'. */
export interface WitnessDisagreements {
  record(d: { readonly witness: string; readonly kind: DisagreementKind }): void;
  last(witness: string): Disagreement | undefined;
}

export function createWitnessDisagreements(now: () => number): WitnessDisagreements {
  const last = new Map<string, Disagreement>();
  return {
    record({ witness, kind }) {
      last.set(witness, { kind, atMs: now() });
    },
    last: (witness) => last.get(witness),
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();

const disagreementTexts: Readonly<Record<DisagreementKind, string>> = {
  fork: "refused a checkpoint with another root at a size it cosigned (fork)",
  "bad-proof": "refused a checkpoint whose consistency proof from the size it cosigned did not verify",
  ahead: "holds a larger checkpoint of this log than this gateway signed",
};

/**
 * One witness's standing. A disagreement since it last cosigned for this process comes first: it
 * is evidence of a fork, not to be masked by an older cosignature; then its cosignature on the
 * latest checkpoint; then requests failing; else nothing is known yet.
 */
export function witnessStanding(facts: {
  readonly requests: WitnessRequests | undefined;
  readonly disagreement: Disagreement | undefined;
  /** Its cosignature's timestamp (s) on the latest checkpoint, when it is there. */
  readonly cosignedLatestAt: number | undefined;
  /** The latest checkpoint's size; undefined before the first. */
  readonly latestSize: number | undefined;
}): WitnessStanding {
  const { requests, disagreement, cosignedLatestAt, latestSize } = facts;
  const known = requests?.cosignedSize;
  if (disagreement !== undefined && disagreement.atMs > (requests?.cosignedAtMs ?? Number.NEGATIVE_INFINITY)) {
    return {
      state: "disagrees",
      lastCosignedSize: known,
      detail: `${disagreementTexts[disagreement.kind]}, at ${iso(disagreement.atMs)}`,
    };
  }
  if (cosignedLatestAt !== undefined && latestSize !== undefined) {
    return {
      state: "cosigned",
      lastCosignedSize: Math.max(latestSize, known ?? 0),
      detail: `cosigned the latest checkpoint (size ${latestSize}) at ${iso(cosignedLatestAt * 1000)}`,
    };
  }
  if (requests !== undefined && requests.failures > 0) {
    const next = requests.retryAtMs === undefined ? "" : `; next try at ${iso(requests.retryAtMs)}`;
    return {
      state: "unreachable",
      lastCosignedSize: known,
      detail: `${requests.failures} request${requests.failures === 1 ? "" : "s"} in a row without its cosignature${next}`,
    };
  }
  return {
    state: "unknown",
    lastCosignedSize: known,
    detail:
      known === undefined
        ? "not asked by this gateway process yet"
        : `not on the latest checkpoint; last known cosigned size ${known}`,
  };
}
