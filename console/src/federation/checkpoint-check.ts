import {
  createCosignatureVerifier,
  createNoteVerifier,
  isCheckpointError,
  openCheckpoint,
  parseVerifierKey,
  verifyCosignature,
} from "@hutong/audit";
import { AuditWitnessState, type WitnessInfo } from "@hutong/proto";
import type { CheckpointStatus, CosignerStatus } from "../api/api-types.js";

// A gateway's latest checkpoint judged by the console with @hutong/audit: the log's signature
// under the configured key, and each configured witness's cosignature. What the gateway says of
// its witnesses (one refused a checkpoint as a fork) is folded in: a witness that disagrees must
// stand out even when an older cosignature of it verifies.

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

export function checkCheckpoint(
  note: string,
  logKey: string | undefined,
  witnessKeys: readonly string[],
  reported: readonly WitnessInfo[],
): CheckpointStatus | undefined {
  if (logKey === undefined) return undefined;
  const origin = parseVerifierKey(logKey).name;
  let valid = false;
  let size = 0;
  let root = "";
  try {
    const opened = openCheckpoint(note, createNoteVerifier(logKey), origin);
    valid = true;
    size = opened.checkpoint.size;
    root = hex(opened.checkpoint.root);
  } catch (e) {
    if (!isCheckpointError(e)) throw e;
  }
  const cosigners = witnessKeys.map((key): CosignerStatus => {
    const name = parseVerifierKey(key).name;
    const said = reported.find((w) => w.keyName === name);
    if (said?.state === AuditWitnessState.AUDIT_WITNESS_STATE_DISAGREES) {
      return { name, state: "disagrees", detail: said.detail };
    }
    try {
      const { timestamp } = verifyCosignature(note, createCosignatureVerifier(key));
      return { name, state: "cosigned", timestamp: new Date(timestamp * 1000).toISOString() };
    } catch (e) {
      if (!isCheckpointError(e)) throw e;
      return e.code === "unverified" ? { name, state: "missing" } : { name, state: "invalid", detail: e.code };
    }
  });
  return { origin, size, rootHashHex: root, note, logKey, logSignatureValid: valid, cosigners };
}
