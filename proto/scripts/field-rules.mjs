// The data rules of the contract: (hutong.v1.rule) on fields and (hutong.v1.detail) on the values
// of an enum of record kinds (options.proto). Checked here, so that a rule a checker could not
// apply, or could apply in only one language, fails generation instead of passing every record;
// the data of gen/field-rules.ts comes out. Pure: a function of the indexed image.
import { fieldType, oneofMembers, typeNameOf } from "./contract-model.mjs";

const pkg = "hutong.v1";
const ruleOption = `[${pkg}.rule]`;
const detailOption = `[${pkg}.detail]`;
const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

const numberTypes = new Set([
  "double",
  "float",
  "int32",
  "uint32",
  "sint32",
  "fixed32",
  "sfixed32",
  "int64",
  "uint64",
  "sint64",
  "fixed64",
  "sfixed64",
]);
const integerTypes = new Set([...numberTypes].filter((t) => t !== "double" && t !== "float"));

/** The kind a checker treats a value of `field` as, or undefined when no rule applies to it. */
function valueKind(field) {
  const type = fieldType(field);
  if (type === "string" || type === "enum" || type === "message") return type;
  return numberTypes.has(type) ? "number" : undefined;
}

const isMapField = (model, field) =>
  field.type === "TYPE_MESSAGE" && model.messages.get(typeNameOf(field))?.options?.mapEntry === true;

/**
 * Why `pattern` cannot be a rule: it does not compile as ECMAScript (anchored, u flag), or it uses
 * what RE2 lacks (lookaround, backreferences). Undefined when it can.
 */
export function patternProblem(pattern) {
  try {
    new RegExp(`^(?:${pattern})$`, "u");
  } catch (e) {
    return `does not compile (${e.message})`;
  }
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const next = pattern[i + 1] ?? "";
      if (/[1-9k]/.test(next)) return `uses a backreference (\\${next}), which RE2 does not support`;
      i++;
    } else if (inClass) {
      if (c === "]") inClass = false;
    } else if (c === "[") {
      inClass = true;
    } else if (c === "(" && /^\(\?<?[=!]/.test(pattern.slice(i, i + 4))) {
      return "uses a lookaround, which RE2 does not support";
    }
  }
  return undefined;
}

/** The checked rule of one field, or undefined after recording why it cannot be one. */
function checkRule(problems, message, field, rule, oneof) {
  const where = `${message.fullName}.${field.name} (${pkg}.rule)`;
  const repeated = field.label === "LABEL_REPEATED";
  const kind = valueKind(field);
  const type = fieldType(field);
  const before = problems.list.length;
  const on = `a ${repeated ? "repeated " : ""}field of type ${type}`;
  if (kind === undefined) {
    problems.add(`${where}: a rule cannot apply to ${on}`);
    return undefined;
  }
  const out = {};
  const has = (v) => v !== undefined && v !== "" && v !== 0 && v !== false;
  if (rule.required === true) {
    if (oneof !== undefined) {
      problems.add(
        `${where}: required on a member of the oneof "${oneof}" (which member is set is the record's kind's business: (${pkg}.detail))`,
      );
    }
    out.required = true;
  }
  const stringOnly = ["pattern", "message", "maxLen", "date"].filter((k) => has(rule[k]));
  const numberOnly = ["min", "max"].filter((k) => rule[k] !== undefined);
  const snake = (k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  if (kind !== "string" && stringOnly.length > 0)
    problems.add(`${where}: ${stringOnly.map(snake).join(", ")} cannot apply to ${on}`);
  if (kind !== "number" && numberOnly.length > 0)
    problems.add(`${where}: ${numberOnly.join(", ")} cannot apply to ${on}`);
  if (has(rule.pattern)) {
    const why = patternProblem(rule.pattern);
    if (why !== undefined) problems.add(`${where}: pattern ${JSON.stringify(rule.pattern)} ${why}`);
    out.pattern = rule.pattern;
  }
  if (has(rule.message)) {
    problems.check(
      has(rule.pattern),
      `${where}: message is the reason for a pattern mismatch, but there is no pattern`,
    );
    out.message = rule.message;
  }
  if (has(rule.maxLen)) out.maxLen = rule.maxLen;
  if (rule.date === true) out.date = true;
  for (const k of numberOnly) {
    const bound = rule[k];
    if (integerTypes.has(type))
      problems.check(Number.isSafeInteger(bound), `${where}: ${k} ${bound} is not an integer, as ${on} holds`);
    out[k] = bound;
  }
  if (out.min !== undefined && out.max !== undefined)
    problems.check(out.min <= out.max, `${where}: min ${out.min} is greater than max ${out.max}`);
  problems.check(Object.keys(out).length > 0, `${where}: the rule says nothing`);
  return problems.list.length === before ? out : undefined;
}

/** Messages with rules or kind details, and those that lead to one through message fields. */
function ruleReach(model, roots, problems) {
  const reaches = new Set(roots);
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, m] of model.messages) {
      if (reaches.has(name)) continue;
      if ((m.field ?? []).some((f) => f.type === "TYPE_MESSAGE" && reaches.has(typeNameOf(f)))) {
        reaches.add(name);
        changed = true;
      }
    }
  }
  // A checker walks ts-proto objects through singular and repeated fields; a map's values it does not.
  for (const name of reaches) {
    for (const f of model.messages.get(name).field ?? []) {
      if (!isMapField(model, f)) continue;
      const value = model.messages.get(typeNameOf(f)).field.find((v) => v.number === 2);
      if (value?.type === "TYPE_MESSAGE" && reaches.has(typeNameOf(value)))
        problems.add(`${name}.${f.name}: the values of a map hold data rules, which are not checked inside maps`);
    }
  }
  return reaches;
}

