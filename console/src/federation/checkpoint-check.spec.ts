import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  cosignCheckpoint,
  createCosignatureSigner,
  createNoteSigner,
  formatCosignatureVerifierKey,
  formatVerifierKey,
  signCheckpoint,
} from "@hutong/audit";
import { generateSm2PrivateKey } from "@hutong/certs";
import { AuditWitnessState, type WitnessInfo } from "@hutong/proto";
import { checkCheckpoint } from "./checkpoint-check.js";

const origin = "hutong/prov:440000/audit/sm3";
const logKey = generateSm2PrivateKey();
const witnessKey = generateSm2PrivateKey();
const otherWitnessKey = generateSm2PrivateKey();
const witnessName = "hutong/mot/witness";
const note = signCheckpoint(createNoteSigner(origin, logKey), { origin, size: 5, root: new Uint8Array(32).fill(7) });
const cosigned = note + cosignCheckpoint(createCosignatureSigner(witnessName, witnessKey), note, 1_765_000_000_000);
const logVkey = formatVerifierKey(origin, logKey.publicKey);
const witnessVkey = formatCosignatureVerifierKey(witnessName, witnessKey.publicKey);
const info = (state: AuditWitnessState): WitnessInfo => ({
  party: "mot",
  keyName: witnessName,
  state,
  detail: "fork at 5",
});

describe("checkpoint check", () => {
  it("verifies the log's signature and the witness's cosignature", () => {
    const s = checkCheckpoint(cosigned, logVkey, [witnessVkey], []);
    assert.equal(s?.logSignatureValid, true);
    assert.deepEqual([s?.size, s?.rootHashHex], [5, "07".repeat(32)]);
    assert.deepEqual(s?.cosigners, [{ name: witnessName, state: "cosigned", timestamp: "2025-12-06T05:46:40.000Z" }]);
  });

  it("shows a missing cosignature, one by another key, and a witness the gateway says disagrees", () => {
    assert.equal(checkCheckpoint(note, logVkey, [witnessVkey], [])?.cosigners[0]?.state, "missing");
    const impostor = formatCosignatureVerifierKey(witnessName, otherWitnessKey.publicKey);
    assert.equal(checkCheckpoint(cosigned, logVkey, [impostor], [])?.cosigners[0]?.state, "missing", "another key id");
    const disagree = checkCheckpoint(
      cosigned,
      logVkey,
      [witnessVkey],
      [info(AuditWitnessState.AUDIT_WITNESS_STATE_DISAGREES)],
    );
    assert.deepEqual(disagree?.cosigners[0], { name: witnessName, state: "disagrees", detail: "fork at 5" });
  });

  it("refuses a checkpoint signed by another key or altered", () => {
    const other = formatVerifierKey(origin, generateSm2PrivateKey().publicKey);
    assert.equal(checkCheckpoint(cosigned, other, [], [])?.logSignatureValid, false);
    assert.equal(checkCheckpoint(cosigned.replace("\n5\n", "\n6\n"), logVkey, [], [])?.logSignatureValid, false);
    assert.equal(checkCheckpoint(cosigned, undefined, [], []), undefined, "no key configured: nothing to say");
  });
});
