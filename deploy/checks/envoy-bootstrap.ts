// A strict offline check of an Envoy v3 bootstrap (YAML or its parsed object) against the Envoy API
// protos that @grpc/grpc-js-xds ships (deps/{envoy-api,xds,googleapis,protoc-gen-validate}). No
// Envoy binary runs on the build machines, and protobufjs' fromObject() silently drops unknown
// keys, so this walks the object itself, as Envoy's proto3 JSON loader would, and reports every
// problem with its path instead of the first one.
//
// Checked: every key is a field (proto name or json_name, as Envoy accepts both); scalars have
// their type and range (64-bit integers as numbers or decimal strings; enums by name, or by a
// defined number); repeated fields are lists, maps are objects with well-typed keys; at most one
// member of each oneof; the well-known types in their proto3 JSON form (Duration "2s", wrappers as
// bare scalars, Struct/Value as any JSON, Any with an "@type" that must resolve to a loaded message
// whose own fields are then checked; TypedStruct's value against its type_url); deprecated and
// disallowed-by-default fields, enum values and messages; and the protoc-gen-validate rules Envoy
// enforces at load time (required messages and oneofs, string lengths, numeric and duration bounds,
// list sizes), including on absent scalars, which PGV checks at their default value as Envoy does.
//
// Not checked: anything Envoy decides at run time or in C++ (extension names vs. registered
// factories, cross references such as a route's cluster existing, file paths, PGV's regex rules
// other than well_known_regex, string.pattern is best effort with JavaScript's RegExp).
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import protobuf from "protobufjs";
import { parseDocument } from "yaml";

export interface ConfigProblem {
  /** Where, as a JSON path with the keys as written: `static_resources.listeners[0].name`. */
  readonly path: string;
  readonly message: string;
}

const require = createRequire(import.meta.url);

/** Import roots: Envoy's API, its xds/udpa and googleapis dependencies, PGV, then protobufjs' own google/protobuf. */
function importRoots(): string[] {
  const deps = path.join(path.dirname(require.resolve("@grpc/grpc-js-xds/package.json")), "deps");
  return [
    ...["envoy-api", "xds", "googleapis", "protoc-gen-validate"].map((d) => path.join(deps, d)),
    path.dirname(require.resolve("protobufjs/package.json")),
  ];
}

const identifierPath = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * The loaded Envoy API. The bootstrap and what it imports load eagerly (about 300 files, ~0.1 s);
 * an extension's package (what an Any names) loads on first use, found by its package path, so a
 * config pays only for the extensions it uses.
 */
export class EnvoyApi {
  readonly root = new protobuf.Root();
  private readonly roots: readonly string[];
  private readonly triedDirs = new Set<string>();
  /** Why a package directory failed to load (a broken import), by its path under the roots. */
  private readonly failures = new Map<string, string>();

  constructor(roots: readonly string[] = importRoots()) {
    this.roots = roots;
    this.root.resolvePath = (_origin, target) => this.find(target) ?? target;
    this.root.loadSync(this.find("envoy/config/bootstrap/v3/bootstrap.proto") ?? "bootstrap.proto", { keepCase: true });
    // The well-known types come from protobufjs' built-ins; make sure all of them are there for Any.
    for (const wkt of ["any", "duration", "empty", "field_mask", "struct", "timestamp", "wrappers"]) {
      this.root.loadSync(`google/protobuf/${wkt}.proto`, { keepCase: true });
    }
  }

  private find(relative: string): string | undefined {
    if (path.isAbsolute(relative)) return relative;
    for (const root of this.roots) {
      const candidate = path.join(root, relative);
      if (existsSync(candidate)) return candidate;
    }
    return undefined;
  }

