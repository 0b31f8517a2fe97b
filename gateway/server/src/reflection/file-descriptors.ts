// FileDescriptorProtos, one per .proto file, built at start-up from the .proto sources with protobufjs.
// Reflection clients (grpcurl, buf curl, Postman) link what they receive by file name and `dependency`, so
// each file must come out as protoc would describe it. proto-loader cannot give that: it merges every file of
// a package into one "<package>.proto" without dependencies. So the sources are parsed here file by file
// (protobufjs stamps each definition with the file it came from) and the descriptors are assembled by hand,
// with fully-qualified type names. Custom options are left out: clients need structure, not annotations.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import protobuf from "protobufjs";
import descriptor, {
  type IDescriptorProto,
  type IEnumDescriptorProto,
  type IFieldDescriptorProto,
  type IFileDescriptorProto,
  type IServiceDescriptorProto,
} from "protobufjs/ext/descriptor/index.js";

const { Enum, Field, MapField, Namespace, Service, Type } = protobuf;
type Namespace = protobuf.Namespace;
type Type = protobuf.Type;
type Enum = protobuf.Enum;
type Field = protobuf.Field;
type Service = protobuf.Service;

const require = createRequire(import.meta.url);

/** FieldDescriptorProto.Type numbers of the scalar types. */
const scalarTypes: Readonly<Record<string, number>> = {
  double: 1,
  float: 2,
  int64: 3,
  uint64: 4,
  int32: 5,
  fixed64: 6,
  fixed32: 7,
  bool: 8,
  string: 9,
  bytes: 12,
  uint32: 13,
  sfixed32: 15,
  sfixed64: 16,
  sint32: 17,
  sint64: 18,
};
const typeGroup = 10;
const typeMessage = 11;
const typeEnum = 14;
const labelOptional = 1;
const labelRequired = 2;
const labelRepeated = 3;

interface FileBuild {
  readonly proto: IFileDescriptorProto & {
    dependency: string[];
    messageType: IDescriptorProto[];
    enumType: IEnumDescriptorProto[];
    service: IServiceDescriptorProto[];
    extension: IFieldDescriptorProto[];
  };
  readonly proto2: boolean;
}

/**
 * Encoded FileDescriptorProtos for `files` (paths relative to `protoRoot`, as in import statements) and
 * everything they import, keyed by file name, dependencies first. google/protobuf/* imports not under
 * `protoRoot` come from the copies bundled with protobufjs. Throws on a missing file or unresolved type.
 */
export function loadFileDescriptors(protoRoot: string, files: readonly string[]): Map<string, Uint8Array> {
  const root = new protobuf.Root();
  const builds = new Map<string, FileBuild>();

  function load(name: string): void {
    if (builds.has(name)) return;
    const text = readSource(protoRoot, name);
    if (text === undefined) {
      loadBundledJson(root, name, builds);
      return;
    }
    if (/^\s*edition\s*=/m.test(text)) throw new Error(`${name}: protobuf editions are not supported`);
    const proto2 = !/^\s*syntax\s*=\s*["']proto3["']/m.test(text);
    // parse() stamps every definition it creates with parse.filename: that is how types map back to files.
    (protobuf.parse as unknown as { filename: string | null }).filename = name;
    const parsed = protobuf.parse(text, root, { keepCase: true });
    const dependency = [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])];
    builds.set(name, newBuild(name, parsed.package ?? "", dependency, proto2));
    for (const dep of dependency) load(dep);
  }

  for (const file of files) load(file);
  root.resolveAll();
  collect(root, builds);

  // Dependencies before dependents, as in protoc's descriptor sets.
  const out = new Map<string, Uint8Array>();
  const emit = (name: string): void => {
    const build = builds.get(name);
    if (build === undefined || out.has(name)) return;
    out.set(name, new Uint8Array(0)); // placeholder: marks the file as visited (imports cannot be cyclic)
    for (const dep of build.proto.dependency) emit(dep);
    out.delete(name);
    out.set(
      name,
      descriptor.FileDescriptorProto.encode(descriptor.FileDescriptorProto.fromObject(build.proto)).finish(),
    );
  };
  for (const name of builds.keys()) emit(name);
  return out;
}

