import { CheckpointError } from "./checkpoint-error.js";
import {
  isValidKeyName,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
  parseNote,
  signNote,
  verifyNote,
} from "./signed-note.js";
import { decodeStrictBase64, encodeBase64 } from "./strict-base64.js";

/**
 * c2sp.org/tlog-checkpoint bodies in our private SM3 profile
 * (docs/audit-checkpoints.md §4): exactly three lines, origin, decimal size,
 * base64 of a 32-byte SM3 Merkle root. Extension lines are refused: monitors
 * cannot audit them, cosigners make no statement about them, and nothing of
 * ours needs one.
 */
export interface Checkpoint {
  readonly origin: string;
  /** Leaves in the tree; a safe integer (we never run a log past 2^53 − 1 entries). */
  readonly size: number;
  /** The RFC 9162 root with SM3 as the hash, 32 bytes. */
  readonly root: Uint8Array;
}

/**
 * Our origins name the hash: they end in "/sm3", e.g.
 * `hutong.example/audit/prov:510000/sm3`, so an SM3 checkpoint can never be
 * taken for a SHA-256 log's by a tool configured by origin.
 */
export const sm3OriginSuffix = "/sm3";

/** An origin as the spec's SHOULD has it, made a MUST here: non-empty, no Unicode spaces, no "+". */
export function isValidOrigin(origin: string): boolean {
  return isValidKeyName(origin);
}

/** True for an origin of ours: valid, and bound to SM3 by its "/sm3" suffix. */
export function isSm3Origin(origin: string): boolean {
  return isValidOrigin(origin) && origin.length > sm3OriginSuffix.length && origin.endsWith(sm3OriginSuffix);
}

export function checkSm3Origin(origin: string): void {
  if (!isSm3Origin(origin)) {
    throw new CheckpointError(
      "invalid-argument",
      `origin must have no spaces or "+" and end in "${sm3OriginSuffix}" to bind the SM3 hash`,
    );
  }
}

/** The note text of a checkpoint: `origin\nsize\nbase64(root)\n`. */
export function formatCheckpoint(cp: Checkpoint): string {
  if (!isValidOrigin(cp.origin)) throw new CheckpointError("invalid-argument", "invalid checkpoint origin");
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) {
    throw new CheckpointError("invalid-argument", "checkpoint size must be a non-negative safe integer");
  }
  if (cp.root.length !== 32) throw new CheckpointError("invalid-argument", "checkpoint root must be 32 bytes");
  return `${cp.origin}\n${cp.size}\n${encodeBase64(cp.root)}\n`;
}

function malformed(why: string): CheckpointError {
  return new CheckpointError("malformed-checkpoint", `malformed checkpoint: ${why}`);
}

/** Decimal with no leading zeros ("0" for zero), as a safe integer; undefined otherwise. */
export function parseDecimalSize(text: string): number | undefined {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Parses checkpoint note text (not a signed note: see openCheckpoint). Throws "malformed-checkpoint". */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith("\n")) throw malformed("text does not end with a newline");
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) throw malformed("fewer than three lines");
  if (lines.length > 3) throw malformed("extension lines are not accepted in this profile");
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (!isValidOrigin(origin)) throw malformed("origin empty or containing a space, a '+' or a control character");
  const size = parseDecimalSize(sizeText);
  if (size === undefined) throw malformed("size is not a decimal without leading zeros below 2^53");
  const root = decodeStrictBase64(rootText);
  if (root === undefined || root.length !== 32) throw malformed("root is not canonical base64 of 32 bytes");
  return { origin, size, root };
}

/**
 * Signs a checkpoint as a signed note. Our profile binds the signer to the
 * log: the key name must be the origin (the spec's SHOULD), and the origin
 * must end in "/sm3".
 */
export function signCheckpoint(signer: NoteSigner, cp: Checkpoint): string {
  checkSm3Origin(cp.origin);
  if (signer.name !== cp.origin) {
    throw new CheckpointError("invalid-argument", "a log's key name must be the checkpoint origin");
  }
  return signNote(formatCheckpoint(cp), [signer]);
}

export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  /** The exact note text that was signed (what cosignatures sign after their header). */
  readonly text: string;
  /** The log's signatures, all verified. */
  readonly signatures: readonly NoteSignature[];
  /** Every other signature line (cosignatures, unknown keys), unverified, for verifyCosignature. */
  readonly otherSignatures: readonly NoteSignature[];
}

/**
 * Verifies a signed checkpoint from the log we expect: its origin is
 * `expectedOrigin` (else "wrong-origin"), its body is a checkpoint of this
 * profile, a log key (named after the origin) signed it, and every signature
 * by a given log key verifies. Pass several verifiers during a key rotation.
 */
export function openCheckpoint(
  noteText: string | Uint8Array,
  logVerifier: NoteVerifier | readonly NoteVerifier[],
  expectedOrigin: string,
): OpenedCheckpoint {
  checkSm3Origin(expectedOrigin);
  const verifiers: readonly NoteVerifier[] = Array.isArray(logVerifier) ? logVerifier : [logVerifier as NoteVerifier];
  for (const v of verifiers) {
    if (v.name !== expectedOrigin) {
      throw new CheckpointError("invalid-argument", "a log verifier's key name must be the log's origin");
    }
  }
  // Shape and origin first: no SM2 work for a note that cannot be the expected log's checkpoint.
  const checkpoint = parseCheckpoint(parseNote(noteText).text);
  if (checkpoint.origin !== expectedOrigin) {
    throw new CheckpointError("wrong-origin", `checkpoint origin is not ${expectedOrigin}`);
  }
  const note = verifyNote(noteText, verifiers);
  return { checkpoint, text: note.text, signatures: note.verified, otherSignatures: note.unverified };
}
