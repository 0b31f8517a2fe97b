// gen/descriptor-set.ts: the contract as serialized FileDescriptorProtos, for gRPC server reflection.
// The bytes are buf's own (`buf build --as-file-descriptor-set --exclude-source-info`, imports
// included): a FileDescriptorSet is `repeated FileDescriptorProto file = 1`, so each file's bytes
// are sliced out of it unchanged, never re-encoded. The symbol and extension indexes are computed
// here too, so a gateway serves reflection without parsing anything.
import { header } from "./emit-tables.mjs";

function varint(bytes, pos) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[pos++];
    if (b === undefined) throw new Error("descriptor set: truncated varint");
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, pos];
    shift += 7;
  }
}

/** The length-delimited payloads of field `number` at the top level of `bytes`; other fields skipped. */
function lengthDelimited(bytes, number) {
  const out = [];
  let pos = 0;
  while (pos < bytes.length) {
    let tag;
    [tag, pos] = varint(bytes, pos);
    const wireType = tag % 8;
    const field = Math.floor(tag / 8);
    if (wireType === 2) {
      let length;
      [length, pos] = varint(bytes, pos);
      if (field === number) out.push(bytes.subarray(pos, pos + length));
      pos += length;
    } else if (wireType === 0) {
      [, pos] = varint(bytes, pos);
    } else if (wireType === 1) {
      pos += 8;
    } else if (wireType === 5) {
      pos += 4;
    } else {
      throw new Error(`descriptor set: unexpected wire type ${wireType}`);
    }
  }
  return out;
}

/** Every fully-qualified name a file defines, as protobuf scopes them (enum values beside their enum). */
function symbolsOf(file) {
  const out = [];
  const scope = (prefix, name) => (prefix === "" ? name : `${prefix}.${name}`);
  const enums = (prefix, list) => {
    for (const e of list ?? []) {
      out.push(scope(prefix, e.name));
      for (const v of e.value ?? []) out.push(scope(prefix, v.name));
    }
  };
  const messages = (prefix, list) => {
    for (const m of list ?? []) {
      const name = scope(prefix, m.name);
      out.push(name);
      for (const f of m.field ?? []) out.push(`${name}.${f.name}`);
      for (const o of m.oneofDecl ?? []) out.push(`${name}.${o.name}`);
      for (const x of m.extension ?? []) out.push(`${name}.${x.name}`);
      enums(name, m.enumType);
      messages(name, m.nestedType);
    }
  };
  const pkg = file.package ?? "";
  messages(pkg, file.messageType);
  enums(pkg, file.enumType);
  for (const x of file.extension ?? []) out.push(scope(pkg, x.name));
  for (const s of file.service ?? []) {
    const name = scope(pkg, s.name);
    out.push(name);
    for (const m of s.method ?? []) out.push(`${name}.${m.name}`);
  }
  return out;
}

function extensionsOf(file) {
  const out = [];
  const add = (list) => {
    for (const x of list ?? []) out.push([x.extendee.replace(/^\./, ""), x.number]);
  };
  const messages = (list) => {
    for (const m of list ?? []) {
      add(m.extension);
      messages(m.nestedType);
    }
  };
  add(file.extension);
  messages(file.messageType);
  return out;
}

/** The module source, from the binary FileDescriptorSet and the JSON image of the same build. */
export function descriptorSetTs(binary, image) {
  const slices = lengthDelimited(binary, 1);
  const names = slices.map((s) => new TextDecoder().decode(lengthDelimited(s, 1)[0] ?? new Uint8Array()));
  const expected = image.file.map((f) => f.name);
  if (names.join("\n") !== expected.join("\n")) {
    throw new Error(`descriptor set: the binary and JSON builds list different files:\n${names}\n${expected}`);
  }
  const seen = new Map();
  const extensions = new Map();
  const files = image.file.map((file, i) => {
    const symbols = symbolsOf(file);
    for (const s of symbols) {
      if (seen.has(s)) throw new Error(`descriptor set: ${s} is defined in ${seen.get(s)} and ${file.name}`);
      seen.set(s, file.name);
    }
    for (const [extendee, number] of extensionsOf(file)) {
      if (!extensions.has(extendee)) extensions.set(extendee, []);
      extensions.get(extendee).push([number, file.name]);
    }
    const base64 = Buffer.from(slices[i]).toString("base64");
    const services = (file.service ?? []).map((svc) => JSON.stringify(`${file.package}.${svc.name}`));
    return `  {\n    name: ${JSON.stringify(file.name)},\n    dependencies: [${(file.dependency ?? []).map((d) => JSON.stringify(d)).join(", ")}],\n    services: [${services.join(", ")}],\n    symbols: [\n${symbols.map((s) => `      ${JSON.stringify(s)},`).join("\n")}\n    ],\n    descriptor: bytes(\n      "${base64}",\n    ),\n  },`;
  });
  const extensionRows = [...extensions]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(
      ([extendee, list]) =>
        `  [${JSON.stringify(extendee)}, new Map<number, string>([${list
          .sort((a, b) => a[0] - b[0])
          .map(([n, f]) => `[${n}, ${JSON.stringify(f)}]`)
          .join(", ")}])],`,
    );
  return `${header}// source: \`buf build --as-file-descriptor-set --exclude-source-info\` of proto/ (imports included)

const bytes = (base64: string): Uint8Array => new Uint8Array(Buffer.from(base64, "base64"));

export interface ContractFile {
  /** As in import statements: "hutong/v1/ticket.proto". */
  readonly name: string;
  /** Direct imports, as in FileDescriptorProto.dependency. */
  readonly dependencies: readonly string[];
  /** The fully-qualified names of the services it defines. */
  readonly services: readonly string[];
  /** Every fully-qualified name the file defines: messages, fields, oneofs, enums and their values, services, methods, extensions. */
  readonly symbols: readonly string[];
  /** The serialized FileDescriptorProto, as buf built it (custom options included, no source info). */
  readonly descriptor: Uint8Array;
}

/** Every file of the contract and what it imports, dependencies before dependents. */
export const contractFiles: readonly ContractFile[] = [
${files.join("\n")}
];

/** Fully-qualified symbol -> the file that defines it. */
export const contractSymbols: ReadonlyMap<string, string> = new Map<string, string>(
  contractFiles.flatMap((f) => f.symbols.map((s): [string, string] => [s, f.name])),
);

/** Extended message -> extension field number -> the file that declares the extension. */
export const contractExtensions: ReadonlyMap<string, ReadonlyMap<number, string>> = new Map<
  string,
  ReadonlyMap<number, string>
>([
${extensionRows.join("\n")}
]);
`;
}
