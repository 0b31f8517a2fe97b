// The committed vector files (gateway/audit/testdata/merkle): anchored to the published
// constants, every happy probe verifies, every mutated probe fails, and the
// generator would write exactly what is committed.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  type ConsistencyProbe,
  defaultVectorDir,
  diffMerkleVectors,
  type InclusionProbe,
  renderMerkleVectors,
  type VectorFile,
} from "../../scripts/merkle-vectors.js";
import { type MerkleHasher, merkleHasher } from "./hasher.js";
import { isMerkleError } from "./merkle-error.js";
import { abbreviate, publishedSha256, publishedSm3 } from "./testing-published-vectors.js";
import { verifyConsistency } from "./verify-consistency.js";
import { verifyInclusion } from "./verify-inclusion.js";

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const script = join(repoRoot, "gateway/audit/scripts/merkle-vectors.ts");
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, "base64"));
const hex = (b64: string) => Buffer.from(b64, "base64").toString("hex");

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(join(defaultVectorDir, path), "utf8")) as T;
}

function vectorFiles(hash: string, kind: "inclusion" | "consistency"): string[] {
  return readdirSync(join(defaultVectorDir, hash, kind))
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => `${hash}/${kind}/${name}`);
}

/** Runs a verification; true when it failed with a MerkleError (anything else is a bug and rethrown). */
function fails(verify: () => void): boolean {
  try {
    verify();
    return false;
  } catch (error) {
    if (isMerkleError(error)) return true;
    throw error;
  }
}

const inclusionKeys = ["desc", "leafHash", "leafIdx", "proof", "root", "treeSize", "wantErr"];
const consistencyKeys = ["desc", "proof", "root1", "root2", "size1", "size2", "wantErr"];

describe("Merkle vector files", () => {
  interface KnownAnswers {
    readonly sha256: Record<string, unknown>;
    readonly sm3: Record<string, unknown>;
  }
  const known = readJson<KnownAnswers>("known-answers.json");

  it("known-answers.json: SHA-256 equals the published RFC 6962 / transparency-dev constants", () => {
    const { sha256 } = known;
    assert.equal(sha256.emptyRoot, publishedSha256.emptyRoot);
    assert.equal(sha256.leafEmpty, publishedSha256.leafEmpty);
    assert.equal(sha256.leafL123456, publishedSha256.leafL123456);
    assert.equal(sha256.nodeN123N456, publishedSha256.nodeN123N456);
    assert.deepEqual(Object.values(sha256.ct8Roots as object), publishedSha256.ct8Roots);
    assert.deepEqual(sha256.ct8InclusionLeaf0Size8, publishedSha256.inclusionProofs[1].proof);
    assert.deepEqual(sha256.ct8ConsistencySize6To8, publishedSha256.consistencyProofs[2].proof);
  });

  it("known-answers.json: SM3 equals the B.7 values", () => {
    const { sm3 } = known;
    assert.equal(sm3.emptyRoot, publishedSm3.emptyRoot);
    assert.equal(sm3.leafEmpty, publishedSm3.leafEmpty);
    assert.equal(sm3.leafL123456, publishedSm3.leafL123456);
    assert.equal(sm3.nodeN123N456, publishedSm3.nodeN123N456);
    assert.deepEqual(Object.values(sm3.ct8Roots as object), publishedSm3.ct8Roots);
    assert.deepEqual((sm3.ct8InclusionLeaf0Size8 as string[]).map(abbreviate), publishedSm3.inclusionLeaf0Size8);
    assert.deepEqual((sm3.ct8ConsistencySize6To8 as string[]).map(abbreviate), publishedSm3.consistency6To8);
  });

  for (const [hash, published] of [
    ["sha256", publishedSha256],
    ["sm3", publishedSm3],
  ] as const) {
    const hasher: MerkleHasher = merkleHasher(hash);

    it(`${hash}: every inclusion probe behaves as its wantErr says`, () => {
      const files = vectorFiles(hash, "inclusion");
      assert.ok(files.length >= 12, `only ${files.length} inclusion files`);
      let happy = 0;
      let mutated = 0;
      let ct8Happy = 0;
      for (const file of files) {
        const doc = readJson<VectorFile<InclusionProbe>>(file);
        assert.equal(doc.hash, hash, file);
        assert.ok(doc.probes.length > 0, file);
        for (const p of doc.probes) {
          assert.deepEqual(Object.keys(p).sort(), inclusionKeys, `${file}: ${p.desc}`);
          const failed = fails(() =>
            verifyInclusion(hasher, p.leafIdx, p.treeSize, bytes(p.leafHash), p.proof.map(bytes), bytes(p.root)),
          );
          assert.equal(failed, p.wantErr, `${file}: ${p.desc}`);
          if (p.wantErr) mutated++;
          else happy++;
          if (!p.wantErr && file.includes("/ct8-")) {
            // Anchor the committed files themselves to the published roots.
            ct8Happy++;
            assert.equal(hex(p.root), published.ct8Roots[p.treeSize], `${file}: ${p.desc}`);
          }
        }
      }
      assert.equal(ct8Happy, 36); // every index of every size 1..8
      assert.ok(happy > 36 && mutated > 10 * happy, `${happy} happy, ${mutated} mutated`);
    });

    it(`${hash}: every consistency probe behaves as its wantErr says`, () => {
      const files = vectorFiles(hash, "consistency");
      assert.ok(files.length >= 12, `only ${files.length} consistency files`);
      let happy = 0;
      let mutated = 0;
      let ct8Happy = 0;
      for (const file of files) {
        const doc = readJson<VectorFile<ConsistencyProbe>>(file);
        assert.equal(doc.hash, hash, file);
        assert.ok(doc.probes.length > 0, file);
        for (const p of doc.probes) {
          assert.deepEqual(Object.keys(p).sort(), consistencyKeys, `${file}: ${p.desc}`);
          const failed = fails(() =>
            verifyConsistency(hasher, p.size1, p.size2, bytes(p.root1), bytes(p.root2), p.proof.map(bytes)),
          );
          assert.equal(failed, p.wantErr, `${file}: ${p.desc}`);
          if (p.wantErr) mutated++;
          else happy++;
          if (!p.wantErr && file.includes("/ct8-")) {
            ct8Happy++;
            assert.equal(hex(p.root1), published.ct8Roots[p.size1], `${file}: ${p.desc}`);
            assert.equal(hex(p.root2), published.ct8Roots[p.size2], `${file}: ${p.desc}`);
          }
        }
      }
      assert.equal(ct8Happy, 36); // every pair 1 <= size1 <= size2 <= 8
      assert.ok(happy > 36 && mutated > 5 * happy, `${happy} happy, ${mutated} mutated`);
    });
  }

  it("sha256: the committed probes carry the published proofs of verify_test.go", () => {
    const all = vectorFiles("sha256", "inclusion").flatMap((f) => readJson<VectorFile<InclusionProbe>>(f).probes);
    for (const v of publishedSha256.inclusionProofs) {
      const probe = all.find((p) => !p.wantErr && p.leafIdx === v.index && p.treeSize === v.size);
      assert.ok(probe, `no happy probe for ${v.index}/${v.size}`);
      assert.deepEqual(probe.proof.map(hex), v.proof);
    }
    const cons = vectorFiles("sha256", "consistency").flatMap((f) => readJson<VectorFile<ConsistencyProbe>>(f).probes);
    for (const v of publishedSha256.consistencyProofs) {
      const probe = cons.find((p) => !p.wantErr && p.size1 === v.size1 && p.size2 === v.size2);
      assert.ok(probe, `no happy probe for ${v.size1}->${v.size2}`);
      assert.deepEqual(probe.proof.map(hex), v.proof);
    }
  });
});

