import type { AuditEntryView, InclusionProofView } from "../../../src/api/api-types.js";
import { type DecodedAuditEntry, decodeAuditEntry } from "./audit-entry.js";
import { sameBytes, toHex } from "./bytes.js";
import { verifyInclusion } from "./merkle.js";
import { openCheckpoint } from "./open-checkpoint.js";
import { servedEntryDifferences } from "./served-entry.js";
import { decodeStrictBase64 } from "./strict-base64.js";
import { isVerifyFailure, type RefusalReason, VerifyFailure } from "./verify-failure.js";

export interface ProofVerified {
  readonly ok: true;
  readonly reason: "verified";
  readonly detail: string;
  readonly origin: string;
  readonly treeSize: number;
  readonly rootHex: string;
  readonly keyIdHex: string;
  readonly leafHashHex: string;
  /** The entry decoded from the proven bytes: what the page shows as verified. */
  readonly entry: DecodedAuditEntry;
}

export interface ProofRefused {
  readonly ok: false;
  readonly reason: RefusalReason;
  readonly detail: string;
}

export type ProofVerification = ProofVerified | ProofRefused;

export interface VerifyEntryProofInput {
  /** The entry as the server showed it (the audit table's row). */
  readonly served: AuditEntryView;
  /** GET /api/audit/proof for that entry. */
  readonly proof: InclusionProofView;
  /** The log key to trust: a key pinned in this browser, else the one the server sent. */
  readonly logKey: string;
}

/**
 * Checks, without trusting the server, that the entry it showed is in the log: the checkpoint is
 * signed by the log key (and is that log's: origin = key name), it is of exactly the proof's tree
 * size, the proof leads from SM3(0x00 || entry bytes) to its root, and the fields the server
 * displayed are those of the proven bytes. Returns a result, never throws.
 */
export function verifyEntryProof(input: VerifyEntryProofInput): ProofVerification {
  try {
    return check(input);
  } catch (e) {
    if (isVerifyFailure(e)) return { ok: false, reason: e.reason, detail: e.message };
    // A library throwing on input it should have refused is still a refusal, never a pass.
    return { ok: false, reason: "malformed-proof", detail: e instanceof Error ? e.message : String(e) };
  }
}

function check({ served, proof, logKey }: VerifyEntryProofInput): ProofVerified {
  if (proof.gateway !== served.gateway || proof.index !== served.index) {
    throw new VerifyFailure(
      "index-mismatch",
      `the proof is for ${proof.gateway} #${proof.index}, not ${served.gateway} #${served.index}`,
    );
  }
  const opened = openCheckpoint(proof.checkpoint, logKey);
  const { checkpoint } = opened;
  if (checkpoint.size !== proof.treeSize) {
    throw new VerifyFailure(
      "size-mismatch",
      `the checkpoint is of size ${checkpoint.size}, the proof of size ${proof.treeSize}`,
    );
  }
  if (!Number.isSafeInteger(proof.index) || proof.index < 0 || proof.index >= checkpoint.size) {
    throw new VerifyFailure("index-out-of-range", `index ${proof.index} is not below the tree size ${checkpoint.size}`);
  }
  const entryBytes = decodeStrictBase64(proof.entryB64);
  if (entryBytes === undefined) throw new VerifyFailure("malformed-entry-bytes", "the entry is not canonical base64");
  const hashes = proof.proofB64.map((h, i) => {
    const bytes = decodeStrictBase64(h);
    if (bytes === undefined) throw new VerifyFailure("malformed-proof", `proof hash ${i} is not canonical base64`);
    return bytes;
  });
  const leaf = verifyInclusion(proof.index, checkpoint.size, entryBytes, hashes, checkpoint.root);

  // Proven bytes from here on. The row the server showed must be exactly these bytes' entry.
  const shownBytes = decodeStrictBase64(served.entryB64);
  if (shownBytes === undefined || !sameBytes(shownBytes, entryBytes)) {
    throw new VerifyFailure("served-entry-mismatch", "the entry bytes shown differ from the proven bytes");
  }
  const entry = decodeAuditEntry(entryBytes);
  const differs = servedEntryDifferences(served, entry);
  if (differs.length > 0) {
    throw new VerifyFailure("served-entry-mismatch", `served entry does not match its proof: ${differs.join(", ")}`);
  }
  return {
    ok: true,
    reason: "verified",
    detail: `entry ${proof.index} is in ${checkpoint.origin} at size ${checkpoint.size}`,
    origin: checkpoint.origin,
    treeSize: checkpoint.size,
    rootHex: toHex(checkpoint.root),
    keyIdHex: opened.keyIdHex,
    leafHashHex: toHex(leaf),
    entry,
  };
}
