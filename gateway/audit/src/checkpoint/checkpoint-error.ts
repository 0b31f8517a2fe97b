import { CodedError, codedErrorGuard } from "@hutong/errors";

/**
 * The one error type of the audit checkpoint package (signed notes, SM2 note
 * keys, checkpoints, cosignatures, the witness). Codes are a closed set so the
 * witness's HTTP layer, the log writer and offline verifiers switch on `code`,
 * never on message text. Messages name what was wrong, never key material or
 * note contents beyond an origin.
 */
export const checkpointErrorCodes = [
  /** Bytes that are not a signed note in the exact c2sp.org/signed-note format. */
  "malformed-note",
  /** A verifier key text that is not `name+hex(keyid)+base64(type||key)`, or whose key id does not match. */
  "malformed-key",
  /** A well-formed verifier key of a signature type this profile does not verify (e.g. Ed25519, or the other SM2 kind). */
  "unsupported-key-type",
  /** Note text that is not a checkpoint of this profile (origin, size, 32-byte root, nothing else). */
  "malformed-checkpoint",
  /** A checkpoint whose origin is not the one the caller expects. */
  "wrong-origin",
  /** A signature by a known key (name and key id match) that does not verify. */
  "bad-signature",
  /** A note with no signature from any known key. */
  "unverified",
  /** An add-checkpoint request body that is not in the c2sp.org/tlog-witness wire format. */
  "malformed-request",
  /** A caller passed an argument outside the documented domain (names, sizes, configuration). */
  "invalid-argument",
] as const;

export type CheckpointErrorCode = (typeof checkpointErrorCodes)[number];

export class CheckpointError extends CodedError<"checkpoint", CheckpointErrorCode> {
  constructor(code: CheckpointErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super("checkpoint", code, message, options);
    this.name = "CheckpointError";
  }
}

export const isCheckpointError = codedErrorGuard(CheckpointError);
