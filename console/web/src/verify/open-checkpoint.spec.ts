import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  openCheckpoint as auditOpenCheckpoint,
  parseNote as auditParseNote,
  cosignCheckpoint,
  createCosignatureSigner,
  createNoteSigner,
  formatVerifierKey,
  noteVerifierFromPublicKey,
  signCheckpoint,
  signNote,
} from "@hutong/audit";
import { createSm2PrivateKey, sm2Sign, sm2SignatureDerToRaw } from "@hutong/certs";
import { parseCheckpoint } from "./checkpoint.js";
import { logKeyVerifier, parseSm2NoteKey, sm2CosignatureKeyIdentifier } from "./note-key.js";
import { openCheckpoint } from "./open-checkpoint.js";
import { parseNote } from "./signed-note.js";
import { logKey, logVkey, origin, otherKey } from "./testing-audit-log.js";
import { isVerifyFailure } from "./verify-failure.js";

const doc = readFileSync(fileURLToPath(new URL("../../../../docs/audit-checkpoints.md", import.meta.url)), "utf8");
const block = (name: string): string => {
  const m = new RegExp(`<!-- worked-example: ${name} -->\\n\`\`\`text\\n([\\s\\S]*?)\`\`\`\\n`).exec(doc);
  assert.ok(m !== null, `no worked-example block ${name}`);
  return m[1] as string;
};
const value = (name: string) => block(name).replace(/\n$/, "");

const reason = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (isVerifyFailure(e)) return e.reason;
    throw e;
  }
  return "none";
};

const root = new Uint8Array(32).fill(7);
const checkpoint = signCheckpoint(createNoteSigner(origin, logKey), { origin, size: 40, root });

describe("the worked example of docs/audit-checkpoints.md §8", () => {
  it("parses the log vkey to the documented key id and point", () => {
    const key = parseSm2NoteKey(value("log-vkey"));
    assert.equal(key.keyId.toString(16).padStart(8, "0"), "04af15ea");
    assert.equal(Buffer.from(key.point).toString("hex"), value("log-public-key"));
  });

  it("verifies the signed and the cosigned checkpoint with the log key, leaving the cosignature unverified", () => {
    for (const name of ["signed-checkpoint", "cosigned-checkpoint"]) {
      const opened = openCheckpoint(block(name), value("log-vkey"));
      assert.equal(opened.checkpoint.size, 7);
      assert.equal(opened.checkpoint.origin, "hutong.example/audit/prov:510000/sm3");
      assert.equal(opened.signatures.length, 1);
      assert.equal(opened.otherSignatures.length, name === "cosigned-checkpoint" ? 1 : 0);
    }
  });

  it("refuses the witness vkey as a log key", () => {
    assert.equal(parseSm2NoteKey(value("witness-vkey")).identifier, sm2CosignatureKeyIdentifier);
    assert.equal(
      reason(() => logKeyVerifier(value("witness-vkey"))),
      "unsupported-key-type",
    );
  });
});

