import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { generateSm2PrivateKey, type Sm2PrivateKey } from "@hutong/certs";
import { signCheckpoint } from "../checkpoint/checkpoint.js";
import {
  cosignCheckpoint,
  createCosignatureSigner,
  createCosignatureVerifier,
  formatCosignatureVerifierKey,
} from "../checkpoint/cosignature.js";
import { createNoteSigner, createNoteVerifier, formatVerifierKey } from "../checkpoint/note-key.js";
import { sm3Hasher } from "../merkle/hasher.js";
import { treeRoot } from "../merkle/tree-hash.js";
import { type ExportRecord, encodeExportFile, exportFileHeader } from "./export-file.js";
import { type ExportVerification, verifyExport } from "./verify-export.js";

// The offline verifier on its own: a log made here from nothing but the audit library (entries,
// the RFC 9162 root, an SM2-signed checkpoint and a witness's cosignature), as an outside auditor
// would have it, and every way an export can be wrong.

const origin = "hutong.example/audit/prov:510000/sm3";
const witnessA = "hutong.example/witness/mot";
const witnessB = "hutong.example/witness/440000";
const size = 40;

/** The last signature line of a note, with one byte of its signature changed (key id and timestamp kept). */
function forgeLastSignature(note: string): string {
  const lines = note.split("\n");
  const i = lines.length - 2;
  const [dash, name, payload] = (lines[i] as string).split(" ") as [string, string, string];
  const bytes = Buffer.from(payload, "base64");
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
  lines[i] = `${dash} ${name} ${bytes.toString("base64")}`;
  return lines.join("\n");
}