  /** The message type of a full name (no leading dot), loading its package on demand; undefined if none. */
  type(fullName: string): protobuf.Type | undefined {
    if (!identifierPath.test(fullName)) return undefined;
    const found = this.root.lookup(fullName);
    if (found instanceof protobuf.Type) return found;
    // Envoy's (and xds', googleapis') package = directory; nested messages make the name longer.
    const parts = fullName.split(".");
    for (let n = parts.length - 1; n >= 1; n--) {
      const rel = parts.slice(0, n).join("/");
      for (const root of this.roots) {
        const dir = path.join(root, rel);
        if (this.triedDirs.has(dir) || !isDirectory(dir)) continue;
        this.triedDirs.add(dir);
        const files = readdirSync(dir)
          .filter((f) => f.endsWith(".proto"))
          .map((f) => path.join(dir, f));
        if (files.length === 0) continue;
        try {
          this.root.loadSync(files, { keepCase: true });
        } catch (error) {
          this.failures.set(rel, error instanceof Error ? error.message : String(error));
          return undefined;
        }
        const loaded = this.root.lookup(fullName);
        if (loaded instanceof protobuf.Type) return loaded;
      }
    }
    return undefined;
  }

  /** Why type(fullName) found nothing, when loading its package failed. */
  failure(fullName: string): string | undefined {
    const parts = fullName.split(".");
    for (let n = parts.length - 1; n >= 1; n--) {
      const rel = parts.slice(0, n).join("/");
      const why = this.failures.get(rel);
      if (why !== undefined) return `${rel}: ${why}`;
    }
    return undefined;
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

let shared: EnvoyApi | undefined;

/** One loaded API per process: loading costs ~0.1 s, and checks of several configs share it. */
export function envoyApi(): EnvoyApi {
  shared ??= new EnvoyApi();
  return shared;
}

/** Checks `value` as the proto3 JSON of message `typeName` (a full name such as envoy.config.cluster.v3.Cluster). */
export function checkEnvoyMessage(value: unknown, typeName: string, api: EnvoyApi = envoyApi()): ConfigProblem[] {
  const type = api.type(typeName);
  if (type === undefined) return [{ path: "", message: `no message ${typeName} in the Envoy API protos` }];
  const walker = new Walker(api);
  walker.message(value, type, "");
  return walker.problems;
}

/** Checks a parsed bootstrap (envoy.config.bootstrap.v3.Bootstrap). */
export function checkEnvoyBootstrap(value: unknown, api: EnvoyApi = envoyApi()): ConfigProblem[] {
  return checkEnvoyMessage(value, "envoy.config.bootstrap.v3.Bootstrap", api);
}

/** Parses bootstrap YAML (one document; duplicate keys are errors) and checks it. */
export function checkEnvoyBootstrapYaml(text: string, api: EnvoyApi = envoyApi()): ConfigProblem[] {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    return doc.errors.map((e) => ({ path: "", message: `YAML: ${e.message.split("\n")[0] ?? ""}` }));
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (error) {
    return [{ path: "", message: `YAML: ${error instanceof Error ? error.message : String(error)}` }];
  }
  return checkEnvoyBootstrap(value, api);
}

/** One line per problem, for assertion messages and command-line output. */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `${p.path || "(root)"}: ${p.message}`).join("\n");
}

// ---------------------------------------------------------------------------------------------
// The walk

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: unknown };

/** protoc-gen-validate rules as protobufjs parses them ((validate.rules) option objects, merged). */
type Rules = { readonly [key: string]: unknown };

const scalarTypes = new Set([
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
  "bool",
  "string",
  "bytes",
]);

/** The wrappers' JSON is their wrapped scalar's. */
const wrappers: Readonly<Record<string, string>> = {
  ".google.protobuf.DoubleValue": "double",
  ".google.protobuf.FloatValue": "float",
  ".google.protobuf.Int64Value": "int64",
  ".google.protobuf.UInt64Value": "uint64",
  ".google.protobuf.Int32Value": "int32",
  ".google.protobuf.UInt32Value": "uint32",
  ".google.protobuf.BoolValue": "bool",
  ".google.protobuf.StringValue": "string",
  ".google.protobuf.BytesValue": "bytes",
};

/** Types whose JSON is not an object of their fields; inside an Any they sit under "value". */
const specialJson = new Set([
  ...Object.keys(wrappers),
  ".google.protobuf.Duration",
  ".google.protobuf.Timestamp",
  ".google.protobuf.FieldMask",
  ".google.protobuf.Struct",
  ".google.protobuf.Value",
  ".google.protobuf.ListValue",
  ".google.protobuf.Any",
]);

