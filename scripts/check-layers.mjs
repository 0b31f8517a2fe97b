#!/usr/bin/env node
// `npm run lint:layers` (part of `npm run lint`): the dependency rules of docs/architecture.md,
// checked on the real import graph. esbuild parses and resolves every import exactly as the
// `hutong-source` condition does at test time (workspace packages through their `exports`);
// nothing is bundled or written.
//
// Written here rather than configured in dependency-cruiser: its TypeScript parsers are the
// TypeScript compiler API (which TypeScript 7 no longer ships) or swc, whose walker stops at
// `using` declarations (used in our tests). The rules themselves are the table below.
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative } from "node:path";
import { build } from "esbuild";

const root = join(import.meta.dirname, "..");
const rootPackage = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const workspaces = rootPackage.workspaces.map((dir) => ({
  dir,
  manifest: JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")),
}));

/**
 * Inside @hutong/gateway (gateway/server/src): which folders a folder's production code may
 * import, besides itself and other packages. Pure cores at the bottom, the composition root
 * (gateway/) and the development federation (dev/) on top. A folder missing here may import
 * nothing of the server: add it deliberately.
 */
const serverLayers = {
  ".": [], // gateway-error.ts; index.ts, ports.ts and testing.ts are barrels (below)
  routing: ["."],
  config: ["routing"],
  observability: [],
  health: [],
  reflection: [],
  "store/port": [],
  "store/sql": ["store/port"],
  "store/sqlite": ["store/port", "store/sql"],
  "store/postgres": ["store/port", "store/sql"],
  store: ["store/port", "store/sqlite", "store/postgres"],
  outbox: ["store/port", "observability"],
  audit: ["store/port"],
  grants: [".", "routing", "store/port", "outbox"],
  share: [".", "routing", "grants", "store/port"],
  pipeline: [".", "routing", "grants", "share", "observability", "store/port"],
  endpoints: [".", "routing", "grants", "share", "audit", "outbox", "store/port", "pipeline"],
  gateway: ["*"],
  "gateway/routes": [".", "routing", "endpoints", "pipeline", "observability", "gateway"],
  dev: ["*"],
};
const serverSrc = "gateway/server/src";
/** Files that only re-export (a package's or folder's public surface): not a layer of their own. */
const isBarrel = (file) => /\/(index|ports|testing|dev)\.ts$/.test(file);

const isTestFile = (file) =>
  /(\.spec|\.robustness|\.browser|\/testing(-[^/]+)?)\.ts$/.test(file) || /\/(scripts|bench)\//.test(file);
const workspaceOf = (file) => workspaces.find((w) => file.startsWith(`${w.dir}/`));
const isBuiltin = (spec) => spec.startsWith("node:") || builtinModules.includes(spec.split("/")[0]);
const packageName = (spec) =>
  (spec.startsWith("@") ? spec.split("/").slice(0, 2) : spec.split("/").slice(0, 1)).join("/");

// --- the graph -------------------------------------------------------------------------------

const entryPoints = workspaces.flatMap((w) =>
  ["src", "gen", "scripts", "bench"].flatMap((sub) => {
    try {
      return readdirTs(join(root, w.dir, sub));
    } catch {
      return [];
    }
  }),
);

function readdirTs(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts"))
    .map((e) => join(e.parentPath, e.name));
}

