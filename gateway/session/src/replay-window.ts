import { defaultLimits } from "./protocol-constants.js";
import { SessionError } from "./session-error.js";

/**
 * Remembers (session id, nonce) pairs for 2 × clock skew after they are first
 * seen. A request is only accepted while |now − ts| ≤ skew, and its entry
 * outlives that (now + 2·skew ≥ ts + skew), so a nonce is never forgotten
 * while its request could still pass the timestamp check.
 *
 * Bounded: at the hard cap (global, or per session) a fresh nonce is REFUSED
 * with replay-window-full rather than an old entry evicted, because evicting
 * would reopen the replay the entry guards against. Refusal is transient:
 * entries expire within 2·skew. The per-session cap stops one busy or hostile
 * session from locking every other session out.
 *
 * Only admit nonces of requests whose MAC has verified, or an attacker
 * could fill the window with garbage.
 */
export interface ReplayWindowOptions {
  readonly clockSkewMs?: number;
  readonly maxEntries?: number;
  readonly maxEntriesPerSession?: number;
}

export interface ReplayWindow {
  /**
   * Records the pair or throws replay / replay-window-full. Either may be given as its lowercase
   * hex instead of bytes (the verifier has both in hex already).
   */
  admit(sessionId: Uint8Array | string, nonce: Uint8Array | string, now: number): void;
  /** True if the pair was admitted and has not expired yet (records nothing). */
  seen(sessionHex: string, nonceHex: string): boolean;
  readonly size: number;
  /** Sessions that made at least one call within the window: the gateway's "active sessions". */
  readonly sessions: number;
}

interface Entry {
  readonly session: string;
  readonly nonce: string;
  readonly expiresAt: number;
}

export function createReplayWindow(options: ReplayWindowOptions = {}): ReplayWindow {
  const ttl = 2 * (options.clockSkewMs ?? defaultLimits.clockSkewMs);
  const maxEntries = options.maxEntries ?? defaultLimits.replayWindowMaxEntries;
  const maxPerSession = options.maxEntriesPerSession ?? defaultLimits.replayWindowMaxEntriesPerSession;
  if (!(ttl > 0 && maxEntries > 0 && maxPerSession > 0)) {
    throw new SessionError("invalid-config", "replay window limits must be positive");
  }
  const sessions = new Map<string, Set<string>>();
  // Insertion order ≈ expiry order (same ttl, clock mostly monotonic). If the
  // clock steps back, later entries may sit behind earlier ones: they are then
  // forgotten late, never early, which is the safe direction.
  let queue: Entry[] = [];
  let head = 0;
  let size = 0;

  function purge(now: number): void {
    for (;;) {
      const e = queue[head];
      if (e === undefined || e.expiresAt > now) break;
      head++;
      const set = sessions.get(e.session);
      if (set !== undefined) {
        set.delete(e.nonce);
        if (set.size === 0) sessions.delete(e.session);
      }
      size--;
    }
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  }

  return {
    admit(sessionId, nonce, now) {
      purge(now);
      const session = typeof sessionId === "string" ? sessionId : Buffer.from(sessionId).toString("hex");
      const key = typeof nonce === "string" ? nonce : Buffer.from(nonce).toString("hex");
      const set = sessions.get(session);
      if (set?.has(key)) throw new SessionError("replay", "nonce already used in this session");
      if (size >= maxEntries) throw new SessionError("replay-window-full", "replay window at its global cap");
      if (set !== undefined && set.size >= maxPerSession) {
        throw new SessionError("replay-window-full", "replay window at its per-session cap");
      }
      if (set === undefined) sessions.set(session, new Set([key]));
      else set.add(key);
      queue.push({ session, nonce: key, expiresAt: now + ttl });
      size++;
    },
    seen(sessionHex, nonceHex) {
      return sessions.get(sessionHex)?.has(nonceHex) === true;
    },
    get size() {
      return size;
    },
    get sessions() {
      return sessions.size;
    },
  };
}
