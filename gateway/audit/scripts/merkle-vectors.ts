// `npm run generate:vectors`: (re)writes the Merkle test vectors under
// gateway/audit/testdata/merkle from the reference RFC 9162 algorithms (tree-hash.ts),
// for SHA-256 and SM3. `--check` writes nothing and exits 1 when the files on
// disk differ from what it would write, so vectors cannot drift from the code
// or be edited by hand. `--dir <path>` points it at another folder (tests).
//
// The SHA-256 output is proved right by the spec, which compares it with the
// published RFC 6962 / transparency-dev constants; the SM3 output is then trusted
// because the same code produced it. Probes use the transparency-dev schema
// (cmd/proofgen): inclusion {leafIdx, treeSize, root, leafHash, proof, desc,
// wantErr}, consistency {size1, size2, root1, root2, proof, desc, wantErr},
// bytes in base64. Several probes share one file, in a "probes" array.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { sm3 } from "@hutong/certs";
import {
  consistencyPath,
  inclusionPath,
  isMerkleError,
  type MerkleHasher,
  rootFromInclusionProof,
  sha256Hasher,
  sm3Hasher,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
} from "../src/merkle/index.js";

export interface InclusionProbe {
  readonly leafIdx: number;
  readonly treeSize: number;
  readonly root: string;
  readonly leafHash: string;
  readonly proof: readonly string[];
  readonly desc: string;
  readonly wantErr: boolean;
}

export interface ConsistencyProbe {
  readonly size1: number;
  readonly size2: number;
  readonly root1: string;
  readonly root2: string;
  readonly proof: readonly string[];
  readonly desc: string;
  readonly wantErr: boolean;
}

export interface VectorFile<P> {
  readonly about: string;
  readonly hash: string;
  readonly leaves: string;
  readonly probes: readonly P[];
}

export const defaultVectorDir = fileURLToPath(new URL("../testdata/merkle/", import.meta.url));

/** The classic 8-leaf CT tree of RFC 6962's test suite (B.7), as hex. */
const ct8LeavesHex = [
  "",
  "00",
  "10",
  "2021",
  "3031",
  "40414243",
  "5051525354555657",
  "606162636465666768696a6b6c6d6e6f",
] as const;

const ct8Leaves = ct8LeavesHex.map((h) => new Uint8Array(Buffer.from(h, "hex")));

/** Leaf i of the larger trees: i as 4 bytes big-endian. */
function be32Leaf(i: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, i);
  return out;
}

const ct8About = `leaves of the classic RFC 6962 8-leaf tree (hex, in order): ${ct8LeavesHex.map((h) => JSON.stringify(h)).join(", ")}`;
const be32About = "leaf i is i as 4 bytes big-endian";

// Which larger trees, and which of their indices / old sizes to probe (all of
// them for 13; a spread over the subtree boundaries for the others, to keep
// the files small).
interface LargeTree {
  readonly size: number;
  readonly indices: readonly number[];
  readonly olderSizes: readonly number[];
}

const largeTrees: readonly LargeTree[] = [
  { size: 13, indices: range(0, 13), olderSizes: range(1, 13) },
  {
    size: 64,
    indices: [0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 33, 47, 48, 62, 63],
    olderSizes: [1, 2, 3, 7, 8, 9, 31, 32, 33, 48, 63],
  },
  {
    size: 100,
    indices: [0, 1, 2, 31, 32, 63, 64, 65, 95, 96, 97, 98, 99],
    olderSizes: [1, 2, 3, 31, 32, 33, 63, 64, 65, 96, 97, 98, 99],
  },
];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");
const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "utf8"));

/** Deterministic "random" 32 bytes for a probe: SM3 of its description. */
function pseudoRandom(desc: string): Uint8Array {
  return sm3(utf8(desc));
}

