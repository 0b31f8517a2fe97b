#!/usr/bin/env node
// Second step of `npm run generate`, after `buf generate` has written proto/gen with ts-proto:
//   1. drops WKT files that no generated file imports (buf's include_imports also emits
//      google/protobuf/descriptor.ts, pulled in only by options.proto's `extend`);
//   2. checks the contract's own options (proto/hutong/v1/options.proto) and writes the tables the
//      gateway reads instead of naming the domain: personal-fields.ts, wire-layouts.ts,
//      contract-services.ts, share-methods.ts, record-schemas.ts, purpose-policy.ts, lifecycles.ts,
//      field-rules.ts (contract-tables.mjs, field-rules.mjs, emit-tables.mjs); a problem fails
//      generation with a message naming the option;
//      and json-fields.ts, the JSON field names of every message (json-fields.mjs);
//   3. writes descriptor-set.ts, the serialized FileDescriptorProtos and symbol index that gRPC
//      reflection serves (descriptor-set.mjs);
//   4. writes gen/index.ts, the package entry point, with explicit named re-exports (no `export *`).
// Output is a pure function of the protos and the generated files, so regeneration is reproducible.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { indexImage } from "./contract-model.mjs";
import { buildContractTables } from "./contract-tables.mjs";
import { descriptorSetTs } from "./descriptor-set.mjs";
import {
  contractServicesTs,
  fieldRulesTs,
  header,
  lifecyclesTs,
  personalFieldsTs,
  purposePolicyTs,
  recordSchemasTs,
  shareMethodsTs,
  wireLayoutsTs,
} from "./emit-tables.mjs";
import { jsonFieldsTs } from "./json-fields.mjs";

const protoDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const genDir = join(protoDir, "gen");

/** The files this script writes, with the names each exports (for the index). */
const outputs = {
  "personal-fields.ts": ["type PersonalFieldPath", "personalFields"],
  "wire-layouts.ts": [
    "type FieldPath",
    "type FieldStep",
    "type SubjectPaths",
    "type WireField",
    "type WireFieldType",
    "wireLayouts",
  ],
  "contract-services.ts": [
    "type ContractMethod",
    "type ContractService",
    "contractServices",
    "type ServiceRoutingName",
  ],
  "share-methods.ts": ["type ShareMethodSpec", "shareMethods", "type ShareOperationName"],
  "record-schemas.ts": ["type RecordSchema", "recordSchemas"],
  "purpose-policy.ts": [
    "type AccessRule",
    "type PolicyCaps",
    "type PolicyGrantorKind",
    "type PolicyPurpose",
    "type PolicyRecordKind",
    "purposePolicy",
    "type PurposePolicyRow",
    "type RecordAccessRule",
  ],
  "descriptor-set.ts": ["type ContractFile", "contractExtensions", "contractFiles", "contractSymbols"],
  "json-fields.ts": ["type JsonField", "jsonFields"],
  "lifecycles.ts": [
    "type Lifecycle",
    "type LifecycleChange",
    "type LifecycleTransition",
    "lifecycleStateNames",
    "lifecycles",
  ],
  "field-rules.ts": [
    "type FieldRuleSpec",
    "fieldRules",
    "type KindDetail",
    "type KindDetails",
    "kindDetails",
    "type RuleField",
    "type RuleValueKind",
  ],
};

function listTs(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) =>
      relative(genDir, join(e.parentPath ?? e.path, e.name))
        .split("\\")
        .join("/"),
    )
    .sort();
}

// 1. Unused well-known-type files.
const generated = listTs(genDir).filter((f) => f !== "index.ts" && !Object.hasOwn(outputs, f));
const sources = generated.map((f) => readFileSync(join(genDir, f), "utf8"));
for (const wkt of generated.filter((f) => f.startsWith("google/"))) {
  const stem = wkt.slice("google/protobuf/".length, -".ts".length);
  const used = sources.some((s) => s.includes(`/google/protobuf/${stem}.js"`));
  if (!used) rmSync(join(genDir, wkt));
}

// 2. The tables.
const build = (format) =>
  execFileSync("buf", ["build", "--as-file-descriptor-set", "--exclude-source-info", "-o", `-#format=${format}`], {
    cwd: protoDir,
    encoding: format === "json" ? "utf8" : "buffer",
    maxBuffer: 64 * 1024 * 1024,
  });
const image = JSON.parse(build("json"));
const model = indexImage(image);
let tables;
try {
  tables = buildContractTables(model);
} catch (e) {
  if (e?.name !== "ContractError") throw e;
  console.error(e.message);
  process.exit(1);
}
const write = (name, text) => writeFileSync(join(genDir, name), text);
write("personal-fields.ts", personalFieldsTs(model, tables.reach));
write("wire-layouts.ts", wireLayoutsTs(tables.layouts));
write("contract-services.ts", contractServicesTs(tables.services));
write("share-methods.ts", shareMethodsTs(tables.shareMethods));
write("record-schemas.ts", recordSchemasTs(tables.records));
write("purpose-policy.ts", purposePolicyTs(tables.policy));
write("lifecycles.ts", lifecyclesTs(tables.lifecycles));
write("field-rules.ts", fieldRulesTs(tables.fieldRules));

// 2b. JSON field shapes, for strict JSON reading (json-fields.mjs).
write("json-fields.ts", jsonFieldsTs(image));

// 3. Reflection.
write("descriptor-set.ts", descriptorSetTs(build("binpb"), image));

// 4. Index: explicit named re-exports of every hutong/v1 module and the vendored grpc.* ones
//    (health, reflection), so the gateway imports them from the package entry point too.
const exportRe = /^export (const|interface|enum|function|type|class) (\w+)/gm;
const shared = new Set(["protobufPackage", "protobufFileName", "DeepPartial", "MessageFns"]);
const lines = [];
for (const file of listTs(genDir).filter((f) => f.startsWith("hutong/") || f.startsWith("grpc/"))) {
  const text = readFileSync(join(genDir, file), "utf8");
  const values = new Set();
  const types = new Set();
  for (const [, what, name] of text.matchAll(exportRe)) {
    if (shared.has(name)) continue;
    if (what === "interface" || what === "type") types.add(name);
    else values.add(name);
  }
  const names = [...new Set([...values, ...types])].sort().map((n) => (values.has(n) ? n : `type ${n}`));
  lines.push(`export {\n${names.map((n) => `  ${n},`).join("\n")}\n} from "./${file.slice(0, -3)}.js";`);
}
const anyMessageFile = "hutong/v1/common";
if (!existsSync(join(genDir, `${anyMessageFile}.ts`))) throw new Error(`missing gen/${anyMessageFile}.ts`);
lines.push(`export type { DeepPartial, MessageFns } from "./${anyMessageFile}.js";`);
for (const [file, names] of Object.entries(outputs)) {
  const bare = (n) => n.replace(/^type /, "");
  const sorted = [...names].sort((a, b) => (bare(a) < bare(b) ? -1 : bare(a) > bare(b) ? 1 : 0));
  lines.push(`export {\n${sorted.map((n) => `  ${n},`).join("\n")}\n} from "./${file.slice(0, -3)}.js";`);
}
write(
  "index.ts",
  `${header}// The @hutong/proto entry point: every hutong.v1 message, enum and grpc-js service, the vendored\n// grpc.health.v1 and grpc.reflection.v1 ones, and the tables derived from the contract's options.\n\n${lines.join("\n")}\n`,
);