function newBuild(name: string, pkg: string, dependency: string[], proto2: boolean): FileBuild {
  return {
    proto: {
      name,
      ...(pkg === "" ? {} : { package: pkg }),
      dependency,
      messageType: [],
      enumType: [],
      service: [],
      extension: [],
      ...(proto2 ? {} : { syntax: "proto3" }),
    },
    proto2,
  };
}

function readSource(protoRoot: string, name: string): string | undefined {
  const local = join(protoRoot, name);
  if (existsSync(local)) return readFileSync(local, "utf8");
  if (name.startsWith("google/protobuf/")) {
    try {
      return readFileSync(require.resolve(`protobufjs/${name}`), "utf8");
    } catch {
      return undefined;
    }
  }
  throw new Error(`${name}: not found under ${protoRoot}`);
}

/** The well-known types protobufjs bundles only as JSON (timestamp, duration, ...): all proto3, no imports. */
function loadBundledJson(root: protobuf.Root, name: string, builds: Map<string, FileBuild>): void {
  const json = protobuf.common.get(name) as { nested?: Record<string, protobuf.AnyNestedObject> } | null;
  const definitions = (
    json?.nested?.google as { nested?: { protobuf?: { nested?: Record<string, unknown> } } } | undefined
  )?.nested?.protobuf?.nested;
  if (json?.nested === undefined || definitions === undefined) throw new Error(`${name}: not found`);
  root.addJSON(json.nested);
  for (const definition of Object.keys(definitions)) {
    const object = root.lookup(`google.protobuf.${definition}`);
    if (object !== null) object.filename = name;
  }
  builds.set(name, newBuild(name, "google.protobuf", [], false));
}

function buildOf(object: protobuf.ReflectionObject, builds: Map<string, FileBuild>): FileBuild {
  const build = object.filename === null ? undefined : builds.get(object.filename);
  if (build === undefined) throw new Error(`${object.fullName}: no source file known`);
  return build;
}

/** Files hold the top-level definitions of their package; nested namespaces are further packages. */
function collect(ns: Namespace, builds: Map<string, FileBuild>): void {
  for (const nested of ns.nestedArray) {
    if (nested instanceof Type) {
      const build = buildOf(nested, builds);
      build.proto.messageType.push(messageDescriptor(nested, build.proto2));
    } else if (nested instanceof Enum) {
      buildOf(nested, builds).proto.enumType.push(enumDescriptor(nested));
    } else if (nested instanceof Service) {
      buildOf(nested, builds).proto.service.push(serviceDescriptor(nested));
    } else if (nested instanceof Field) {
      const build = buildOf(nested, builds);
      build.proto.extension.push(fieldDescriptor(nested, ns, build.proto2));
    } else if (nested instanceof Namespace) {
      collect(nested, builds);
    }
  }
}

/** protoc's name for a map field's entry type: "statuses" -> "StatusesEntry", "by_id" -> "ById" + "Entry". */
function mapEntryName(field: string): string {
  return `${field
    .split("_")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("")}Entry`;
}

function typeOf(typeName: string, resolved: Type | Enum | null, delimited: boolean): IFieldDescriptorProto {
  if (resolved instanceof Enum) return { type: typeEnum, typeName: resolved.fullName };
  if (resolved instanceof Type) return { type: delimited ? typeGroup : typeMessage, typeName: resolved.fullName };
  const scalar = scalarTypes[typeName];
  if (scalar === undefined) throw new Error(`unresolved type ${typeName}`);
  return { type: scalar };
}