/** A copy of `hash` with bit k flipped (byte k / 8, mask 1 << k % 8), k derived from `desc`. */
function flipBit(hash: Uint8Array, desc: string): { flipped: Uint8Array; bit: number } {
  const bit = (pseudoRandom(desc)[0] as number) % (hash.length * 8);
  const flipped = hash.slice();
  flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
  return { flipped, bit };
}

// ---------------------------------------------------------------------------
// Inclusion

interface InclusionCase {
  readonly leafIdx: number;
  readonly treeSize: number;
  readonly root: Uint8Array;
  readonly leafHash: Uint8Array;
  readonly proof: readonly Uint8Array[];
  readonly desc: string;
  readonly wantErr: boolean;
}

/** The happy path and the transparency-dev mutation set (mutations that would underflow an index are left out). */
function inclusionCases(
  hasher: MerkleHasher,
  label: string,
  leafIdx: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
  leafHash: Uint8Array,
): InclusionCase[] {
  const at = `${label} leafIdx ${leafIdx} treeSize ${treeSize}:`;
  const base = { leafIdx, treeSize, root, leafHash, proof, wantErr: true };
  const out: InclusionCase[] = [{ ...base, desc: `${at} happy path`, wantErr: false }];
  const bad = (desc: string, change: Partial<InclusionCase>) => out.push({ ...base, ...change, desc: `${at} ${desc}` });
  if (leafIdx > 0) bad("leafIdx sub @1", { leafIdx: leafIdx - 1 });
  bad("leafIdx plus @1", { leafIdx: leafIdx + 1 });
  bad("leafIdx XOR @2", { leafIdx: leafIdx ^ 2 });
  bad("treeSize mul @2", { treeSize: treeSize * 2 });
  bad("treeSize div @2", { treeSize: Math.floor(treeSize / 2) });
  bad("wrong leaf", { leafHash: hasher.hashLeaf(utf8("WrongLeaf")) });
  bad("empty root", { root: hasher.emptyRoot() });
  bad("random root", { root: pseudoRandom(`${at} random root`) });
  bad("trailing garbage", { proof: [...proof, new Uint8Array(0)] });
  bad("trailing root", { proof: [...proof, root] });
  bad("preceding garbage", { proof: [new Uint8Array(0), ...proof] });
  bad("preceding root", { proof: [root, ...proof] });
  proof.forEach((h, i) => {
    const { flipped, bit } = flipBit(h, `${at} modified proof[${i}]`);
    bad(`modified proof[${i}] bit @${bit}`, { proof: proof.map((p, j) => (j === i ? flipped : p)) });
  });
  if (proof.length > 0) bad("removed component", { proof: proof.slice(0, -1) });
  if (proof.length > 1) {
    const inserted = pseudoRandom(`${at} inserted component`);
    bad("inserted component", { proof: [proof[0] as Uint8Array, inserted, ...proof.slice(1)] });
  }
  return out;
}

function inclusionProbe(c: InclusionCase): InclusionProbe {
  return {
    leafIdx: c.leafIdx,
    treeSize: c.treeSize,
    root: b64(c.root),
    leafHash: b64(c.leafHash),
    proof: c.proof.map(b64),
    desc: c.desc,
    wantErr: c.wantErr,
  };
}

function inclusionTree(hasher: MerkleHasher, label: string, leaves: readonly Uint8Array[], indices: readonly number[]) {
  const leafHashes = leaves.map((l) => hasher.hashLeaf(l));
  const root = treeRoot(hasher, leafHashes);
  return indices.flatMap((i) =>
    inclusionCases(
      hasher,
      label,
      i,
      leaves.length,
      inclusionPath(hasher, leafHashes, i),
      root,
      leafHashes[i] as Uint8Array,
    ),
  );
}