describe("verifyExport", () => {
  let dir: string;
  let keys: { log: Sm2PrivateKey; otherLog: Sm2PrivateKey; witnessA: Sm2PrivateKey; witnessB: Sm2PrivateKey };
  let records: ExportRecord[];
  let root: Uint8Array;
  let note: string;
  let logVkey: string;
  let witnessAVkey: string;
  let witnessBVkey: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-verify-export-"));
    records = Array.from({ length: size }, (_, index) => ({
      index,
      bytes: Buffer.from(`audit entry ${index}: ${"x".repeat(index % 13)}`),
    }));
    root = treeRoot(
      sm3Hasher,
      records.map((r) => sm3Hasher.hashLeaf(r.bytes)),
    );
    keys = {
      log: generateSm2PrivateKey(),
      otherLog: generateSm2PrivateKey(),
      witnessA: generateSm2PrivateKey(),
      witnessB: generateSm2PrivateKey(),
    };
    const signed = signCheckpoint(createNoteSigner(origin, keys.log), { origin, size, root });
    // Witness A cosigns; witness B never saw this checkpoint.
    note =
      signed +
      cosignCheckpoint(createCosignatureSigner(witnessA, keys.witnessA), signed, Date.parse("2026-06-01T00:00:00Z"));
    logVkey = formatVerifierKey(origin, keys.log.publicKey);
    witnessAVkey = formatCosignatureVerifierKey(witnessA, keys.witnessA.publicKey);
    witnessBVkey = formatCosignatureVerifierKey(witnessB, keys.witnessB.publicKey);
  });

  after(() => rm(dir, { recursive: true, force: true }));

  /** Writes `recs` (or raw bytes) as an export file and verifies it. */
  async function verifyVariant(
    name: string,
    content: readonly ExportRecord[] | Buffer,
    options: { checkpoint?: string; witnesses?: string[]; minWitnesses?: number } = {},
  ): Promise<ExportVerification> {
    const path = join(dir, `${name}.export`);
    await writeFile(path, Buffer.isBuffer(content) ? content : encodeExportFile(content));
    return verifyExport({
      exportPath: path,
      checkpoint: options.checkpoint ?? note,
      logKey: createNoteVerifier(logVkey),
      witnessKeys: (options.witnesses ?? [witnessAVkey]).map((w) => createCosignatureVerifier(w)),
      ...(options.minWitnesses === undefined ? {} : { minWitnesses: options.minWitnesses }),
    });
  }

  function assertBad(r: ExportVerification, problem: string, index: number | undefined, reason: RegExp) {
    assert.equal(r.ok, false);
    assert.equal(r.firstBad?.problem, problem, JSON.stringify(r));
    assert.equal(r.firstBad?.index, index, JSON.stringify(r));
    assert.match(r.reasons.join("\n"), reason);
  }

  it("an intact export verifies: log signature, witness, every entry", async () => {
    const r = await verifyVariant("intact", records);
    assert.equal(r.ok, true, r.reasons.join("\n"));
    assert.deepEqual(
      { origin: r.origin, size: r.size, entries: r.entries, reasons: r.reasons, firstBad: r.firstBad },
      { origin, size, entries: size, reasons: [], firstBad: undefined },
    );
    assert.equal(r.root, Buffer.from(root).toString("hex"));
    assert.deepEqual(r.witnesses, [{ name: witnessA, ok: true, timestamp: Date.parse("2026-06-01T00:00:00Z") / 1000 }]);
  });

  it("one entry's bytes changed: the root does not match (an export carries nothing to say which)", async () => {
    const changed = records.map((r) => (r.index === 17 ? { index: 17, bytes: Buffer.from(r.bytes).fill(1, 5, 6) } : r));
    assertBad(
      await verifyVariant("changed", changed),
      "root-mismatch",
      undefined,
      /do not hash to the checkpoint's root/,
    );
  });

  it("one entry deleted: missing, at its index", async () => {
    const deleted = records.filter((r) => r.index !== 17);
    assertBad(await verifyVariant("deleted", deleted), "missing", 17, /entry 17: missing/);
    // The first one, too.
    assertBad(await verifyVariant("deleted0", records.slice(1)), "missing", 0, /starts at index 1/);
  });

  it("one entry inserted: a repeated index, an index the log lacks, or renumbered (root)", async () => {
    const copy = [...records.slice(0, 18), records[17] as ExportRecord, ...records.slice(18)];
    assertBad(await verifyVariant("dup", copy), "inserted", 18, /appears more than once/);
    const alien = [...records.slice(0, 12), { index: 9999, bytes: Buffer.from("forged") }, ...records.slice(12)];
    assertBad(await verifyVariant("alien", alien), "inserted", 12, /does not have/);
    const renumbered = [...records.slice(0, 12), { index: 12, bytes: Buffer.from("forged") }, ...records.slice(12)].map(
      (r, i) => ({ index: i, bytes: r.bytes }),
    );
    assertBad(await verifyVariant("renumbered", renumbered), "root-mismatch", undefined, /renumbered/);
  });

  it("two entries swapped: reordered at the first; swapped bytes under kept indices: the root", async () => {
    const swapped = [...records];
    [swapped[20], swapped[21]] = [swapped[21] as ExportRecord, swapped[20] as ExportRecord];
    assertBad(await verifyVariant("swapped", swapped), "reordered", 20, /entry 20: out of order/);
    const bytesSwapped = swapped.map((r, i) => ({ index: i, bytes: r.bytes }));
    assertBad(await verifyVariant("bytes-swapped", bytesSwapped), "root-mismatch", undefined, /root/);
  });

  it("a truncated file: inside a record (with its byte offset), at a record boundary, inside the header", async () => {
    const file = encodeExportFile(records);
    const r = await verifyVariant("cut", file.subarray(0, file.length - 5));
    assertBad(r, "truncated", size - 1, /entry 39: the record at byte offset \d+ is truncated/);
    assert.equal(r.firstBad?.offset, file.length - 12 - (records[size - 1] as ExportRecord).bytes.length);
    assert.equal(r.entries, size - 1);
    assertBad(await verifyVariant("short", records.slice(0, 30)), "truncated", 30, /ends after 30 entries/);
    assertBad(await verifyVariant("header", file.subarray(0, 5)), "truncated", 0, /inside its header/);
  });

  it("garbage: another header, or a record with an absurd length", async () => {
    const file = encodeExportFile(records);
    const other = Buffer.concat([Buffer.from("hutong-audit-export v2\n"), file.subarray(exportFileHeader.length)]);
    assertBad(await verifyVariant("v2", other), "malformed", 0, /not a hutong audit export/);
    const absurd = Buffer.from(file);
    const at = exportFileHeader.length + 12 + (records[0] as ExportRecord).bytes.length;
    absurd.writeUInt32BE(0xfffffff0, at + 8);
    const r = await verifyVariant("absurd", absurd);
    assertBad(r, "malformed", 1, new RegExp(`byte offset ${at} claims`));
    assert.equal(r.firstBad?.offset, at);
  });

  it("a checkpoint signed by another key, a forged log signature, another log's checkpoint: nothing is trusted", async () => {
    const head = { root };
    const byOther = signCheckpoint(createNoteSigner(origin, keys.otherLog), { origin, size, root: head.root });
    let r = await verifyVariant("other-key", records, { checkpoint: byOther });
    assert.equal(r.ok, false);
    assert.equal(r.size, undefined, "no size is reported from an untrusted checkpoint");
    assert.equal(r.entries, 0);
    assert.match(r.reasons.join(), /no signature by the log key/);

    const signed = signCheckpoint(createNoteSigner(origin, keys.log), { origin, size, root: head.root });
    r = await verifyVariant("forged-log", records, { checkpoint: forgeLastSignature(signed) });
    assert.equal(r.ok, false);
    assert.match(r.reasons.join(), /signature on the checkpoint does not verify/);

    const elsewhere = "hutong.example/audit/prov:440000/sm3";
    const foreign = signCheckpoint(createNoteSigner(elsewhere, keys.log), {
      origin: elsewhere,
      size,
      root: head.root,
    });
    r = await verifyVariant("foreign", records, { checkpoint: foreign });
    assert.equal(r.ok, false);
    assert.match(r.reasons.join(), /origin is not hutong\.example\/audit\/prov:510000\/sm3/);
  });

  it("witnesses: a forged cosignature always fails; too few cosignatures fail; --min-witnesses lowers the bar", async () => {
    let r = await verifyVariant("forged-witness", records, { checkpoint: forgeLastSignature(note) });
    assert.equal(r.ok, false);
    assert.deepEqual(r.witnesses, [{ name: witnessA, ok: false, problem: "bad-signature" }]);
    assert.match(r.reasons.join(), /witness hutong\.example\/witness\/mot: its cosignature does not verify/);
    assert.equal(r.entries, size, "the entries are still checked and reported");

    r = await verifyVariant("two-witnesses", records, { witnesses: [witnessAVkey, witnessBVkey] });
    assert.equal(r.ok, false);
    assert.deepEqual(
      r.witnesses.map((w) => [w.name, w.ok, w.problem]),
      [
        [witnessA, true, undefined],
        [witnessB, false, "no-cosignature"],
      ],
    );
    assert.match(r.reasons.join(), /1 of the 2 required cosigned/);

    r = await verifyVariant("one-of-two", records, { witnesses: [witnessAVkey, witnessBVkey], minWitnesses: 1 });
    assert.equal(r.ok, true, r.reasons.join());
    // Without witness keys, only the log's signature is required.
    r = await verifyVariant("no-witness", records, { witnesses: [] });
    assert.equal(r.ok, true);
  });
});