describe("Merkle vector generator", () => {
  const rendered = renderMerkleVectors();
  const scratch = mkdtempSync(join(tmpdir(), "hutong-merkle-vectors-"));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it("would write exactly the committed files", () => {
    assert.deepEqual(diffMerkleVectors(defaultVectorDir, rendered), []);
  });

  it("is deterministic", () => {
    const again = renderMerkleVectors();
    assert.deepEqual([...again.keys()], [...rendered.keys()]);
    for (const [name, text] of again) assert.equal(text, rendered.get(name), name);
  });

  it("reports edited, missing and foreign files", () => {
    const dir = join(scratch, "diff");
    cpSync(defaultVectorDir, dir, { recursive: true });
    const edited = "sm3/inclusion/ct8-size-005.json";
    writeFileSync(
      join(dir, edited),
      readFileSync(join(dir, edited), "utf8").replace('"wantErr":true', '"wantErr":false'),
    );
    rmSync(join(dir, "sha256/consistency/be32-size-013.json"));
    writeFileSync(join(dir, "sm3/stray.json"), "{}\n");
    assert.deepEqual(diffMerkleVectors(dir, rendered), [
      "sha256/consistency/be32-size-013.json",
      edited,
      "sm3/stray.json",
    ]);
  });

  it("`--check` passes on the committed files and fails (exit 1) on an edited copy", () => {
    const node = (args: string[]) =>
      spawnSync(process.execPath, ["--conditions=hutong-source", "--import", "tsx", script, ...args], {
        cwd: repoRoot,
        encoding: "utf8",
      });
    const ok = node(["--check"]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /up to date/);

    const dir = join(scratch, "check");
    cpSync(defaultVectorDir, dir, { recursive: true });
    const edited = "known-answers.json";
    writeFileSync(join(dir, edited), readFileSync(join(dir, edited), "utf8").replace("e3b0", "e3b1"));
    const bad = node(["--check", "--dir", dir]);
    assert.equal(bad.status, 1, bad.stdout);
    assert.match(bad.stderr, /differ from what gateway\/audit\/scripts\/merkle-vectors\.ts generates/);
    assert.match(bad.stderr, /known-answers\.json/);
    assert.match(bad.stderr, /npm run generate:vectors/);
  });

  it("write mode regenerates an edited copy and removes stray files", () => {
    const dir = join(scratch, "write");
    cpSync(defaultVectorDir, dir, { recursive: true });
    writeFileSync(join(dir, "sm3/stray.json"), "{}\n");
    writeFileSync(join(dir, "known-answers.json"), "{}\n");
    execFileSync(process.execPath, ["--conditions=hutong-source", "--import", "tsx", script, "--dir", dir], {
      cwd: repoRoot,
      stdio: "pipe",
    });
    assert.deepEqual(diffMerkleVectors(dir, rendered), []);
  });
});
