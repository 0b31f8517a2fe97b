/** One (session, nonce) pair of a verified call, remembered until `expiresMs`. */
export interface ReplayEntry {
  /** The session id (16 bytes). */
  readonly session: Uint8Array;
  /** The call's nonce (16 bytes). */
  readonly nonce: Uint8Array;
  /** When the pair may be forgotten: first seen + 2 × clock skew (docs/session-protocol.md §8). */
  readonly expiresMs: number;
}

/**
 * The replay window shared by every replica of a gateway (`session.replayWindow: shared`): each
 * pair is recorded once, atomically, whichever replica sees it first, so a call replayed to
 * another replica is refused there. Only a store that several processes share offers it
 * (PostgreSQL); the per-process window in @hutong/session stays in front of it.
 */
export interface ReplayStore {
  /**
   * Records the pairs; for each, in order, true when it was fresh (not recorded, or recorded but
   * expired by `nowMs`) and false when another call already used it.
   */
  admitNonces(entries: readonly ReplayEntry[], nowMs: number): Promise<readonly boolean[]>;
  /** Forgets the pairs expired by `nowMs`; returns how many. */
  purgeNonces(nowMs: number): Promise<number>;
}
