import { SessionError } from "@hutong/session";
import { GatewayError } from "../gateway-error.js";
import type { ReplayEntry, ReplayStore } from "../store/port/replay-store.js";

export interface SharedReplayWindowOptions {
  readonly store: ReplayStore;
  /** How long a pair is remembered: 2 × the clock skew, as the per-process window. */
  readonly ttlMs: number;
  readonly now: () => number;
  /** Pairs per statement (default 512). */
  readonly maxBatch?: number;
  /** How often expired pairs are deleted (default ttlMs); each replica purges, which is harmless. */
  readonly purgeEveryMs?: number;
  readonly onPurgeError?: (err: unknown) => void;
}

/**
 * The replay check across replicas (`session.replayWindow: shared`, docs/gateway.md): after a call's
 * MAC has verified and the per-process window admitted its nonce, the pair is recorded in the store
 * the replicas share, and a pair another replica recorded first refuses the call as `replay`.
 * Admissions wait in a batch while one statement is in flight (as the audit log's group commit),
 * so the cost is one round trip per batch, not per call. A store that cannot answer refuses the
 * call (`replay-check-unavailable`, UNAVAILABLE): failing open would reopen the replay.
 */
export interface SharedReplayWindow {
  admit(sessionId: Uint8Array, nonce: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

interface Pending {
  readonly entry: ReplayEntry;
  resolve(): void;
  reject(err: unknown): void;
}

export function createSharedReplayWindow(options: SharedReplayWindowOptions): SharedReplayWindow {
  const maxBatch = options.maxBatch ?? 512;
  let queue: Pending[] = [];
  let flushing: Promise<void> | undefined;
  let closed = false;

  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        const fresh = await options.store.admitNonces(
          batch.map((p) => p.entry),
          options.now(),
        );
        batch.forEach((p, i) => {
          if (fresh[i] === true) p.resolve();
          else p.reject(new SessionError("replay", "nonce already used in this session (seen by another replica)"));
        });
      } catch (cause) {
        const err = new GatewayError("replay-check-unavailable", "the shared replay window cannot be asked; retry", {
          cause,
        });
        for (const p of batch) p.reject(err);
      }
    }
  }

  // One flush at a time; a pair queued after the loop's last look starts the next one.
  function kick(): void {
    if (flushing !== undefined) return;
    flushing = flush().finally(() => {
      flushing = undefined;
      if (queue.length > 0) kick();
    });
  }

  const purge = setInterval(() => {
    options.store.purgeNonces(options.now()).catch((err: unknown) => options.onPurgeError?.(err));
  }, options.purgeEveryMs ?? options.ttlMs);
  purge.unref();

  return {
    admit(session, nonce) {
      if (closed) return Promise.reject(new GatewayError("replay-check-unavailable", "the gateway is closing"));
      const done = new Promise<void>((resolve, reject) => {
        queue.push({ entry: { session, nonce, expiresMs: options.now() + options.ttlMs }, resolve, reject });
      });
      kick();
      return done;
    },
    async close() {
      closed = true;
      clearInterval(purge);
      await flushing;
    },
  };
}