/** Edge cases that do not come from a tree: sizes 0 and 1, out-of-range indices, hashes of the wrong length. */
function inclusionAdditional(hasher: MerkleHasher): InclusionCase[] {
  const leaf = hasher.hashLeaf(utf8("data"));
  const some = pseudoRandom("inclusion additional: some hash");
  const empty = hasher.emptyRoot();
  const none = new Uint8Array(0);
  const c = (leafIdx: number, treeSize: number, root: Uint8Array, leafHash: Uint8Array, desc: string, ok = false) => ({
    leafIdx,
    treeSize,
    root,
    leafHash,
    proof: [],
    desc: `additional leafIdx ${leafIdx} treeSize ${treeSize}: ${desc}`,
    wantErr: !ok,
  });
  return [
    c(0, 1, leaf, leaf, "single entry: matching root and leaf", true),
    c(0, 1, leaf, none, "single entry: empty leaf"),
    c(0, 1, none, leaf, "single entry: empty root"),
    c(0, 1, none, none, "single entry: empty root and leaf"),
    c(0, 1, leaf, leaf.subarray(0, 31), "single entry: short leaf"),
    ...[
      [0, 0],
      [0, 1],
      [1, 0],
      [2, 1],
    ].flatMap(([i, n]) => [
      c(i as number, n as number, none, some, "random leaf"),
      c(i as number, n as number, empty, none, "empty root"),
      c(i as number, n as number, empty, some, "empty root and random leaf"),
    ]),
  ];
}

// ---------------------------------------------------------------------------
// Consistency

interface ConsistencyCase {
  readonly size1: number;
  readonly size2: number;
  readonly root1: Uint8Array;
  readonly root2: Uint8Array;
  readonly proof: readonly Uint8Array[];
  readonly desc: string;
  readonly wantErr: boolean;
}

function consistencyCases(
  hasher: MerkleHasher,
  label: string,
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): ConsistencyCase[] {
  const at = `${label} size1 ${size1} size2 ${size2}:`;
  const base = { size1, size2, root1, root2, proof, wantErr: true };
  const out: ConsistencyCase[] = [{ ...base, desc: `${at} happy path`, wantErr: false }];
  const bad = (desc: string, change: Partial<ConsistencyCase>) =>
    out.push({ ...base, ...change, desc: `${at} ${desc}` });
  if (size1 === size2) {
    // Trivial proofs (empty) get the mutations that still mean something.
    bad("non-empty proof", { proof: [root1] });
    bad("random root2", { root2: pseudoRandom(`${at} random root2`) });
    bad("size2 plus @1", { size2: size2 + 1 });
    return out;
  }
  bad("size1 sub @1", { size1: size1 - 1 });
  bad("size1 plus @1", { size1: size1 + 1 });
  bad("size1 XOR @2", { size1: size1 ^ 2 });
  bad("size2 mul @2", { size2: size2 * 2 });
  bad("size2 div @2", { size2: Math.floor(size2 / 2) });
  bad("random root1", { root1: pseudoRandom(`${at} random root1`) });
  bad("random root2", { root2: pseudoRandom(`${at} random root2`) });
  bad("empty root1", { root1: hasher.emptyRoot() });
  bad("swapped roots", { root1: root2, root2: root1 });
  bad("empty proof", { proof: [] });
  bad("trailing garbage", { proof: [...proof, new Uint8Array(0)] });
  bad("trailing root1", { proof: [...proof, root1] });
  bad("trailing root2", { proof: [...proof, root2] });
  bad("preceding garbage", { proof: [new Uint8Array(0), ...proof] });
  bad("preceding root1", { proof: [root1, ...proof] });
  bad("preceding root2", { proof: [root2, ...proof] });
  bad("preceding proof @0", { proof: [proof[0] as Uint8Array, ...proof] });
  bad("removed component", { proof: proof.slice(0, -1) });
  if (proof.length > 1) {
    const inserted = pseudoRandom(`${at} inserted component`);
    bad("inserted component", { proof: [proof[0] as Uint8Array, inserted, ...proof.slice(1)] });
  }
  proof.forEach((h, i) => {
    const { flipped, bit } = flipBit(h, `${at} modified proof[${i}]`);
    bad(`modified proof[${i}] bit @${bit}`, { proof: proof.map((p, j) => (j === i ? flipped : p)) });
  });
  return out;
}