describe("openCheckpoint in the page agrees with @hutong/audit", () => {
  it("opens a checkpoint signed by @hutong/audit, with cosignatures from a witness", () => {
    const witness = createCosignatureSigner("hutong.example/witness/mot", otherKey);
    const cosigned = checkpoint + cosignCheckpoint(witness, checkpoint, 1_780_272_000_000);
    const opened = openCheckpoint(cosigned, logVkey);
    assert.deepEqual(opened.checkpoint.root, root);
    assert.equal(opened.otherSignatures.length, 1);
  });

  it("refuses a signature made with an empty user id (node:crypto's SM2)", () => {
    const text = `${origin}\n40\n${Buffer.from(root).toString("base64")}\n`;
    const signer = createNoteSigner(origin, logKey);
    const wrongId = sm2SignatureDerToRaw(sm2Sign(logKey, new TextEncoder().encode(text), { id: new Uint8Array(0) }));
    const note = signNote(text, [{ name: signer.name, keyId: signer.keyId, sign: () => wrongId }]);
    assert.equal(
      reason(() => openCheckpoint(note, logVkey)),
      "bad-signature",
    );
  });

  it("refuses notes @hutong/audit refuses, with the same code", () => {
    const good = checkpoint;
    const cases: [string, string][] = [
      [good.replace("\n\n", "\n"), "malformed-note"],
      [good.replaceAll("\n", "\r\n"), "malformed-note"],
      [good.slice(0, -1), "malformed-note"],
      [good.replace("\u2014 ", "- "), "malformed-note"],
      [good.replace(`${origin}\n40\n`, `${origin}\n040\n`), "malformed-checkpoint"],
      [good.replace(`${origin}\n40\n`, `${origin}\n40\nextension\n`), "malformed-checkpoint"],
      // A trailing empty line in the text: the note is fine, the checkpoint is not.
      [`${good.split("\n\n")[0]}\n\n\n${good.split("\n\n")[1]}`, "malformed-checkpoint"],
      [good.replace("\n\n", "\t\n\n"), "malformed-note"],
    ];
    for (const [note, code] of cases) {
      assert.equal(
        reason(() => openCheckpoint(note, logVkey)),
        code,
        JSON.stringify(note),
      );
      assert.throws(
        () => auditOpenCheckpoint(note, noteVerifierFromPublicKey(origin, logKey.publicKey), origin),
        (e: unknown) => (e as { code?: string }).code === code,
      );
    }
  });

  it("parses notes exactly as @hutong/audit's parseNote does", () => {
    const note = parseNote(checkpoint);
    const theirs = auditParseNote(checkpoint);
    assert.equal(note.text, theirs.text);
    assert.deepEqual(
      note.signatures.map((s) => [s.name, s.keyId, Buffer.from(s.signature).toString("hex")]),
      theirs.signatures.map((s) => [s.name, s.keyId, Buffer.from(s.signature).toString("hex")]),
    );
    assert.deepEqual(parseCheckpoint(note.text), { origin, size: 40, root });
  });

  it("refuses malformed keys, a key id that does not match, and a point off the curve", () => {
    const [name, id, material] = logVkey.split("+") as [string, string, string];
    const bytes = Buffer.from(material, "base64");
    const offCurve = Buffer.from(bytes);
    offCurve[offCurve.length - 1] = (offCurve[offCurve.length - 1] as number) ^ 1;
    const compressed = Buffer.concat([
      bytes.subarray(0, 11),
      Buffer.from([2 + ((bytes.at(-1) as number) & 1)]),
      bytes.subarray(12, 44),
    ]);
    const ed25519 = Buffer.concat([Buffer.from([1]), Buffer.alloc(32, 9)]);
    const cases: [string, string][] = [
      [`${name}+${id}`, "malformed-key"],
      [`${name}+${id.toUpperCase()}+${material}`, "malformed-key"],
      [`${name}+${(Number.parseInt(id, 16) ^ 1).toString(16).padStart(8, "0")}+${material}`, "malformed-key"],
      [`${name}+${id}+${material.replace(/=*$/, "")}`, "malformed-key"],
      [`${name}+${id}+${offCurve.toString("base64")}`, "malformed-key"],
      [`${name}+${id}+${compressed.toString("base64")}`, "malformed-key"],
      [`${name}+${id}+${ed25519.toString("base64")}`, "unsupported-key-type"],
      [`bad name+${id}+${material}`, "malformed-key"],
    ];
    for (const [text, code] of cases)
      assert.equal(
        reason(() => parseSm2NoteKey(text)),
        code,
        text,
      );
  });

  it("refuses a key named after another origin, or after no SM3 origin", () => {
    const other = formatVerifierKey("hutong.example/audit/prov:440000/sm3", logKey.publicKey);
    assert.equal(
      reason(() => openCheckpoint(checkpoint, other)),
      "wrong-origin",
    );
    const noSuffix = formatVerifierKey("hutong.example/audit/prov:510000", logKey.publicKey);
    assert.equal(
      reason(() => openCheckpoint(checkpoint, noSuffix)),
      "wrong-origin",
    );
    assert.equal(
      reason(() => openCheckpoint(checkpoint, formatVerifierKey(origin, otherKey.publicKey))),
      "unverified",
    );
    assert.equal(
      reason(() =>
        openCheckpoint(
          checkpoint,
          formatVerifierKey(origin, createSm2PrivateKey(new Uint8Array(32).fill(3)).publicKey),
        ),
      ),
      "unverified",
    );
  });
});