function fieldDescriptor(field: Field, scope: Namespace, proto2: boolean): IFieldDescriptorProto {
  const out: IFieldDescriptorProto = { name: field.name, number: field.id };
  if (field instanceof MapField) {
    out.label = labelRepeated;
    out.type = typeMessage;
    out.typeName = `${scope.fullName}.${mapEntryName(field.name)}`;
    return out;
  }
  out.label = field.repeated ? labelRepeated : field.required ? labelRequired : labelOptional;
  Object.assign(out, typeOf(field.type, field.resolvedType, field.delimited));
  const extendee = field.extensionField?.parent;
  if (extendee != null) out.extendee = extendee.fullName;
  if (field.partOf !== null && scope instanceof Type) out.oneofIndex = scope.oneofsArray.indexOf(field.partOf);
  const options = field.options;
  if (options?.proto3_optional === true) (out as { proto3Optional?: boolean }).proto3Optional = true;
  if (proto2 && options?.default !== undefined) out.defaultValue = String(options.default);
  if (typeof options?.packed === "boolean") out.options = { packed: options.packed };
  return out;
}

function reservedOf(reserved: (number[] | string)[] | undefined, inclusiveEnd: boolean) {
  const ranges: { start: number; end: number }[] = [];
  const names: string[] = [];
  for (const r of reserved ?? []) {
    if (typeof r === "string") names.push(r);
    else ranges.push({ start: r[0] ?? 0, end: (r[1] ?? 0) + (inclusiveEnd ? 0 : 1) });
  }
  return { ranges, names };
}

function messageDescriptor(type: Type, proto2: boolean): IDescriptorProto {
  const out: IDescriptorProto & {
    field: IFieldDescriptorProto[];
    nestedType: IDescriptorProto[];
    enumType: IEnumDescriptorProto[];
    extension: IFieldDescriptorProto[];
  } = { name: type.name, field: [], nestedType: [], enumType: [], extension: [] };
  for (const field of type.fieldsArray) {
    // protobufjs also lists fields that extend this message from elsewhere; they belong to their own file.
    if (field.declaringField !== null) continue;
    out.field.push(fieldDescriptor(field, type, proto2));
    if (field instanceof MapField) {
      out.nestedType.push({
        name: mapEntryName(field.name),
        field: [
          { name: "key", number: 1, label: labelOptional, ...typeOf(field.keyType, null, false) },
          { name: "value", number: 2, label: labelOptional, ...typeOf(field.type, field.resolvedType, false) },
        ],
        options: { mapEntry: true },
      });
    }
  }
  for (const nested of type.nestedArray) {
    if (nested instanceof Type) out.nestedType.push(messageDescriptor(nested, proto2));
    else if (nested instanceof Enum) out.enumType.push(enumDescriptor(nested));
    else if (nested instanceof Field) out.extension.push(fieldDescriptor(nested, type, proto2));
  }
  if (type.oneofsArray.length > 0) out.oneofDecl = type.oneofsArray.map((o) => ({ name: o.name }));
  if (type.extensions?.length) {
    out.extensionRange = type.extensions.map((r) => ({ start: r[0] ?? 0, end: (r[1] ?? 0) + 1 }));
  }
  const reserved = reservedOf(type.reserved, false);
  if (reserved.ranges.length > 0) out.reservedRange = reserved.ranges;
  if (reserved.names.length > 0) out.reservedName = reserved.names;
  return out;
}

function enumDescriptor(e: Enum): IEnumDescriptorProto {
  const out: IEnumDescriptorProto = {
    name: e.name,
    value: Object.entries(e.values).map(([name, number]) => ({ name, number })),
  };
  if (e.options?.allow_alias === true) out.options = { allowAlias: true };
  // EnumReservedRange is inclusive at both ends, unlike the message one.
  const reserved = reservedOf(e.reserved, true);
  if (reserved.ranges.length > 0) (out as { reservedRange?: unknown }).reservedRange = reserved.ranges;
  if (reserved.names.length > 0) (out as { reservedName?: unknown }).reservedName = reserved.names;
  return out;
}

function serviceDescriptor(service: Service): IServiceDescriptorProto {
  return {
    name: service.name,
    method: service.methodsArray.map((m) => {
      const input = m.resolvedRequestType;
      const output = m.resolvedResponseType;
      if (input === null || output === null) throw new Error(`${m.fullName}: unresolved types`);
      return {
        name: m.name,
        inputType: input.fullName,
        outputType: output.fullName,
        ...(m.requestStream === true ? { clientStreaming: true } : {}),
        ...(m.responseStream === true ? { serverStreaming: true } : {}),
      };
    }),
  };
}