function consistencyProbe(c: ConsistencyCase): ConsistencyProbe {
  return {
    size1: c.size1,
    size2: c.size2,
    root1: b64(c.root1),
    root2: b64(c.root2),
    proof: c.proof.map(b64),
    desc: c.desc,
    wantErr: c.wantErr,
  };
}

function consistencyTree(
  hasher: MerkleHasher,
  label: string,
  leaves: readonly Uint8Array[],
  olderSizes: readonly number[],
) {
  const leafHashes = leaves.map((l) => hasher.hashLeaf(l));
  const root2 = treeRoot(hasher, leafHashes);
  return olderSizes.flatMap((size1) =>
    consistencyCases(
      hasher,
      label,
      size1,
      leaves.length,
      consistencyPath(hasher, leafHashes, size1),
      treeRoot(hasher, leafHashes.slice(0, size1)),
      root2,
    ),
  );
}

/** Edge cases around size 0 and equal sizes, following verifyConsistency's documented choices. */
function consistencyAdditional(hasher: MerkleHasher): ConsistencyCase[] {
  const leafHashes = ct8Leaves.map((l) => hasher.hashLeaf(l));
  const root = (n: number) => treeRoot(hasher, leafHashes.slice(0, n));
  const empty = hasher.emptyRoot();
  const c = (
    size1: number,
    size2: number,
    root1: Uint8Array,
    root2: Uint8Array,
    proof: Uint8Array[],
    desc: string,
  ) => ({
    size1,
    size2,
    root1,
    root2,
    proof,
    desc: `additional size1 ${size1} size2 ${size2}: ${desc}`,
  });
  return [
    { ...c(0, 0, empty, empty, [], "both empty"), wantErr: false },
    { ...c(0, 5, empty, root(5), [], "size1 zero, empty proof: any root2"), wantErr: false },
    { ...c(0, 5, empty, pseudoRandom("size1 zero any root2"), [], "size1 zero, random root2"), wantErr: false },
    { ...c(0, 5, empty, root(5), [root(5)], "size1 zero, non-empty proof"), wantErr: true },
    { ...c(0, 5, root(3), root(5), [], "size1 zero, root1 not the empty root"), wantErr: true },
    { ...c(0, 0, root(1), root(1), [], "size zero, roots equal but not the empty root"), wantErr: true },
    { ...c(0, 1, empty, utf8("don't care 2"), [], "size1 zero, root2 of the wrong length"), wantErr: true },
    { ...c(0, 0, empty, empty, [empty], "sizes equal (zero), non-empty proof"), wantErr: true },
    { ...c(1, 1, root(1), root(1), [empty], "sizes equal (one), non-empty proof"), wantErr: true },
    {
      ...c(1, 1, utf8("don't care 1"), utf8("don't care 1"), [], "sizes equal, roots of the wrong length"),
      wantErr: true,
    },
    { ...c(5, 4, root(5), root(4), [], "size1 greater than size2"), wantErr: true },
    { ...c(1, 0, root(1), empty, [], "size1 greater than size2 (zero)"), wantErr: true },
    { ...c(1, 2, root(1), root(2), [], "sizes differ, empty proof"), wantErr: true },
  ];
}

// ---------------------------------------------------------------------------
// Files

function vectorFile<P>(about: string, hash: string, leaves: string, probes: readonly P[]): string {
  // One probe per line: small diffs, still plain JSON.
  const head = [`  "about": ${JSON.stringify(about)},`, `  "hash": ${JSON.stringify(hash)},`];
  const lines = probes.map((p, i) => `    ${JSON.stringify(p)}${i < probes.length - 1 ? "," : ""}`);
  return ["{", ...head, `  "leaves": ${JSON.stringify(leaves)},`, '  "probes": [', ...lines, "  ]", "}", ""].join("\n");
}

