/** What a witness last cosigned for one log origin. */
export interface WitnessState {
  readonly size: number;
  readonly root: Uint8Array;
  /** The checkpoint note as cosigned. */
  readonly note: string;
}

/**
 * `ok: false` carries the size actually stored (0 when the origin is new), which
 * is what tlog-witness answers with its 409.
 */
export type WitnessAdvance = { readonly ok: true } | { readonly ok: false; readonly storedSize: number };

export interface WitnessStore {
  witnessState(origin: string): Promise<WitnessState | undefined>;
  /**
   * Atomic compare-and-store: replaces the origin's state only if its stored
   * size is still `expectedOldSize` (0 = never cosigned). tlog-witness needs
   * this: two add-checkpoint requests that both verified a consistency proof from
   * the same old size must not both win, or the second would overwrite a newer
   * checkpoint with an older one (the rollback race the spec describes).
   */
  advanceWitness(origin: string, expectedOldSize: number, next: WitnessState, nowMs: number): Promise<WitnessAdvance>;
}
