import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { sm3Hasher, treeRoot } from "../merkle/index.js";
import { openCheckpoint } from "./checkpoint.js";
import { createCosignatureVerifier, verifyCosignature } from "./cosignature.js";
import { createNoteVerifier } from "./note-key.js";
import { parseNote, verifyNote } from "./signed-note.js";
import {
  createWitnessConfig,
  decideAddCheckpoint,
  formatAddCheckpointRequest,
  parseAddCheckpointRequest,
} from "./witness.js";
import { computeWorkedExample, workedExampleInputs as inputs } from "./worked-example.js";

const doc = readFileSync(fileURLToPath(new URL("../../../../docs/audit-checkpoints.md", import.meta.url)), "utf8");

/** The `<!-- worked-example: name -->` blocks of the doc, each the exact content of its fence. */
function docBlocks(): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const m of doc.matchAll(/<!-- worked-example: ([a-z-]+) -->\n```text\n([\s\S]*?)```\n/g)) {
    assert.ok(!blocks.has(m[1] as string), `block ${m[1]} appears twice`);
    blocks.set(m[1] as string, m[2] as string);
  }
  return blocks;
}

const blocks = docBlocks();
const block = (name: string): string => {
  const value = blocks.get(name);
  assert.ok(value !== undefined, `doc has no worked-example block ${name}`);
  return value;
};
/** Blocks of a single value are shown with a final newline the value does not have. */
const value = (name: string) => block(name).replace(/\n$/, "");

describe("docs/audit-checkpoints.md worked example", () => {
  const derived = computeWorkedExample();
  const logVerifier = createNoteVerifier(value("log-vkey"));
  const witnessVerifier = createCosignatureVerifier(value("witness-vkey"));

  it("shows every deterministic value as the code computes it, and nothing else", () => {
    for (const [name, expected] of Object.entries(derived)) {
      assert.equal(
        name === "checkpoint-body" || name === "cosignature-message" ? block(name) : value(name),
        expected,
        name,
      );
    }
    const signed = ["signed-checkpoint", "log-signature-payload", "cosignature-line", "cosignature-payload"];
    const all = [...Object.keys(derived), ...signed, "cosigned-checkpoint", "add-checkpoint-request"];
    assert.deepEqual([...blocks.keys()].sort(), all.sort());
  });

  it("has a log signature that verifies over the checkpoint body, with the payload shown in hex", () => {
    const opened = openCheckpoint(block("signed-checkpoint"), logVerifier, inputs.origin);
    assert.equal(opened.text, block("checkpoint-body"));
    assert.equal(opened.checkpoint.size, inputs.entries);
    const sig = parseNote(block("signed-checkpoint")).signatures[0];
    assert.equal(value("log-signature-payload"), `04af15ea${Buffer.from(sig?.signature ?? []).toString("hex")}`);
  });

  it("has a cosignature that verifies at the stated time, with the payload shown in hex", () => {
    const cosigned = block("cosigned-checkpoint");
    assert.equal(cosigned, block("signed-checkpoint") + block("cosignature-line"));
    assert.deepEqual(verifyCosignature(cosigned, witnessVerifier), { timestamp: inputs.cosignatureTime });
    assert.equal(verifyNote(cosigned, [logVerifier, witnessVerifier]).verified.length, 2);
    const payload = parseNote(cosigned).signatures[1]?.signature ?? new Uint8Array();
    const keyId = witnessVerifier.keyId.toString(16).padStart(8, "0");
    assert.equal(value("cosignature-payload"), `${keyId}${Buffer.from(payload).toString("hex")}`);
  });

  it("has an add-checkpoint request that the witness, holding size 3, cosigns", () => {
    const request = parseAddCheckpointRequest(block("add-checkpoint-request"));
    assert.equal(request.oldSize, inputs.oldSize);
    assert.equal(request.checkpointNote, block("signed-checkpoint"));
    assert.equal(formatAddCheckpointRequest(request), block("add-checkpoint-request"));
    const config = createWitnessConfig({
      signer: { name: inputs.witnessName, keyId: witnessVerifier.keyId, cosign: () => new Uint8Array(72) },
      logs: [{ origin: inputs.origin, verifiers: [logVerifier] }],
    });
    const leaves = value("leaf-hashes")
      .split("\n")
      .map((h) => new Uint8Array(Buffer.from(h, "hex")));
    const oldRoot = treeRoot(sm3Hasher, leaves.slice(0, inputs.oldSize));
    assert.equal(Buffer.from(oldRoot).toString("hex"), value("old-root"));
    const state = { origin: inputs.origin, size: inputs.oldSize, root: oldRoot, checkpointNote: "" };
    const outcome = decideAddCheckpoint({ config, request, state, now: inputs.cosignatureTime * 1000 });
    assert.equal(outcome.kind, "cosigned");
  });

  it("has an OpenSSL recipe that verifies the log's signature as written", (t) => {
    if (spawnSync("xxd", ["-v"]).error) {
      t.skip("xxd is not installed");
      return;
    }
    const recipe = /### 8\.4[\s\S]*?```sh\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(recipe !== undefined, "no shell recipe in §8.4");
    const dir = mkdtempSync(join(tmpdir(), "hutong-checkpoint-doc-"));
    try {
      const r = spawnSync("bash", ["-e", "-c", recipe], { cwd: dir, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /Signature Verified Successfully/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
