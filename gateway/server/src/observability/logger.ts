import { type DestinationStream, type Logger, pino } from "pino";
import { redactFreeText } from "./free-text-redaction.js";
import { createPersonalDataRedactor, personalDataKeys } from "./personal-data-redaction.js";

export type { Logger };

export interface LoggerOptions {
  /** pino level: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent". */
  readonly level: string;
  /** Tests: where the JSON lines go (default stdout). */
  readonly destination?: DestinationStream;
  /** Written into every line as `party`. */
  readonly party: string;
}

export const redactionCensor = "[redacted]";

/**
 * pino's error serializer, with every string of the result (message, stack, causes, other fields)
 * through the free-text redactor: an error's message is free text, and may quote what it failed on.
 */
function redactedError(value: unknown): unknown {
  const serialized: unknown = pino.stdSerializers.err(value as Error);
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return redactFreeText(v, { maxLength: 8192 });
    if (typeof v !== "object" || v === null || depth > 4) return typeof v === "object" && v !== null ? "[object]" : v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const key in v) out[key] = walk((v as Record<string, unknown>)[key], depth + 1);
    return out;
  };
  return walk(serialized, 0);
}

/**
 * JSON lines with `party` on each. Log calls must not pass personal data in the first place;
 * redaction is the defence in depth, in three layers:
 * - pino `redact` on the personal keys at the top level, which also covers what serializers
 *   return and the top level of objects interpolated into the message (`%o`);
 * - a copy-on-write walk of every logged object and child's bindings for personal keys at any depth;
 * - the free-text redactor over every string of a logged error (`err`), whose message is free text.
 * pino's own wildcard paths (`*.idNo`, `*.*.idNo`, ...) would do the second job, but measured
 * here they cost 20 µs per line per level of depth even on a flat record, against ~2 µs for the
 * whole line without them.
 */
export function createLogger(options: LoggerOptions): Logger {
  const redact = createPersonalDataRedactor({ censor: redactionCensor });
  const config = {
    level: options.level,
    // No pid/hostname: the party and the deployment identify the gateway.
    base: { party: options.party },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: redactedError },
    formatters: {
      level: (label: string) => ({ level: label }),
      log: (object: Record<string, unknown>) => redact(object),
    },
    redact: { paths: [...personalDataKeys], censor: redactionCensor },
  };
  const logger = options.destination === undefined ? pino(config) : pino(config, options.destination);
  // pino skips `formatters.bindings` for children, so their bindings are walked here. Children
  // inherit from their parent, so grandchildren go through this too.
  const pinoChild = logger.child;
  logger.child = function child(this: Logger, bindings, childOptions) {
    return pinoChild.call(this, redact(bindings), childOptions);
  } as Logger["child"];
  return logger;
}
