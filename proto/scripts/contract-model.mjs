// The contract as postgen.mjs reads it: an index of the `buf build` JSON image (messages, enums,
// services by fully-qualified name) and the resolution of option paths ("lookup.licence_id") into
// field steps. Pure functions of the image; no I/O.

/** Thrown with every problem found, so that one run of `npm run generate` lists them all. */
export class ContractError extends Error {
  constructor(problems) {
    super(`the contract's options are inconsistent:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ContractError";
    this.problems = problems;
  }
}

/** Collects problems; `check(cond, message)` records one when cond is false. */
export function createProblems() {
  const list = [];
  return {
    list,
    add(message) {
      list.push(message);
    },
    check(condition, message) {
      if (!condition) list.push(message);
      return condition;
    },
    throwIfAny() {
      if (list.length > 0) throw new ContractError(list);
    },
  };
}

const descriptorTypes = {
  TYPE_DOUBLE: "double",
  TYPE_FLOAT: "float",
  TYPE_INT64: "int64",
  TYPE_UINT64: "uint64",
  TYPE_INT32: "int32",
  TYPE_FIXED64: "fixed64",
  TYPE_FIXED32: "fixed32",
  TYPE_BOOL: "bool",
  TYPE_STRING: "string",
  TYPE_GROUP: "group",
  TYPE_MESSAGE: "message",
  TYPE_BYTES: "bytes",
  TYPE_UINT32: "uint32",
  TYPE_ENUM: "enum",
  TYPE_SFIXED32: "sfixed32",
  TYPE_SFIXED64: "sfixed64",
  TYPE_SINT32: "sint32",
  TYPE_SINT64: "sint64",
};

/** The short type name of a FieldDescriptorProto ("string", "message", ...). */
export function fieldType(field) {
  const type = descriptorTypes[field.type];
  if (type === undefined) throw new Error(`unknown field type ${field.type}`);
  return type;
}

/** Messages, enums and services of an image by fully-qualified name, with the file of each. */
export function indexImage(image) {
  const messages = new Map();
  const enums = new Map();
  const services = [];
  function collect(prefix, file, messageList, enumList) {
    for (const e of enumList ?? []) enums.set(`${prefix}.${e.name}`, { ...e, fullName: `${prefix}.${e.name}`, file });
    for (const m of messageList ?? []) {
      const fullName = `${prefix}.${m.name}`;
      messages.set(fullName, { ...m, fullName, file });
      collect(fullName, file, m.nestedType, m.enumType);
    }
  }
  for (const file of image.file) {
    collect(file.package, file.name, file.messageType, file.enumType);
    for (const s of file.service ?? []) services.push({ ...s, fullName: `${file.package}.${s.name}`, file: file.name });
  }
  return { files: image.file, messages, enums, services };
}

/** The numbers of every member of the real (not proto3-optional) oneof of `field` in `message`, or undefined. */
export function oneofMembers(message, field) {
  if (field.oneofIndex === undefined || field.proto3Optional) return undefined;
  return (message.field ?? [])
    .filter((f) => f.oneofIndex === field.oneofIndex && !f.proto3Optional)
    .map((f) => f.number)
    .sort((a, b) => a - b);
}

export const typeNameOf = (field) => (field.typeName ?? "").replace(/^\./, "");

/**
 * Resolves `path` (dotted field names) from message `root`: the steps (name, number, type,
 * oneof members), the last field and its message type when it is one. Returns a string saying what
 * is wrong instead: a segment that does not exist, a segment below a non-message, or (unless
 * allowRepeated) a repeated field.
 */
export function resolvePath(model, root, path, { allowRepeated = false } = {}) {
  if (typeof path !== "string" || path === "") return "the path is empty";
  const steps = [];
  let message = model.messages.get(root);
  let last;
  const segments = path.split(".");
  for (const [i, segment] of segments.entries()) {
    if (message === undefined) return `"${segments.slice(0, i).join(".")}" is not a message, so it has no "${segment}"`;
    const field = (message.field ?? []).find((f) => f.name === segment);
    if (field === undefined) return `${message.fullName} has no field "${segment}"`;
    const repeated = field.label === "LABEL_REPEATED";
    if (repeated && !allowRepeated) {
      return `"${segments.slice(0, i + 1).join(".")}" is repeated (a path here must name a single value)`;
    }
    const step = { name: field.name, number: field.number, type: fieldType(field) };
    const members = oneofMembers(message, field);
    if (members !== undefined) step.oneof = members;
    steps.push(step);
    last = { field, repeated, message: field.type === "TYPE_MESSAGE" ? typeNameOf(field) : undefined };
    message = last.message === undefined ? undefined : model.messages.get(last.message);
  }
  return { steps, field: last.field, message: last.message, repeated: last.repeated };
}

/** Messages reachable from `roots` through message fields (roots included), sorted. */
export function reachableMessages(model, roots) {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name) || !model.messages.has(name)) return;
    seen.add(name);
    for (const f of model.messages.get(name).field ?? []) if (f.type === "TYPE_MESSAGE") visit(typeNameOf(f));
  };
  for (const r of roots) visit(r);
  return [...seen].sort();
}