const inclusionAbout =
  "Inclusion proof probes in the transparency-dev/merkle schema (base64 bytes). Each happy path is followed by its mutations, all of which must fail verification; a mutation's desc starts with the happy case it derives from. 'modified proof[i] bit @k' flips byte k/8, mask 1<<(k%8); 'random' hashes are SM3 of the probe's desc; 'leafIdx sub @1' is left out for leaf 0 (no negative numbers). Generated by gateway/audit/scripts/merkle-vectors.ts: do not edit.";
const consistencyAbout =
  "Consistency proof probes in the transparency-dev/merkle schema (base64 bytes). Each happy path is followed by its mutations, all of which must fail verification; a mutation's desc starts with the happy case it derives from. 'modified proof[i] bit @k' flips byte k/8, mask 1<<(k%8); 'random' hashes are SM3 of the probe's desc. Size1 0 accepts only an empty proof, with root1 = HASH(\"\") and any root2. Generated by gateway/audit/scripts/merkle-vectors.ts: do not edit.";

function pad(n: number): string {
  return String(n).padStart(3, "0");
}

/** Every vector file, by path relative to the vector folder. Pure: no I/O. */
export function renderMerkleVectors(): Map<string, string> {
  const files = new Map<string, string>();
  for (const hasher of [sha256Hasher, sm3Hasher]) {
    const h = hasher.name;
    const inc = (name: string, leaves: string, cases: readonly InclusionCase[]) =>
      files.set(`${h}/inclusion/${name}.json`, vectorFile(inclusionAbout, h, leaves, checkedInclusion(hasher, cases)));
    const con = (name: string, leaves: string, cases: readonly ConsistencyCase[]) =>
      files.set(
        `${h}/consistency/${name}.json`,
        vectorFile(consistencyAbout, h, leaves, checkedConsistency(hasher, cases)),
      );
    for (let n = 1; n <= ct8Leaves.length; n++) {
      const leaves = ct8Leaves.slice(0, n);
      inc(`ct8-size-${pad(n)}`, ct8About, inclusionTree(hasher, "ct8", leaves, range(0, n)));
      con(`ct8-size-${pad(n)}`, ct8About, consistencyTree(hasher, "ct8", leaves, range(1, n + 1)));
    }
    for (const t of largeTrees) {
      const leaves = range(0, t.size).map(be32Leaf);
      inc(`be32-size-${pad(t.size)}`, be32About, inclusionTree(hasher, "be32", leaves, t.indices));
      con(`be32-size-${pad(t.size)}`, be32About, consistencyTree(hasher, "be32", leaves, t.olderSizes));
    }
    inc("additional", "none: hashes stand alone", inclusionAdditional(hasher));
    con("additional", ct8About, consistencyAdditional(hasher));
  }
  files.set("known-answers.json", knownAnswers());
  return files;
}

// The generator refuses to write a vector its own verifier disagrees with, so a
// mutation that happens to stay valid is caught here rather than in the spec.
function checkedInclusion(hasher: MerkleHasher, cases: readonly InclusionCase[]): InclusionProbe[] {
  for (const c of cases) {
    const failed = fails(() => verifyInclusion(hasher, c.leafIdx, c.treeSize, c.leafHash, c.proof, c.root));
    if (failed !== c.wantErr) throw new Error(`generated probe disagrees with the verifier: ${hasher.name} ${c.desc}`);
  }
  return cases.map(inclusionProbe);
}

function checkedConsistency(hasher: MerkleHasher, cases: readonly ConsistencyCase[]): ConsistencyProbe[] {
  for (const c of cases) {
    const failed = fails(() => verifyConsistency(hasher, c.size1, c.size2, c.root1, c.root2, c.proof));
    if (failed !== c.wantErr) throw new Error(`generated probe disagrees with the verifier: ${hasher.name} ${c.desc}`);
  }
  return cases.map(consistencyProbe);
}

