import {
  type FieldRuleSpec,
  fieldRules,
  type KindDetails,
  kindDetails,
  type Licence,
  type RuleField,
} from "@hutong/proto";

/** A data rule a record breaks. */
export interface RuleViolation {
  /**
   * Where, from the message checked: proto field names joined by dots, an element of a repeated
   * field by its index ("operating_permit.holder_uscc", "events[2].licence.valid_to").
   */
  readonly path: string;
  /** Why, for the person who fixes the record ("is required", "is longer than 50 characters"). */
  readonly reason: string;
}

// The contract's kind details by the message they are about, so a walk finds them at any depth.
const detailsByMessage: ReadonlyMap<string, KindDetails> = new Map(
  [...kindDetails.values()].map((k) => [k.message, k]),
);

type Fields = Readonly<Record<string, unknown>>;

const isObject = (v: unknown): v is Fields => typeof v === "object" && v !== null;

/** The field's value in a ts-proto object; a oneof member's only while its case is set. */
function read(obj: Fields, f: RuleField): unknown {
  if (f.oneof === undefined) return obj[f.tsName];
  const union = obj[f.oneof];
  return isObject(union) && union.$case === f.tsName ? union.value : undefined;
}

/** Proto3 has no presence for scalars: their zero is "not given". */
const given = (v: unknown): boolean => v !== undefined && v !== null && v !== "" && v !== 0 && v !== 0n;

/** In the proleptic Gregorian calendar, as GB/T 7408 counts. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** "YYYY-MM-DD" (GB/T 7408's calendar date, extended format) naming a day that exists. */
export function isCivilDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m === null) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** The reasons a given (non-zero) value breaks `rule`, for a value of `kind`. */
function valueReasons(kind: RuleField["element"], f: RuleField, rule: FieldRuleSpec, v: unknown): string[] {
  const out: string[] = [];
  if (kind === "string") {
    if (typeof v !== "string") return ["is not a string"];
    const length = [...v].length;
    if (rule.maxLen !== undefined && length > rule.maxLen)
      out.push(`is longer than ${rule.maxLen} characters (${length})`);
    if (rule.date === true && !isCivilDate(v)) out.push("is not a YYYY-MM-DD date that exists");
    if (rule.pattern !== undefined && !rule.pattern.test(v))
      out.push(rule.message ?? `does not match the pattern ${rule.pattern.source}`);
  } else if (kind === "number") {
    if (typeof v !== "number" && typeof v !== "bigint") return ["is not a number"];
    const n = Number(v);
    if (rule.min !== undefined && n < rule.min) out.push(`is less than ${rule.min} (${v})`);
    if (rule.max !== undefined && n > rule.max) out.push(`is more than ${rule.max} (${v})`);
  } else if (kind === "enum" && f.values !== undefined && !f.values.includes(v as number)) {
    out.push(`${String(v)} is not a value of ${f.enumName}`);
  }
  return out;
}

function walk(messageName: string, obj: Fields, prefix: string, out: RuleViolation[]): void {
  for (const f of fieldRules.get(messageName) ?? []) {
    const path = `${prefix}${f.field}`;
    const value = read(obj, f);
    const rule = f.rule;
    if (f.kind === "repeated") {
      const items: readonly unknown[] = Array.isArray(value) ? value : [];
      if (rule?.required === true && items.length === 0) out.push({ path, reason: "is required (at least one)" });
      items.forEach((item, i) => {
        const at = `${path}[${i}]`;
        if (rule !== undefined && given(item))
          for (const reason of valueReasons(f.element, f, rule, item)) out.push({ path: at, reason });
        if (f.message !== undefined && isObject(item)) walk(f.message, item, `${at}.`, out);
      });
      continue;
    }
    if (rule !== undefined) {
      if (!given(value)) {
        if (rule.required === true) out.push({ path, reason: "is required" });
      } else {
        for (const reason of valueReasons(f.kind, f, rule, value)) out.push({ path, reason });
      }
    }
    if (f.message !== undefined && isObject(value)) walk(f.message, value, `${path}.`, out);
  }
  const details = detailsByMessage.get(messageName);
  if (details !== undefined) checkKindDetail(details, obj, prefix, out);
}

/** A record of a known kind carries the oneof member its kind names (and no other). */
function checkKindDetail(k: KindDetails, obj: Fields, prefix: string, out: RuleViolation[]): void {
  const kind = obj[k.kindField.tsName];
  const expected = typeof kind === "number" ? k.details.get(kind) : undefined;
  // No kind, or one the enum does not define: the kind field's own rule says so.
  if (expected === undefined) return;
  const union = obj[k.oneof.tsName];
  const actual = isObject(union) && typeof union.$case === "string" ? union.$case : undefined;
  if (actual === expected.tsName) return;
  const carried = actual === undefined ? "" : ` (it carries ${k.oneof.members.get(actual) ?? actual})`;
  out.push({ path: `${prefix}${expected.field}`, reason: `is required for ${expected.kind}${carried}` });
}

/**
 * The data rules of the contract ((hutong.v1.rule), (hutong.v1.detail)) that `value`, a ts-proto
 * object of the message `messageName` (fully qualified), breaks, in field order, nested messages
 * included. [] for a message without rules. Pure.
 */
export function checkRecord(messageName: string, value: object): readonly RuleViolation[] {
  const out: RuleViolation[] = [];
  walk(messageName, value as Fields, "", out);
  return out;
}

/** checkRecord for a licence: its fields, the details its kind carries, and theirs. */
export function checkLicence(licence: Licence): readonly RuleViolation[] {
  return checkRecord("hutong.v1.Licence", licence);
}
