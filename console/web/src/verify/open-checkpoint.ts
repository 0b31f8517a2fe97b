import { type Checkpoint, isSm3Origin, parseCheckpoint } from "./checkpoint.js";
import { logKeyVerifier } from "./note-key.js";
import { type NoteSignature, parseNote, verifyNote } from "./signed-note.js";
import { VerifyFailure } from "./verify-failure.js";

export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  /** The log key's id, as 8 hex digits, for display. */
  readonly keyIdHex: string;
  /** The log's signatures, all verified. */
  readonly signatures: readonly NoteSignature[];
  /** Other signature lines (cosignatures), not checked here. */
  readonly otherSignatures: readonly NoteSignature[];
}

/**
 * Opens a signed checkpoint with one log key, in @hutong/audit's openCheckpoint order: the key,
 * the note's syntax, the checkpoint's syntax, the origin (it must be the key's name, and end in
 * "/sm3"), and only then the SM2 signatures. Throws VerifyFailure.
 */
export function openCheckpoint(noteText: string, logKey: string): OpenedCheckpoint {
  const verifier = logKeyVerifier(logKey);
  if (!isSm3Origin(verifier.name)) {
    throw new VerifyFailure("wrong-origin", `the log key's name ${verifier.name} is not an SM3 origin (…/sm3)`);
  }
  const note = parseNote(noteText);
  const checkpoint = parseCheckpoint(note.text);
  if (checkpoint.origin !== verifier.name) {
    throw new VerifyFailure("wrong-origin", `checkpoint origin ${checkpoint.origin} is not the key's ${verifier.name}`);
  }
  const verified = verifyNote(note, [verifier]);
  return {
    checkpoint,
    keyIdHex: verifier.keyId.toString(16).padStart(8, "0"),
    signatures: verified.verified,
    otherSignatures: verified.unverified,
  };
}