function fails(verify: () => void): boolean {
  try {
    verify();
    return false;
  } catch (error) {
    if (isMerkleError(error)) return true;
    throw error;
  }
}

function knownAnswers(): string {
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  const answers = (hasher: MerkleHasher) => {
    const leafHashes = ct8Leaves.map((l) => hasher.hashLeaf(l));
    const roots: Record<string, string> = {};
    for (let n = 0; n <= ct8Leaves.length; n++) roots[String(n)] = hex(treeRoot(hasher, leafHashes.slice(0, n)));
    // Sanity: the reference path of leaf 0 leads to the root (cheap guard on the generator itself).
    const proof = inclusionPath(hasher, leafHashes, 0);
    if (hex(rootFromInclusionProof(hasher, 0, 8, leafHashes[0] as Uint8Array, proof)) !== roots["8"]) {
      throw new Error(`${hasher.name}: reference inclusion path does not lead to the reference root`);
    }
    return {
      emptyRoot: hex(hasher.emptyRoot()),
      leafEmpty: hex(hasher.hashLeaf(new Uint8Array(0))),
      leafL123456: hex(hasher.hashLeaf(utf8("L123456"))),
      nodeN123N456: hex(hasher.hashChildren(utf8("N123"), utf8("N456"))),
      ct8Roots: roots,
      ct8InclusionLeaf0Size8: proof.map(hex),
      ct8ConsistencySize6To8: consistencyPath(hasher, leafHashes, 6).map(hex),
    };
  };
  const doc = {
    about:
      "Merkle hasher known answers (leaf = HASH(0x00||entry), node = HASH(0x01||l||r)) and roots of the classic 8-leaf CT tree for sizes 0..8, hex. Generated by gateway/audit/scripts/merkle-vectors.ts: do not edit.",
    ct8Leaves: ct8LeavesHex,
    sha256: answers(sha256Hasher),
    sm3: answers(sm3Hasher),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function filesOnDisk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split("\\").join("/"))
    .sort();
}

/** Paths (relative to `dir`) that are missing, differ, or are not ours. Empty when `dir` is up to date. */
export function diffMerkleVectors(dir: string, files: Map<string, string> = renderMerkleVectors()): string[] {
  const names = [...new Set([...files.keys(), ...filesOnDisk(dir)])].sort();
  return names.filter((name) => {
    const want = files.get(name);
    const path = join(dir, name);
    return want === undefined || !existsSync(path) || readFileSync(path, "utf8") !== want;
  });
}

export function writeMerkleVectors(dir: string): number {
  const files = renderMerkleVectors();
  for (const name of filesOnDisk(dir)) if (!files.has(name)) rmSync(join(dir, name));
  for (const [name, text] of files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return files.size;
}

function main(argv: readonly string[]): number {
  const check = argv.includes("--check");
  const dirAt = argv.indexOf("--dir");
  const dir = dirAt >= 0 ? (argv[dirAt + 1] ?? "") : defaultVectorDir;
  if (dir === "") {
    console.error("--dir needs a path");
    return 2;
  }
  const shown = relative(process.cwd(), dir) || ".";
  if (!check) {
    console.log(`wrote ${writeMerkleVectors(dir)} Merkle vector files to ${shown}`);
    return 0;
  }
  const stale = diffMerkleVectors(dir);
  if (stale.length > 0) {
    console.error(
      `Merkle test vectors in ${shown} differ from what gateway/audit/scripts/merkle-vectors.ts generates:`,
    );
    for (const name of stale) console.error(`  ${name}`);
    console.error("Run `npm run generate:vectors` and commit the result (never edit the vectors by hand).");
    return 1;
  }
  console.log(`Merkle test vectors in ${shown} are up to date.`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