/**
 * (hutong.v1.detail) on the values of each enum that has it: every nonzero value names a member of
 * one oneof of the one message that has a singular field of the enum's type and such a oneof.
 */
function checkKindDetails(model, problems) {
  const out = [];
  for (const [enumName, e] of [...model.enums].sort(([a], [b]) => a.localeCompare(b))) {
    const values = (e.value ?? []).filter((v) => v.number !== 0);
    if (!values.some((v) => v.options?.[detailOption] !== undefined)) continue;
    const before = problems.list.length;
    problems.check(
      (e.value ?? []).find((v) => v.number === 0)?.options?.[detailOption] === undefined,
      `${enumName}: its zero value names a detail; a record of no kind carries none`,
    );
    for (const v of values)
      problems.check(
        typeof v.options?.[detailOption] === "string" && v.options[detailOption] !== "",
        `${enumName}.${v.name} names no (${pkg}.detail), as every kind of ${enumName} must`,
      );
    // Candidates: a singular, non-oneof field of the enum's type, and the real oneofs beside it.
    const holders = [];
    for (const [name, m] of [...model.messages].sort(([a], [b]) => a.localeCompare(b))) {
      const kindField = (m.field ?? []).find(
        (f) =>
          f.type === "TYPE_ENUM" &&
          typeNameOf(f) === enumName &&
          f.label !== "LABEL_REPEATED" &&
          oneofMembers(m, f) === undefined,
      );
      if (kindField === undefined) continue;
      const oneofs = (m.oneofDecl ?? []).map((o, i) => ({
        name: o.name,
        members: (m.field ?? []).filter((f) => f.oneofIndex === i && !f.proto3Optional),
      }));
      holders.push({ name, kindField, oneofs: oneofs.filter((o) => o.members.length > 0) });
    }
    const named = values.filter((v) => typeof v.options?.[detailOption] === "string");
    for (const v of named) {
      const member = v.options[detailOption];
      problems.check(
        holders.some((h) => h.oneofs.some((o) => o.members.some((f) => f.name === member))),
        `${enumName}.${v.name} (${pkg}.detail): "${member}" is not a oneof member of any message with a ${enumName} field`,
      );
    }
    if (problems.list.length > before) continue;
    const fits = holders.flatMap((h) =>
      h.oneofs
        .filter((o) => named.every((v) => o.members.some((f) => f.name === v.options[detailOption])))
        .map((o) => ({ ...h, oneof: o })),
    );
    if (
      !problems.check(
        fits.length === 1,
        fits.length === 0
          ? `${enumName} (${pkg}.detail): the members named are not in one oneof of one message`
          : `${enumName} (${pkg}.detail): ambiguous, the members named are in ${fits.map((f) => `${f.name}.${f.oneof.name}`).join(" and ")}`,
      )
    )
      continue;
    const [fit] = fits;
    out.push({
      enumName,
      message: fit.name,
      kindField: fit.kindField.name,
      oneof: fit.oneof.name,
      members: fit.oneof.members.map((f) => f.name),
      details: named.map((v) => ({ kind: v.name, number: v.number, field: v.options[detailOption] })),
    });
  }
  return out;
}

/**
 * The data rules: per message (sorted), its fields that carry a rule or lead to messages with
 * rules, in number order; and the kind details. Records problems; the result is meaningful only
 * when there are none.
 */
export function checkFieldRules(model, problems) {
  const kindDetails = checkKindDetails(model, problems);
  const ruled = new Map();
  for (const [name, m] of model.messages) {
    for (const f of m.field ?? []) {
      const rule = f.options?.[ruleOption];
      if (rule === undefined) continue;
      if (isMapField(model, f)) {
        problems.add(`${name}.${f.name} (${pkg}.rule): a rule cannot apply to a map field`);
        continue;
      }
      const members = oneofMembers(m, f);
      const oneof = members === undefined ? undefined : m.oneofDecl[f.oneofIndex].name;
      const checked = checkRule(problems, m, f, rule, oneof);
      if (checked === undefined) continue;
      if (!ruled.has(name)) ruled.set(name, new Map());
      ruled.get(name).set(f.name, checked);
    }
  }
  const reaches = ruleReach(model, [...ruled.keys(), ...kindDetails.map((k) => k.message)], problems);
  const messages = [];
  for (const name of [...reaches].sort()) {
    const m = model.messages.get(name);
    const fields = [];
    for (const f of [...(m.field ?? [])].sort((a, b) => a.number - b.number)) {
      const rule = ruled.get(name)?.get(f.name);
      const below = f.type === "TYPE_MESSAGE" && !isMapField(model, f) && reaches.has(typeNameOf(f));
      if (rule === undefined && !below) continue;
      const kind = valueKind(f);
      const entry = {
        field: f.name,
        tsName: camel(f.name),
        number: f.number,
        kind: f.label === "LABEL_REPEATED" ? "repeated" : kind,
      };
      if (f.label === "LABEL_REPEATED") entry.element = kind;
      const members = oneofMembers(m, f);
      if (members !== undefined) entry.oneof = camel(m.oneofDecl[f.oneofIndex].name);
      if (below) entry.message = typeNameOf(f);
      if (kind === "enum" && rule !== undefined) {
        entry.enumName = typeNameOf(f);
        entry.values = (model.enums.get(entry.enumName)?.value ?? []).map((v) => v.number).sort((a, b) => a - b);
      }
      if (rule !== undefined) entry.rule = rule;
      fields.push(entry);
    }
    messages.push({ name, fields });
  }
  return { messages, kindDetails };
}
