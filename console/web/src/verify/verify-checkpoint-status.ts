import type { CheckpointStatus } from "../../../src/api/api-types.js";
import { toHex } from "./bytes.js";
import { openCheckpoint } from "./open-checkpoint.js";
import { isVerifyFailure, type RefusalReason, VerifyFailure } from "./verify-failure.js";

export type CheckpointVerification =
  | { readonly ok: true; readonly reason: "valid"; readonly detail: string; readonly keyIdHex: string }
  | { readonly ok: false; readonly reason: RefusalReason; readonly detail: string };

/**
 * The federation card's own check of a gateway's latest checkpoint: the log key's signature on the
 * served note, and the origin, size and root the server displayed beside it equal the signed ones.
 */
export function verifyCheckpointStatus(status: CheckpointStatus, logKey: string): CheckpointVerification {
  try {
    const opened = openCheckpoint(status.note, logKey);
    const cp = opened.checkpoint;
    const differs = [
      cp.origin !== status.origin ? "origin" : "",
      cp.size !== status.size ? "size" : "",
      toHex(cp.root) !== status.rootHashHex ? "rootHashHex" : "",
    ].filter((f) => f !== "");
    if (differs.length > 0) {
      throw new VerifyFailure(
        "served-checkpoint-mismatch",
        `the checkpoint shown differs from the signed note: ${differs.join(", ")}`,
      );
    }
    return { ok: true, reason: "valid", detail: `${cp.origin} size ${cp.size}`, keyIdHex: opened.keyIdHex };
  } catch (e) {
    if (isVerifyFailure(e)) return { ok: false, reason: e.reason, detail: e.message };
    return { ok: false, reason: "malformed-note", detail: e instanceof Error ? e.message : String(e) };
  }
}