const typedStructs = new Set([".xds.type.v3.TypedStruct", ".udpa.type.v1.TypedStruct"]);

const intRanges: Readonly<Record<string, readonly [bigint, bigint]>> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

/** Proto's limit on a Duration: ±10,000 years. */
const maxDurationSeconds = 315_576_000_000n;

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return `${typeof v} ${JSON.stringify(typeof v === "bigint" ? String(v) : v)}`;
}

/** a.b, a[0], a["key.with.dots"]: keys as written, bracketed when they are not identifiers. */
function join(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return base === "" ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

/** protoc's json_name: underscores dropped, the letter after each one upper-cased. */
function jsonName(name: string): string {
  return name.replace(/_+([a-z0-9]?)/g, (_m, c: string) => c.toUpperCase());
}

function typeName(t: protobuf.Type | protobuf.Enum): string {
  return t.fullName.replace(/^\./, "");
}

/** The (validate.rules) of a field (protobufjs keeps them, nested, in parsedOptions). */
function rulesOf(obj: protobuf.ReflectionObject): Rules | undefined {
  const parsed = (obj as unknown as { parsedOptions?: readonly Record<string, unknown>[] }).parsedOptions;
  let rules: Record<string, unknown> | undefined;
  for (const entry of parsed ?? []) {
    const r = entry["(validate.rules)"];
    if (isObject(r)) rules = deepMerge(rules ?? {}, r);
  }
  return rules;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isObject(prev) && isObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

function sub(rules: Rules | undefined, key: string): Rules | undefined {
  const r = rules?.[key];
  return isObject(r) ? r : undefined;
}

function option(obj: { options?: { [k: string]: unknown } | undefined }, name: string): unknown {
  return obj.options?.[name];
}

/** Field lookup by proto name and json_name, built once per type. */
const fieldIndexes = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();
function fieldIndex(type: protobuf.Type): Map<string, protobuf.Field> {
  let index = fieldIndexes.get(type);
  if (index === undefined) {
    index = new Map();
    for (const f of type.fieldsArray) {
      index.set(f.name, f);
      const json = option(f, "json_name");
      index.set(typeof json === "string" ? json : jsonName(f.name), f);
    }
    fieldIndexes.set(type, index);
  }
  return index;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

function suggestion(key: string, type: protobuf.Type): string {
  const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  let best: string | undefined;
  let bestDistance = 3;
  for (const f of type.fieldsArray) {
    const d = editDistance(snake, f.name);
    if (d < bestDistance) [best, bestDistance] = [f.name, d];
  }
  return best === undefined ? "" : ` (did you mean "${best}"?)`;
}

/** What a field's element is: a scalar type name, an enum or a message type. */
type Target = string | protobuf.Type | protobuf.Enum;

class Walker {
  readonly problems: ConfigProblem[] = [];

  constructor(private readonly api: EnvoyApi) {}

  private problem(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  message(value: unknown, type: protobuf.Type, path: string): void {
    const name = type.fullName;
    if (specialJson.has(name)) {
      this.element(value, type, undefined, path);
      return;
    }
    if (!isObject(value)) {
      this.problem(path, `expected an object (${typeName(type)}), got ${describe(value)}`);
      return;
    }
    const index = fieldIndex(type);
    const present = new Map<protobuf.Field, string>();
    const oneofMembers = new Map<protobuf.OneOf, string>();
    for (const [key, v] of Object.entries(value)) {
      const p = join(path, key);
      const field = index.get(key);
      if (field === undefined) {
        this.problem(p, `unknown field "${key}" in ${typeName(type)}${suggestion(key, type)}`);
        continue;
      }
      const twin = present.get(field);
      if (twin !== undefined) {
        this.problem(p, `"${key}" and "${twin}" are the same field`);
        continue;
      }
      present.set(field, key);
      if (option(field, "deprecated") === true) this.problem(p, `${field.name} is deprecated in ${typeName(type)}`);
      if (option(field, "(envoy.annotations.disallowed_by_default)") === true) {
        this.problem(p, `${field.name} is disallowed by default in ${typeName(type)}`);
      }
      const oneof = field.partOf;
      if (oneof !== null) {
        const other = oneofMembers.get(oneof);
        if (other !== undefined) {
          this.problem(p, `"${key}" and "${other}" are both set, but only one member of oneof ${oneof.name} may be`);
        } else {
          oneofMembers.set(oneof, key);
        }
      }
      this.field(v, field, p);
    }
    this.absent(type, present, oneofMembers, path);
  }

  /** PGV on what is not there: required messages and oneofs, and scalar rules at their default value. */
  private absent(
    type: protobuf.Type,
    present: ReadonlyMap<protobuf.Field, string>,
    oneofMembers: ReadonlyMap<protobuf.OneOf, string>,
    path: string,
  ): void {
    for (const oneof of type.oneofsArray) {
      if (option(oneof, "(validate.required)") === true && !oneofMembers.has(oneof)) {
        this.problem(path, `one of ${oneof.oneof.join(", ")} is required (oneof ${oneof.name} in ${typeName(type)})`);
      }
    }
    for (const field of type.fieldsArray) {
      if (present.has(field)) continue;
      const rules = rulesOf(field);
      if (rules === undefined) continue;
      // A oneof member or proto3 optional that is absent is unset; PGV checks none of its rules.
      if (field.partOf !== null) continue;
      const p = join(path, field.name);
      if (sub(rules, "message")?.required === true || sub(rules, "any")?.required === true) {
        this.problem(p, `${field.name} is required in ${typeName(type)}`);
        continue;
      }
      if (sub(rules, "duration")?.required === true) {
        this.problem(p, `${field.name} is required in ${typeName(type)}`);
        continue;
      }
      if (field.map) {
        const min = sub(rules, "map")?.min_pairs;
        if (typeof min === "number" && min > 0) this.problem(p, `${field.name} needs at least ${min} entries`);
      } else if (field.repeated) {
        const min = sub(rules, "repeated")?.min_items;
        if (typeof min === "number" && min > 0) this.problem(p, `${field.name} needs at least ${min} items`);
      } else if (scalarTypes.has(field.type)) {
        this.scalarRules(defaultOf(field.type), field.type, sub(rules, field.type), p, " (absent, so its default)");
      } else if (sub(rules, "enum") !== undefined) {
        const enumRules = sub(rules, "enum");
        const zeroAllowed =
          (listOf(enumRules?.in)?.includes(0) ?? true) && !(listOf(enumRules?.not_in)?.includes(0) ?? false);
        if (!zeroAllowed)
          this.problem(p, `${field.name} is required in ${typeName(type)} (its default is not allowed)`);
      }
    }
  }

  private field(value: unknown, field: protobuf.Field, path: string): void {
    let target: Target;
    try {
      field.resolve();
      target = field.resolvedType ?? field.type;
    } catch (error) {
      this.problem(path, `cannot resolve the type of ${field.name}: ${(error as Error).message}`);
      return;
    }
    const rules = rulesOf(field);
    if (field instanceof protobuf.MapField) {
      this.map(value, field.keyType, target, rules, path);
    } else if (field.repeated) {
      if (!Array.isArray(value)) {
        this.problem(path, `expected a list, got ${describe(value)}`);
        return;
      }
      const repeated = sub(rules, "repeated");
      const items = sub(repeated, "items");
      value.forEach((item, i) => {
        this.element(item, target, items, join(path, i));
      });
      this.countRules(value.length, repeated, "min_items", "max_items", "items", path);
      if (repeated?.unique === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) {
        this.problem(path, "items must be unique");
      }
    } else {
      this.element(value, target, rules, path);
    }
  }

  private map(value: unknown, keyType: string, target: Target, rules: Rules | undefined, path: string): void {
    if (!isObject(value)) {
      this.problem(path, `expected an object (a map), got ${describe(value)}`);
      return;
    }
    const mapRules = sub(rules, "map");
    for (const [key, v] of Object.entries(value)) {
      const p = join(path, key);
      const range = intRanges[keyType];
      const keyOk =
        keyType === "string" ||
        (keyType === "bool" && (key === "true" || key === "false")) ||
        (range !== undefined && /^-?\d+$/.test(key) && BigInt(key) >= range[0] && BigInt(key) <= range[1]);
      if (!keyOk) this.problem(p, `map key "${key}" is not a ${keyType}`);
      else if (keyType === "string") this.scalarRules(key, "string", sub(sub(mapRules, "keys"), "string"), p, " (key)");
      this.element(v, target, sub(mapRules, "values"), p);
    }
    this.countRules(Object.keys(value).length, mapRules, "min_pairs", "max_pairs", "entries", path);
  }

  private countRules(n: number, rules: Rules | undefined, minKey: string, maxKey: string, what: string, path: string) {
    const min = rules?.[minKey];
    const max = rules?.[maxKey];
    if (typeof min === "number" && n < min) this.problem(path, `needs at least ${min} ${what}, has ${n}`);
    if (typeof max === "number" && n > max) this.problem(path, `allows at most ${max} ${what}, has ${n}`);
  }

  /** One value of a field (a singular field, a list item, a map value). */
  private element(value: unknown, target: Target, rules: Rules | undefined, path: string): void {
    if (typeof target === "string") {
      if (value === null) {
        this.problem(path, "null (an empty YAML value): give a value or leave the key out");
        return;
      }
      const v = this.scalar(value, target, path);
      if (v !== undefined) this.scalarRules(v, target, sub(rules, target), path, "");
      return;
    }
    if (target instanceof protobuf.Enum) {
      this.enumValue(value, target, rules, path);
      return;
    }
    const name = target.fullName;
    if (value === null && name !== ".google.protobuf.Value") {
      this.problem(path, "null (an empty YAML value): give a value or leave the key out");
      return;
    }
    const wrapped = wrappers[name];
    if (wrapped !== undefined) {
      const v = this.scalar(value, wrapped, path);
      if (v !== undefined) this.scalarRules(v, wrapped, sub(rules, wrapped), path, "");
      return;
    }
    switch (name) {
      case ".google.protobuf.Duration": {
        const nanos = this.duration(value, path);
        if (nanos !== undefined) this.durationRules(nanos, sub(rules, "duration"), path);
        return;
      }
      case ".google.protobuf.Timestamp":
        if (
          typeof value !== "string" ||
          !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(value)
        ) {
          this.problem(path, `expected an RFC 3339 timestamp string, got ${describe(value)}`);
        }
        return;
      case ".google.protobuf.FieldMask":
        if (typeof value !== "string") this.problem(path, `expected a field mask string, got ${describe(value)}`);
        return;
      case ".google.protobuf.Struct":
        if (!isObject(value)) this.problem(path, `expected an object (Struct), got ${describe(value)}`);
        else this.json(value, path);
        return;
      case ".google.protobuf.ListValue":
        if (!Array.isArray(value)) this.problem(path, `expected a list (ListValue), got ${describe(value)}`);
        else this.json(value, path);
        return;
      case ".google.protobuf.Value":
        this.json(value, path);
        return;
      case ".google.protobuf.Any":
        this.any(value, path);
        return;
      default:
        this.message(value, target, path);
    }
  }

  /** Struct and Value hold any JSON; only values JSON cannot hold are wrong. */
  private json(value: unknown, path: string): value is Json {
    if (value === null || typeof value === "string" || typeof value === "boolean") return true;
    if (typeof value === "number") {
      if (Number.isFinite(value)) return true;
      this.problem(path, `${value} is not a JSON number`);
      return false;
    }
    if (Array.isArray(value)) return value.every((v, i) => this.json(v, join(path, i)));
    if (isObject(value)) return Object.entries(value).every(([k, v]) => this.json(v, join(path, k)));
    this.problem(path, `${describe(value)} is not a JSON value`);
    return false;
  }

  private any(value: unknown, path: string): void {
    if (!isObject(value)) {
      this.problem(path, `expected an object with "@type" (Any), got ${describe(value)}`);
      return;
    }
    const typePath = join(path, "@type");
    const url = value["@type"];
    if (typeof url !== "string") {
      this.problem(url === undefined ? path : typePath, `an Any needs "@type": "type.googleapis.com/<message>"`);
      return;
    }
    const slash = url.lastIndexOf("/");
    const name = url.slice(slash + 1);
    const type = slash > 0 ? this.api.type(name) : undefined;
    if (type === undefined) {
      this.problem(typePath, `cannot resolve "${url}": ${this.missing(name)}`);
      return;
    }
    if (option(type, "deprecated") === true) this.problem(typePath, `${typeName(type)} is deprecated`);
    const { "@type": _, ...body } = value;
    if (specialJson.has(type.fullName)) {
      // {"@type": ".../google.protobuf.Duration", "value": "1s"}
      for (const key of Object.keys(body)) {
        if (key !== "value") this.problem(join(path, key), `unknown field "${key}" in an Any of ${typeName(type)}`);
      }
      if (!("value" in body)) this.problem(path, `an Any of ${typeName(type)} needs "value"`);
      else this.element(body.value, type, undefined, join(path, "value"));
      return;
    }
    this.message(body, type, path);
    if (typedStructs.has(type.fullName)) this.typedStruct(body, path);
  }

  /** Envoy unpacks a TypedStruct and checks its value as the message its type_url names. */
  private typedStruct(body: JsonObject, path: string): void {
    const url = body.type_url ?? body.typeUrl;
    if (typeof url !== "string") {
      this.problem(join(path, "type_url"), "a TypedStruct needs type_url");
      return;
    }
    const inner = this.api.type(url.slice(url.lastIndexOf("/") + 1));
    if (inner === undefined) {
      this.problem(
        join(path, "type_url"),
        `cannot resolve "${url}": ${this.missing(url.slice(url.lastIndexOf("/") + 1))}`,
      );
      return;
    }
    this.message(body.value ?? {}, inner, join(path, "value"));
  }

  private missing(name: string): string {
    const failure = this.api.failure(name);
    return failure === undefined ? "no such message in the Envoy API protos" : `its protos do not load (${failure})`;
  }

  private enumValue(value: unknown, type: protobuf.Enum, rules: Rules | undefined, path: string): void {
    if (type.fullName === ".google.protobuf.NullValue") {
      if (value !== null && value !== "NULL_VALUE") this.problem(path, `expected null, got ${describe(value)}`);
      return;
    }
    let name: string | undefined;
    if (typeof value === "string") {
      if (Object.hasOwn(type.values, value)) name = value;
      else {
        const names = Object.keys(type.values);
        const shown = names.length <= 12 ? `: one of ${names.join(", ")}` : "";
        this.problem(path, `"${value}" is not a value of ${typeName(type)}${shown}`);
        return;
      }
    } else if (typeof value === "number" && Number.isInteger(value)) {
      name = type.valuesById[value];
      if (name === undefined) {
        this.problem(path, `${value} is not a value of ${typeName(type)}`);
        return;
      }
    } else {
      this.problem(path, `expected a ${typeName(type)} name, got ${describe(value)}`);
      return;
    }
    const valueOptions = type.valuesOptions?.[name];
    if (valueOptions?.deprecated === true) this.problem(path, `${name} is deprecated in ${typeName(type)}`);
    if (valueOptions?.["(envoy.annotations.disallowed_by_default_enum)"] === true) {
      this.problem(path, `${name} is disallowed by default in ${typeName(type)}`);
    }
    const number = type.values[name] ?? 0;
    const enumRules = sub(rules, "enum");
    const inList = listOf(enumRules?.in);
    if (inList !== undefined && !inList.includes(number)) this.problem(path, `${name} is not allowed here`);
    if (listOf(enumRules?.not_in)?.includes(number)) this.problem(path, `${name} is not allowed here`);
  }

  /** Type-checks a scalar; returns it normalised (integers as bigint, floats as number) or undefined. */
  private scalar(value: unknown, type: string, path: string): bigint | number | string | boolean | undefined {
    switch (type) {
      case "string":
        if (typeof value === "string") return value;
        break;
      case "bool":
        if (typeof value === "boolean") return value;
        break;
      case "bytes":
        if (typeof value === "string" && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) return value;
        this.problem(path, `expected base64 bytes, got ${describe(value)}`);
        return undefined;
      case "double":
      case "float":
        if (typeof value === "number") return value;
        if (typeof value === "string" && (/^(NaN|-?Infinity)$/.test(value) || numeric(value))) return Number(value);
        break;
      default:
        return this.integer(value, type, path);
    }
    this.problem(path, `expected ${type === "bool" ? "true or false" : `a ${type}`}, got ${describe(value)}`);
    return undefined;
  }

  private integer(value: unknown, type: string, path: string): bigint | undefined {
    const range = intRanges[type];
    if (range === undefined) {
      this.problem(path, `unknown scalar type ${type}`);
      return undefined;
    }
    let n: bigint | undefined;
    if (typeof value === "number" && Number.isInteger(value)) n = BigInt(value);
    else if (typeof value === "bigint") n = value;
    else if (typeof value === "string" && /^-?\d+$/.test(value)) n = BigInt(value);
    if (n === undefined) {
      this.problem(path, `expected an integer (${type}), got ${describe(value)}`);
      return undefined;
    }
    if (n < range[0] || n > range[1]) {
      this.problem(path, `${n} is out of range for ${type}`);
      return undefined;
    }
    return n;
  }

  private duration(value: unknown, path: string): bigint | undefined {
    const m = typeof value === "string" ? /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(value) : null;
    if (m === null) {
      this.problem(path, `expected a duration string such as "2s" or "0.25s", got ${describe(value)}`);
      return undefined;
    }
    const seconds = BigInt(m[2] ?? "0");
    if (seconds > maxDurationSeconds) {
      this.problem(path, `${value} is longer than a Duration can be`);
      return undefined;
    }
    const nanos = seconds * 1_000_000_000n + BigInt((m[3] ?? "").padEnd(9, "0"));
    return m[1] === "-" ? -nanos : nanos;
  }

  private durationRules(nanos: bigint, rules: Rules | undefined, path: string): void {
    if (rules === undefined) return;
    const bound = (key: string): bigint | undefined => {
      const b = sub(rules, key);
      if (b === undefined) return undefined;
      const s = typeof b.seconds === "number" ? BigInt(b.seconds) : 0n;
      const n = typeof b.nanos === "number" ? BigInt(b.nanos) : 0n;
      return s * 1_000_000_000n + n;
    };
    const show = (n: bigint | number) => `${Number(n) / 1e9}s`;
    this.bounds(nanos, bound("gt"), bound("gte"), bound("lt"), bound("lte"), path, show, "");
    const exact = bound("const");
    if (exact !== undefined && nanos !== exact) this.problem(path, `must be ${show(exact)}`);
  }

  /** PGV's numeric and string rules (the ones Envoy's protos use). */
  private scalarRules(
    value: bigint | number | string | boolean,
    type: string,
    rules: Rules | undefined,
    path: string,
    note: string,
  ): void {
    if (rules === undefined) return;
    const empty = value === "" || value === 0 || value === 0n || value === false;
    if (rules.ignore_empty === true && empty) return;
    if (typeof value === "bigint" || typeof value === "number") {
      const num = (v: unknown): bigint | number | undefined =>
        typeof v === "number" ? (typeof value === "bigint" && Number.isInteger(v) ? BigInt(v) : v) : undefined;
      this.bounds(value, num(rules.gt), num(rules.gte), num(rules.lt), num(rules.lte), path, String, note);
      const exact = num(rules.const);
      if (exact !== undefined && value !== exact) this.problem(path, `must be ${exact}${note}`);
      const inList = listOf(rules.in);
      if (inList !== undefined && !inList.some((v) => num(v) === value)) {
        this.problem(path, `${value} must be one of ${inList.join(", ")}${note}`);
      }
      if (listOf(rules.not_in)?.some((v) => num(v) === value)) this.problem(path, `${value} is not allowed${note}`);
      return;
    }
    if (typeof value === "boolean") {
      if (typeof rules.const === "boolean" && value !== rules.const)
        this.problem(path, `must be ${rules.const}${note}`);
      return;
    }
    if (typeof value !== "string") return;
    const chars = [...value].length;
    const bytes = Buffer.byteLength(value);
    const length = type === "bytes" ? Buffer.from(value, "base64").length : chars;
    const check = (limit: unknown, ok: (n: number) => boolean, what: string) => {
      if (typeof limit === "number" && !ok(limit)) this.problem(path, `${what} ${limit}${note}`);
    };
    check(rules.min_len, (n) => length >= n, value === "" ? "must not be empty: min length" : "min length");
    check(rules.max_len, (n) => length <= n, "max length");
    check(rules.len, (n) => length === n, "length must be");
    check(rules.min_bytes, (n) => bytes >= n, value === "" ? "must not be empty: min bytes" : "min bytes");
    check(rules.max_bytes, (n) => bytes <= n, "max bytes");
    if (typeof rules.prefix === "string" && !value.startsWith(rules.prefix)) {
      this.problem(path, `must start with "${rules.prefix}"${note}`);
    }
    if (typeof rules.suffix === "string" && !value.endsWith(rules.suffix)) {
      this.problem(path, `must end with "${rules.suffix}"${note}`);
    }
    const inList = listOf(rules.in);
    if (inList !== undefined && !inList.includes(value)) {
      this.problem(path, `"${value}" must be one of ${inList.join(", ")}${note}`);
    }
    if (listOf(rules.not_in)?.includes(value)) this.problem(path, `"${value}" is not allowed${note}`);
    if (typeof rules.pattern === "string") {
      let re: RegExp | undefined;
      try {
        re = new RegExp(rules.pattern, "u");
      } catch {
        re = undefined; // RE2 syntax JavaScript lacks: not checked.
      }
      if (re !== undefined && !re.test(value)) this.problem(path, `must match ${rules.pattern}${note}`);
    }
    this.headerRegex(value, rules, path);
  }

  /** PGV's well_known_regex for HTTP header names and values (strict unless strict: false). */
  private headerRegex(value: string, rules: Rules, path: string): void {
    const which = rules.well_known_regex;
    if (which !== "HTTP_HEADER_NAME" && which !== "HTTP_HEADER_VALUE") return;
    const strict = rules.strict !== false;
    const ok = !strict
      ? ![...value].some((c) => c === "\0" || c === "\r" || c === "\n")
      : which === "HTTP_HEADER_NAME"
        ? /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/.test(value)
        : ![...value].some((c) => {
            // RFC 7230 field-value: no control characters but horizontal tab.
            const code = c.charCodeAt(0);
            return (code < 0x20 && c !== "\t") || code === 0x7f;
          });
    if (value !== "" && !ok) this.problem(path, `is not a valid ${which.toLowerCase().replace(/_/g, " ")}`);
  }

  private bounds(
    value: bigint | number,
    gt: bigint | number | undefined,
    gte: bigint | number | undefined,
    lt: bigint | number | undefined,
    lte: bigint | number | undefined,
    path: string,
    show: (n: bigint | number) => string,
    note: string,
  ): void {
    const lower = gt ?? gte;
    const upper = lt ?? lte;
    const aboveLower = lower === undefined || (gt !== undefined ? value > gt : value >= lower);
    const belowUpper = upper === undefined || (lt !== undefined ? value < lt : value <= upper);
    const lowerText = gt !== undefined ? `> ${show(gt)}` : gte !== undefined ? `>= ${show(gte)}` : "";
    const upperText = lt !== undefined ? `< ${show(lt)}` : lte !== undefined ? `<= ${show(lte)}` : "";
    // PGV: a lower bound above the upper one means "outside the range".
    if (lower !== undefined && upper !== undefined && lower > upper) {
      if (!aboveLower && !belowUpper) this.problem(path, `${show(value)} must be ${lowerText} or ${upperText}${note}`);
      return;
    }
    if (!aboveLower) this.problem(path, `${show(value)} must be ${lowerText}${note}`);
    if (!belowUpper) this.problem(path, `${show(value)} must be ${upperText}${note}`);
  }
}

function defaultOf(scalar: string): string | boolean | number | bigint {
  if (scalar === "string" || scalar === "bytes") return "";
  if (scalar === "bool") return false;
  return scalar === "double" || scalar === "float" ? 0 : 0n;
}

function numeric(s: string): boolean {
  return /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s);
}

function listOf(v: unknown): readonly unknown[] | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v : [v];
}
