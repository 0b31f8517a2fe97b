import { type JsonField, jsonFields } from "@hutong/proto";

/**
 * What ts-proto's fromJSON silently drops, found before anything is sent: a key that names no field
 * (a typo such as "purpse" would otherwise send a request without it), a message or list where
 * something else stands, two fields of one oneof, one field under both of its spellings. Checked at
 * every depth against the contract's own field table (proto/gen/json-fields.ts); scalar values are
 * left to fromJSON. Each problem names its path in the request, e.g. `lookup.licenceNumber`.
 */
export function requestJsonProblems(typeName: string, json: unknown): string[] {
  const problems: string[] = [];
  checkMessage(typeName, json, "", problems);
  return problems;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const join = (path: string, key: string) => (path === "" ? key : `${path}.${key}`);
const where = (path: string) => (path === "" ? "the request" : path);

function checkMessage(typeName: string, value: unknown, path: string, problems: string[]): void {
  const fields = jsonFields.get(typeName);
  if (fields === undefined) return; // not a message of the contract (a well-known type): its own JSON form
  if (!isObject(value)) {
    problems.push(`${where(path)}: expected a JSON object (${typeName})`);
    return;
  }
  const byKey = new Map<string, JsonField>();
  for (const f of fields) {
    byKey.set(f.jsonName, f);
    byKey.set(f.name, f);
  }
  const spelled = new Map<JsonField, string>();
  const oneofs = new Map<string, string[]>();
  for (const [key, v] of Object.entries(value)) {
    const field = byKey.get(key);
    const at = join(path, key);
    if (field === undefined) {
      const known = fields.map((f) => f.jsonName).join(", ");
      problems.push(`${at}: unknown field (${typeName} has ${known === "" ? "no fields" : known})`);
      continue;
    }
    const other = spelled.get(field);
    if (other !== undefined) {
      problems.push(`${at}: names the same field as ${join(path, other)}`);
      continue;
    }
    spelled.set(field, key);
    // proto3 JSON: null is the field's default, i.e. not set.
    if (v === null) continue;
    if (field.oneof !== undefined) oneofs.set(field.oneof, [...(oneofs.get(field.oneof) ?? []), key]);
    checkValue(field, v, at, problems);
  }
  for (const [oneof, keys] of oneofs) {
    if (keys.length > 1) {
      problems.push(`${where(path)}: ${keys.join(" and ")} are both set, but oneof ${oneof} takes at most one`);
    }
  }
}

function checkValue(field: JsonField, value: unknown, at: string, problems: string[]): void {
  if (field.repeated === true) {
    if (!Array.isArray(value)) {
      problems.push(`${at}: expected a JSON array`);
      return;
    }
    if (field.message !== undefined) {
      for (const [i, item] of value.entries()) checkMessage(field.message, item, `${at}[${i}]`, problems);
    }
    return;
  }
  if (field.map === true) {
    if (!isObject(value)) {
      problems.push(`${at}: expected a JSON object (a map)`);
      return;
    }
    if (field.message !== undefined) {
      for (const [k, item] of Object.entries(value))
        checkMessage(field.message, item, `${at}[${JSON.stringify(k)}]`, problems);
    }
    return;
  }
  if (field.message !== undefined) checkMessage(field.message, value, at, problems);
}
