import type { Logger } from "./logger.js";

/** One log line's worth of a condition: built only when a line is actually written. */
export interface ConditionLine {
  readonly level: "info" | "warn" | "error";
  readonly message: string;
  /** Non-personal facts (parties, method, closed codes); the first occurrence's are the sample. */
  readonly facts: Readonly<Record<string, unknown>>;
  /** Logged (with its stack) on the first occurrence in an interval only. */
  readonly err?: unknown;
}

export interface ConditionLogOptions {
  readonly logger: Logger;
  /** How often a condition that keeps happening is summarised; default 60 s. */
  readonly intervalMs?: number;
  /**
   * Most distinct conditions tracked at once (memory stays bounded whatever the keys); occurrences
   * of further ones are counted together and summarised in one line. Default 1000.
   */
  readonly maxConditions?: number;
}

export interface ConditionLog {
  /**
   * One occurrence of the condition `key` (built from closed values only: codes, method names,
   * parties). The first occurrence is logged at once with `count: 1`; later ones within the
   * interval are counted, and summarised at its end in one line with their `count`. A condition
   * quiet for a whole interval is forgotten, so its next occurrence is logged at once again.
   */
  report(key: string, line: () => ConditionLine): void;
  /** Writes the pending summaries now (the interval's timer does this too). */
  flush(): void;
  /** Stops the timer and writes what is pending: a count is never lost on shutdown. */
  close(): void;
}

interface Tracked {
  readonly level: ConditionLine["level"];
  readonly message: string;
  readonly sample: Readonly<Record<string, unknown>>;
  /** Occurrences not yet written in a line. */
  pending: number;
  /** Interval start of the last line or first occurrence, for the summary's `sinceMs`. */
  since: number;
}

/**
 * One log line per condition per interval instead of one per event (issue 11: 10,000 refused calls
 * wrote 2.4 MB of log). Every line carries `count`, the number of occurrences it stands for, so the
 * counts of a condition's lines add up to its occurrences. At most 1 + ⌈T / interval⌉ lines per
 * condition over T, and `maxConditions` conditions at a time (plus one overflow line per interval).
 */
export function createConditionLog(options: ConditionLogOptions): ConditionLog {
  const { logger } = options;
  const intervalMs = options.intervalMs ?? 60_000;
  const maxConditions = options.maxConditions ?? 1000;
  const tracked = new Map<string, Tracked>();
  let overflow = 0;

  const write = (level: Tracked["level"], facts: Readonly<Record<string, unknown>>, message: string) => {
    logger[level](facts, message);
  };

  const flush = () => {
    const now = Date.now();
    for (const [key, t] of tracked) {
      if (t.pending === 0) {
        tracked.delete(key);
        continue;
      }
      write(t.level, { ...t.sample, count: t.pending, summary: true, sinceMs: now - t.since }, t.message);
      t.pending = 0;
      t.since = now;
    }
    if (overflow > 0) {
      write(
        "warn",
        { count: overflow, summary: true },
        "more distinct conditions than the log tracks; counted together",
      );
      overflow = 0;
    }
  };
  const timer = setInterval(flush, intervalMs);
  timer.unref();

  return {
    report(key, line) {
      const known = tracked.get(key);
      if (known !== undefined) {
        known.pending++;
        return;
      }
      if (tracked.size >= maxConditions) {
        overflow++;
        return;
      }
      const l = line();
      tracked.set(key, { level: l.level, message: l.message, sample: l.facts, pending: 0, since: Date.now() });
      write(l.level, l.err === undefined ? { ...l.facts, count: 1 } : { ...l.facts, count: 1, err: l.err }, l.message);
    },
    flush,
    close() {
      clearInterval(timer);
      flush();
    },
  };
}
