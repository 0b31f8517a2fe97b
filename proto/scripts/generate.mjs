#!/usr/bin/env node
// `npm run generate`: lint the protos, run ts-proto through buf into proto/gen, then postgen.mjs.
// `npm run check:generated` (--check): do the same in a temporary copy of proto/ and fail if the
// result differs from proto/gen on disk, so a proto edit without regeneration (or a hand edit of
// generated code) cannot pass CI. Needs no network: buf and the ts-proto plugin come from npm.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const protoDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const check = process.argv.includes("--check");

// Put the npm-installed binaries (buf, protoc-gen-ts_proto) on PATH, also when run without npm.
const bins = [];
for (let dir = protoDir; ; dir = dirname(dir)) {
  if (existsSync(join(dir, "node_modules", ".bin"))) bins.push(join(dir, "node_modules", ".bin"));
  if (dirname(dir) === dir) break;
}
const env = { ...process.env, PATH: [...bins, process.env.PATH ?? ""].join(delimiter) };

function generate(dir) {
  const run = (cmd, args) => execFileSync(cmd, args, { cwd: dir, env, stdio: "inherit" });
  run("buf", ["lint"]);
  run("buf", ["generate"]);
  run(process.execPath, [join(dir, "scripts", "postgen.mjs")]);
}

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) =>
      relative(dir, join(e.parentPath ?? e.path, e.name))
        .split("\\")
        .join("/"),
    )
    .sort();
}

if (!check) {
  generate(protoDir);
} else {
  const work = mkdtempSync(join(tmpdir(), "hutong-proto-"));
  try {
    for (const item of ["buf.yaml", "buf.gen.yaml", "grpc", "hutong", "scripts"]) {
      cpSync(join(protoDir, item), join(work, item), { recursive: true });
    }
    generate(work);
    const fresh = join(work, "gen");
    const committed = join(protoDir, "gen");
    const names = [...new Set([...files(fresh), ...files(committed)])].sort();
    const stale = names.filter((name) => {
      const a = join(fresh, name);
      const b = join(committed, name);
      return !existsSync(a) || !existsSync(b) || !readFileSync(a).equals(readFileSync(b));
    });
    if (stale.length > 0) {
      console.error("proto/gen is out of date with proto/hutong, proto/grpc (or was edited by hand). Differing files:");
      for (const name of stale) console.error(`  proto/gen/${name}`);
      console.error("Run `npm run generate` and commit the result.");
      process.exit(1);
    }
    console.log(`proto/gen is up to date (${names.length} files).`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
