// The JSON field table of proto/gen/json-fields.ts: what proto3 JSON may name in each message of the
// contract, so a JSON reader (hutong call) can refuse a key that names
// no field (ts-proto's fromJSON ignores unknown keys). Imported files (google/protobuf) are leaves.
import { header } from "./emit-tables.mjs";

const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

function oneofName(m, f) {
  return f.oneofIndex === undefined || f.proto3Optional ? undefined : m.oneofDecl[f.oneofIndex].name;
}

/** The text of json-fields.ts for a `buf build` image (JSON form). */
export function jsonFieldsTs(image) {
  const files = image.file.filter((f) => !f.name.startsWith("google/protobuf/"));
  const messages = new Map();
  const collect = (prefix, list) => {
    for (const m of list ?? []) {
      const name = `${prefix}.${m.name}`;
      messages.set(name, m);
      collect(name, m.nestedType);
    }
  };
  for (const file of files) collect(file.package, file.messageType);

  const jsonRows = [];
  for (const name of [...messages.keys()].sort()) {
    const m = messages.get(name);
    if (m.options?.mapEntry) continue;
    const entries = [];
    for (const f of m.field ?? []) {
      const typeName = f.type === "TYPE_MESSAGE" ? f.typeName.slice(1) : undefined;
      const entry = typeName === undefined ? undefined : messages.get(typeName);
      const isMap = entry?.options?.mapEntry === true;
      // A map's value, or the field's own type, when it is a message of this contract (WKTs are leaves).
      const valueType = isMap ? entry.field.find((v) => v.number === 2)?.typeName?.slice(1) : typeName;
      const message = valueType !== undefined && messages.has(valueType) ? valueType : undefined;
      const parts = [`name: ${JSON.stringify(f.name)}`, `jsonName: ${JSON.stringify(f.jsonName ?? camel(f.name))}`];
      if (isMap) parts.push("map: true");
      else if (f.label === "LABEL_REPEATED") parts.push("repeated: true");
      if (message) parts.push(`message: ${JSON.stringify(message)}`);
      const oneof = oneofName(m, f);
      if (oneof) parts.push(`oneof: ${JSON.stringify(oneof)}`);
      entries.push(`      { ${parts.join(", ")} },`);
    }
    jsonRows.push(
      entries.length === 0
        ? `  [${JSON.stringify(name)}, []],`
        : `  [\n    ${JSON.stringify(name)},\n    [\n${entries.join("\n")}\n    ],\n  ],`,
    );
  }

  return `${header}// source: the messages and services of proto/**/*.proto (buf build)

/**
 * A field as proto3 JSON may name it: by \`jsonName\` (lowerCamelCase) or by its proto \`name\`, the
 * two spellings ts-proto's fromJSON reads. \`message\` is the fully-qualified type when the field (or,
 * for a map, its value) is a message of this contract, to look inside; well-known types such as
 * google.protobuf.Timestamp have their own JSON forms and are leaves. \`oneof\` names the oneof the
 * field belongs to (at most one of its fields may be set).
 */
export interface JsonField {
  readonly name: string;
  readonly jsonName: string;
  readonly repeated?: true;
  readonly map?: true;
  readonly message?: string;
  readonly oneof?: string;
}

/** Every message of the contract, by fully-qualified name, with the fields its JSON may carry. */
export const jsonFields: ReadonlyMap<string, readonly JsonField[]> = new Map<string, readonly JsonField[]>([
${jsonRows.join("\n")}
]);
`;
}
