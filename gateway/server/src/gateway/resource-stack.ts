/**
 * What a running gateway holds open (timers, workers, pools, listeners), closed in the reverse
 * order it was opened: by a failed start, so it leaves nothing behind, and by close(), so the
 * listener stops before the store it writes to. One list for both, so the two cannot drift.
 */
export interface ResourceStack {
  /** Registers how to close what was just opened. */
  defer(close: () => unknown): void;
  /**
   * Closes everything, newest first, each once, even when one fails; the first failure is
   * rethrown after all ran. Idempotent: a second call returns the first call's promise.
   */
  close(): Promise<void>;
}

export function createResourceStack(): ResourceStack {
  const closers: (() => unknown)[] = [];
  let closing: Promise<void> | undefined;
  return {
    defer(close) {
      if (closing !== undefined) throw new Error("the resource stack is already closed");
      closers.push(close);
    },
    close() {
      closing ??= (async () => {
        let failure: { error: unknown } | undefined;
        for (const close of closers.reverse()) {
          try {
            await close();
          } catch (error) {
            failure ??= { error };
          }
        }
        if (failure !== undefined) throw failure.error;
      })();
      return closing;
    },
  };
}