const externals = []; // { from, spec }
let result;
try {
  result = await build({
    entryPoints,
    bundle: true,
    write: false,
    metafile: true,
    outdir: join(root, ".layers-out"),
    platform: "node",
    format: "esm",
    conditions: ["hutong-source"],
    logLevel: "silent",
    plugins: [
      {
        name: "externals",
        setup(b) {
          // Our workspaces resolve (to their sources); every other package stays outside the graph.
          b.onResolve({ filter: /^[^./]/ }, (args) => {
            if (args.path.startsWith("@hutong/")) return undefined;
            externals.push({ from: relative(root, args.importer), spec: args.path });
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
} catch (e) {
  // An import that does not resolve (a moved file, a package subpath its exports do not offer).
  console.error(
    `Dependency rules: the import graph cannot be built:\n${(e.errors ?? [e]).map((x) => `  ${x.location?.file ?? ""}:${x.location?.line ?? ""}: ${x.text ?? x.message}`).join("\n")}`,
  );
  process.exit(1);
}

/** file -> files it imports (repository-relative). */
const graph = new Map();
for (const [file, input] of Object.entries(result.metafile.inputs)) {
  if (file.includes("node_modules/")) continue;
  graph.set(
    file,
    input.imports.filter((i) => !i.external && !i.path.includes("node_modules/")).map((i) => i.path),
  );
}

// --- the rules -------------------------------------------------------------------------------

const problems = [];

// 1. A workspace imports only packages its package.json lists (tests and tools may also use the
//    root's devDependencies), and never one that depends on it (the package graph stays acyclic).
const declared = (w, test) =>
  new Set([
    ...Object.keys(w.manifest.dependencies ?? {}),
    ...Object.keys(w.manifest.peerDependencies ?? {}),
    ...Object.keys(w.manifest.optionalDependencies ?? {}),
    ...(test ? [...Object.keys(w.manifest.devDependencies ?? {}), ...Object.keys(rootPackage.devDependencies)] : []),
  ]);
for (const { from, spec } of externals) {
  if (isBuiltin(spec)) continue;
  const w = workspaceOf(from);
  if (w !== undefined && !declared(w, isTestFile(from)).has(packageName(spec))) {
    problems.push(`${from}: imports ${packageName(spec)}, which ${w.dir}/package.json does not list`);
  }
}
for (const [file, imports] of graph) {
  const w = workspaceOf(file);
  for (const target of imports) {
    const t = workspaceOf(target);
    if (w === undefined || t === undefined || t === w) continue;
    if (!declared(w, isTestFile(file)).has(t.manifest.name)) {
      problems.push(`${file}: imports ${t.manifest.name}, which ${w.dir}/package.json does not list`);
    }
  }
}

// 2. Test helpers (testing-*.ts) are reached from their own folder, or through a testing barrel
//    (a package's `testing` export), never by reaching into another folder. Helpers may build on
//    helpers of their own package directly (through the barrel they would import themselves).
const isHelper = (file) => /\/testing(-[^/]+)?\.ts$/.test(file);
for (const [file, imports] of graph) {
  for (const target of imports) {
    if (!/\/testing-[^/]+\.ts$/.test(target)) continue;
    if (dirname(target) === dirname(file)) continue;
    if (isHelper(file) && workspaceOf(file) === workspaceOf(target)) continue;
    problems.push(`${file}: reaches into ${target}; import its package's testing barrel instead`);
  }
}

// 3. Inside the server, production code imports only the folders its layer allows.
const folderOf = (file) => dirname(relative(serverSrc, file)).replace(/^$/, ".");
for (const [file, imports] of graph) {
  if (!file.startsWith(`${serverSrc}/`) || isTestFile(file) || isBarrel(file)) continue;
  const from = folderOf(file);
  const allowed = serverLayers[from];
  if (allowed === undefined) {
    problems.push(`${file}: folder ${from} has no layer in scripts/check-layers.mjs`);
    continue;
  }
  for (const target of imports) {
    if (!target.startsWith(`${serverSrc}/`)) continue;
    const to = folderOf(target);
    if (to === from || allowed.includes("*") || allowed.includes(to)) continue;
    problems.push(`${file}: ${from}/ may not import ${to}/ (${relative(serverSrc, target)})`);
  }
}

// 4. No cycles: between files anywhere, and between folders of production code.
function cycles(nodes, edges) {
  // Tarjan's strongly connected components; each component of more than one node is a cycle.
  let index = 0;
  const stack = [];
  const state = new Map();
  const found = [];
  const visit = (v) => {
    const s = { index, low: index, onStack: true };
    index += 1;
    state.set(v, s);
    stack.push(v);
    for (const w of edges(v)) {
      const t = state.get(w);
      if (t === undefined) {
        visit(w);
        s.low = Math.min(s.low, state.get(w).low);
      } else if (t.onStack) s.low = Math.min(s.low, t.index);
    }
    if (s.low === s.index) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        state.get(w).onStack = false;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of nodes) if (!state.has(v)) visit(v);
  return found;
}
for (const c of cycles([...graph.keys()], (f) => graph.get(f) ?? [])) {
  problems.push(`import cycle between files: ${c.join(", ")}`);
}
const folders = new Map();
for (const [file, imports] of graph) {
  if (isTestFile(file) || isBarrel(file)) continue;
  const from = dirname(file);
  if (!folders.has(from)) folders.set(from, new Set());
  for (const target of imports)
    if (!isTestFile(target) && dirname(target) !== from) folders.get(from).add(dirname(target));
}
for (const c of cycles([...folders.keys()], (d) => folders.get(d) ?? [])) {
  problems.push(`import cycle between folders: ${c.join(", ")}`);
}

if (problems.length > 0) {
  console.error(`Dependency rules (docs/architecture.md) broken in ${problems.length} place(s):`);
  for (const p of problems.sort()) console.error(`  ${p}`);
  process.exit(1);
}
console.log(
  `dependency rules hold: ${graph.size} files, ${folders.size} folders, ${workspaces.length} workspaces, no cycle`,
);
