#!/usr/bin/env node
// `npm run build` / `npm run typecheck`: tsc over every workspace, in the order the root
// package.json lists them (dependencies first), so a build finds its dependencies' dist/.
// build: tsconfig.build.json (emit a fresh dist/); typecheck: tsconfig.json (sources, tests, scripts; no emit).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const mode = process.argv[2];
if (mode !== "build" && mode !== "typecheck") {
  console.error("usage: tsc-workspaces.mjs build|typecheck");
  process.exit(2);
}
const root = join(import.meta.dirname, "..");
const { workspaces } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const tsc = join(root, "node_modules", ".bin", "tsc");
const config = mode === "build" ? "tsconfig.build.json" : "tsconfig.json";
for (const ws of workspaces) {
  // A workspace with nothing to publish (deploy/: configs and their checks) has no build config.
  if (mode === "build" && !existsSync(join(root, ws, config))) continue;
  // A build starts from an empty dist/, so a module whose source is gone cannot linger there.
  if (mode === "build") rmSync(join(root, ws, "dist"), { recursive: true, force: true });
  try {
    execFileSync(tsc, ["-p", join(ws, config)], { cwd: root, stdio: "inherit" });
  } catch {
    console.error(`${mode} failed in ${ws}`);
    process.exit(1);
  }
}
