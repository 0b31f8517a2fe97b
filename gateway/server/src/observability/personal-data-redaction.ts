import { personalFields } from "@hutong/proto";

/**
 * Keys that carry personal data but are not (or not yet) fields of the contract, e.g. in
 * backend payloads a connector might log.
 */
const extraPersonalKeys = ["mobile", "passengerName", "passenger_name", "passengerIdNo", "passenger_id_no"];

/**
 * Every field the contract marks personal, by proto name and by TypeScript name, plus a few
 * common names outside the contract. Fields that only lead to personal fields (a `Ticket`'s
 * `passenger`) are not listed: the walk reaches the personal leaves inside them.
 */
export const personalDataKeys: ReadonlySet<string> = (() => {
  const keys = new Set<string>(extraPersonalKeys);
  for (const fields of personalFields.values()) {
    for (const f of fields) {
      if (f.kind === undefined) continue;
      keys.add(f.field);
      keys.add(f.tsName);
    }
  }
  return keys;
})();

export interface PersonalDataRedactorOptions {
  readonly censor: string;
  readonly keys?: ReadonlySet<string>;
  /** Nesting below this is replaced by the censor whole: nothing unredacted escapes, cycles end. */
  readonly maxDepth?: number;
}

/**
 * A pure function that returns its argument with every personal key, at any depth, replaced by
 * the censor. It copies only the objects and arrays on the way to a replaced value and returns
 * the input itself when there is nothing to redact, so a log line without personal data costs
 * one set lookup per key. Only plain objects and arrays are walked: class instances (Error,
 * Buffer, Date, Map) are left to their serializers.
 */
export function createPersonalDataRedactor(options: PersonalDataRedactorOptions): <T>(value: T) => T {
  const { censor } = options;
  const keys = options.keys ?? personalDataKeys;
  const maxDepth = options.maxDepth ?? 32;

  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value !== "object" || value === null) return value;
    if (Array.isArray(value)) {
      if (depth >= maxDepth) return censor;
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const redacted = walk(item, depth + 1);
        if (redacted !== item) {
          copy ??= value.slice();
          copy[i] = redacted;
        }
      }
      return copy ?? value;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    if (depth >= maxDepth) return censor;
    const record = value as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const key of Object.keys(record)) {
      const item = record[key];
      const redacted = keys.has(key) ? censor : walk(item, depth + 1);
      if (redacted !== item) {
        copy ??= { ...record };
        copy[key] = redacted;
      }
    }
    return copy ?? value;
  };

  return <T>(value: T): T => walk(value, 0) as T;
}
