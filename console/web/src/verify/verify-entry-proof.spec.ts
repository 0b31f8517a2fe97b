import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createNoteSigner, signCheckpoint } from "@hutong/audit";
import type { InclusionProofView } from "../../../src/api/api-types.js";
import { buildLog, flipBit, logKey, logVkey, origin, otherKey, otherVkey } from "./testing-audit-log.js";
import { verifyEntryProof } from "./verify-entry-proof.js";

/** xs[i], asserted present (specs index fixtures they built). */
function at<T>(xs: readonly T[] | undefined, i: number): T {
  const v = xs?.[i < 0 ? (xs?.length ?? 0) + i : i];
  assert.ok(v !== undefined, `no element ${i}`);
  return v;
}

const refused = (input: Parameters<typeof verifyEntryProof>[0], reason: string) => {
  const result = verifyEntryProof(input);
  assert.equal(result.ok, false, `expected a refusal (${reason})`);
  assert.equal(result.reason, reason, result.detail);
};

describe("verifyEntryProof: a real SM3 log signed with SM2 by @hutong/audit", () => {
  const logs = new Map([1, 2, 3, 7, 8, 13].map((size) => [size, buildLog(size)]));

  it("accepts the real proof for several indexes and tree sizes", () => {
    for (const [size, log] of logs) {
      const indexes = [...new Set([0, Math.floor(size / 2), size - 1])];
      for (const index of indexes) {
        const result = verifyEntryProof({ served: at(log.views, index), proof: log.proof(index), logKey: logVkey });
        assert.ok(result.ok, `size ${size} index ${index}: ${result.detail}`);
        assert.equal(result.treeSize, size);
        assert.equal(result.entry.correlationId, `corr-${index}`);
      }
    }
  });

  const log = buildLog(13);
  const served = at(log.views, 5);
  const proof = log.proof(5);

  it("refuses one flipped bit in the entry bytes (the leaf does not reach the root)", () => {
    for (const bit of [0, 77, 8 * 40 + 3]) {
      const entryB64 = flipBit(proof.entryB64, bit);
      refused({ served: { ...served, entryB64 }, proof: { ...proof, entryB64 }, logKey: logVkey }, "root-mismatch");
    }
  });

  it("refuses one flipped bit in any proof hash", () => {
    proof.proofB64.forEach((_, i) => {
      const proofB64 = proof.proofB64.map((h, j) => (j === i ? flipBit(h, 9 * i + 1) : h));
      refused({ served, proof: { ...proof, proofB64 }, logKey: logVkey }, "root-mismatch");
    });
  });

  it("refuses a truncated, padded or malformed proof", () => {
    refused({ served, proof: { ...proof, proofB64: proof.proofB64.slice(1) }, logKey: logVkey }, "bad-proof-length");
    refused(
      { served, proof: { ...proof, proofB64: [...proof.proofB64, at(proof.proofB64, 0)] }, logKey: logVkey },
      "bad-proof-length",
    );
    const short = Buffer.alloc(31).toString("base64");
    refused(
      { served, proof: { ...proof, proofB64: [short, ...proof.proofB64.slice(1)] }, logKey: logVkey },
      "malformed-proof",
    );
  });

  it("refuses one flipped bit in the log signature", () => {
    const [body, sigLine] = proof.checkpoint.split("\n\n") as [string, string];
    const [prefix, payload] = sigLine.trimEnd().split(/ (?=[^ ]+$)/) as [string, string];
    for (const bit of [4 * 8 + 5, 4 * 8 + 300, 4 * 8 + 511]) {
      const checkpoint = `${body}\n\n${prefix} ${flipBit(payload, bit)}\n`;
      refused({ served, proof: { ...proof, checkpoint }, logKey: logVkey }, "bad-signature");
    }
  });

  it("refuses one flipped bit in the checkpoint's root, unsigned or signed by the log key", () => {
    const lines = proof.checkpoint.split("\n");
    const flippedRoot = flipBit(at(lines, 2), 100);
    const tampered = proof.checkpoint.replace(at(lines, 2), flippedRoot);
    refused({ served, proof: { ...proof, checkpoint: tampered }, logKey: logVkey }, "bad-signature");
    // The log key itself signing another root (a forked or rewritten log): the proof cannot reach it.
    const resigned = signCheckpoint(createNoteSigner(origin, logKey), {
      origin,
      size: 13,
      root: new Uint8Array(Buffer.from(flippedRoot, "base64")),
    });
    refused({ served, proof: { ...proof, checkpoint: resigned }, logKey: logVkey }, "root-mismatch");
  });

  it("refuses a checkpoint signed by a different key, and a different key given", () => {
    const foreign = buildLog(13, otherKey);
    refused({ served, proof: { ...proof, checkpoint: foreign.checkpoint }, logKey: logVkey }, "unverified");
    refused({ served, proof, logKey: otherVkey }, "unverified");
  });

  it("refuses a checkpoint of another size than the proof's", () => {
    const smaller = buildLog(8);
    refused({ served, proof: { ...proof, checkpoint: smaller.checkpoint }, logKey: logVkey }, "size-mismatch");
    refused({ served, proof: { ...proof, treeSize: 12 }, logKey: logVkey }, "size-mismatch");
  });

  it("refuses an index at or past the tree size, and a proof for another entry than the row", () => {
    const p: InclusionProofView = { ...proof, index: 13 };
    refused({ served: { ...served, index: 13 }, proof: p, logKey: logVkey }, "index-out-of-range");
    refused({ served: at(log.views, 4), proof, logKey: logVkey }, "index-mismatch");
  });

  it("refuses a served view differing from the proven bytes in any one field", () => {
    const changes: Record<string, unknown> = {
      gateway: "prov:440000",
      time: "2026-06-01T08:00:06.123Z",
      role: "owner",
      method: "hutong.v1.TicketService/GetTicket",
      requesterParty: "prov:440009/ticketing",
      peerParty: "hub:mot",
      ownerParty: "prov:440000",
      recordKind: "E_TICKET",
      recordDigestHex: "00".repeat(32),
      subjectDigestHex: "",
      grantId: "g-6",
      purpose: "EMERGENCY",
      decision: "allow",
      reason: "allowed",
      hops: ["hub:mot"],
      releasedSm3Hex: "5a".repeat(32),
      fieldsReleased: ["licence.number"],
      traceId: "0".repeat(32),
      correlationId: "corr-6",
    };
    for (const [field, value] of Object.entries(changes)) {
      // A server lying about the gateway lies in the proof's answer too.
      const p = field === "gateway" ? { ...proof, gateway: value as string } : proof;
      const result = verifyEntryProof({ served: { ...served, [field]: value }, proof: p, logKey: logVkey });
      assert.equal(result.reason, "served-entry-mismatch", `${field}: ${result.detail}`);
      assert.match(result.detail, new RegExp(field));
    }
    const otherBytes = at(log.views, 6).entryB64;
    refused({ served: { ...served, entryB64: otherBytes }, proof, logKey: logVkey }, "served-entry-mismatch");
  });

  it("accepts a time shown with fewer fractional digits, refuses one shown wrong", () => {
    assert.equal(served.time, "2026-06-01T08:00:05.123Z");
    for (const time of ["2026-06-01T08:00:05.1Z", "2026-06-01T08:00:05Z", "2026-06-01T16:00:05.123+08:00"]) {
      assert.ok(verifyEntryProof({ served: { ...served, time }, proof, logKey: logVkey }).ok, time);
    }
    for (const time of ["2026-06-01T08:00:05.124Z", "2026-06-01T08:00:05.2Z", "2026-06-01 08:00:05Z", ""]) {
      refused({ served: { ...served, time }, proof, logKey: logVkey }, "served-entry-mismatch");
    }
  });

  it("refuses non-canonical base64 anywhere", () => {
    const unpadded = proof.entryB64.replace(/=+$/, "");
    if (unpadded !== proof.entryB64) {
      refused({ served, proof: { ...proof, entryB64: unpadded }, logKey: logVkey }, "malformed-entry-bytes");
    }
    const urlAlphabet = proof.proofB64.map((h) => h.replaceAll("+", "-").replaceAll("/", "_"));
    if (urlAlphabet.some((h, i) => h !== proof.proofB64[i])) {
      refused({ served, proof: { ...proof, proofB64: urlAlphabet }, logKey: logVkey }, "malformed-proof");
    }
    // A non-zero unused bit in the last group of the signature payload: same bytes, another text.
    const [body, sigLine] = proof.checkpoint.split("\n\n") as [string, string];
    const payload = at(sigLine.trimEnd().split(" "), -1);
    assert.ok(payload.endsWith("="), "a 68-byte payload ends in one '='");
    const last = at([...payload], -2);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const tweaked = `${payload.slice(0, -2)}${alphabet[alphabet.indexOf(last) ^ 1]}=`;
    assert.deepEqual(Buffer.from(tweaked, "base64"), Buffer.from(payload, "base64"), "Node's decoder accepts it");
    const checkpoint = `${body}\n\n${sigLine.replace(payload, tweaked)}`;
    refused({ served, proof: { ...proof, checkpoint }, logKey: logVkey }, "malformed-note");
  });

  it("refuses a checkpoint whose origin is not the key's name", () => {
    const checkpoint = proof.checkpoint.replace(
      /^hutong\.example\/audit\/prov:510000\/sm3\n/,
      "hutong.example/audit/prov:440000/sm3\n",
    );
    refused({ served, proof: { ...proof, checkpoint }, logKey: logVkey }, "wrong-origin");
  });
});
