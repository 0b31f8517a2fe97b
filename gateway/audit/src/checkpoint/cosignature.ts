import type { Certificate, Sm2PrivateKey, Sm2PublicKey } from "@hutong/certs";
import { parseCheckpoint } from "./checkpoint.js";
import { CheckpointError } from "./checkpoint-error.js";
import { formatVerifierKey, parseSm2VerifierKey, sm2CosignatureKeyIdentifier, sm2NoteKeyId } from "./note-key.js";
import { formatSignatureLine, isValidKeyName, type NoteVerifier, parseNote, verifyNote } from "./signed-note.js";
import { sm2SignRaw, sm2VerifyRaw } from "./sm2-raw-signature.js";

/**
 * c2sp.org/tlog-cosignature's v1 (Ed25519) construction with SM2 in place of
 * Ed25519 (docs/audit-checkpoints.md §5). The signed message is
 * `"cosignature/v1\ntime <unix seconds>\n" || checkpoint text`; the note
 * signature payload is u64be(timestamp) || 64-byte raw SM2 signature. Witness
 * keys carry their own identifier, "sm2-sm3-cosignature/v1", so a log key and
 * a witness key never share a key id and a vkey of one kind is refused where
 * the other is expected.
 */
export const cosignatureHeader = "cosignature/v1\n";

/** A timestamp (unix seconds) we can carry: the spec allows up to 2^63 − 1, we stop at 2^53 − 1. */
function checkTimestamp(timestamp: number): void {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new CheckpointError("invalid-argument", "cosignature timestamp must be a non-negative safe integer");
  }
}

/** The bytes a cosigner signs for checkpoint note text `checkpointText` at `timestamp` (unix seconds). */
export function cosignatureMessage(checkpointText: string | Uint8Array, timestamp: number): Uint8Array {
  checkTimestamp(timestamp);
  const text = typeof checkpointText === "string" ? Buffer.from(checkpointText, "utf8") : checkpointText;
  return new Uint8Array(Buffer.concat([Buffer.from(`${cosignatureHeader}time ${timestamp}\n`), text]));
}

export interface CosignatureSigner {
  readonly name: string;
  readonly keyId: number;
  /** The note signature payload: u64be(timestamp) || raw SM2 signature of cosignatureMessage(text, timestamp). */
  cosign(checkpointText: string, timestamp: number): Uint8Array;
}

function checkName(name: string): void {
  if (!isValidKeyName(name)) throw new CheckpointError("invalid-argument", "invalid cosigner key name");
}

export function createCosignatureSigner(name: string, privateKey: Sm2PrivateKey): CosignatureSigner {
  checkName(name);
  return Object.freeze({
    name,
    keyId: sm2NoteKeyId(name, sm2CosignatureKeyIdentifier, privateKey.publicKey),
    cosign(checkpointText: string, timestamp: number): Uint8Array {
      parseCheckpoint(checkpointText);
      const payload = new Uint8Array(72);
      new DataView(payload.buffer).setBigUint64(0, BigInt(timestamp));
      payload.set(sm2SignRaw(privateKey, cosignatureMessage(checkpointText, timestamp)), 8);
      return payload;
    },
  });
}

/** The timestamp of a 72-byte cosignature payload, or undefined if it is not one we can carry. */
function payloadTimestamp(payload: Uint8Array): number | undefined {
  if (payload.length !== 72) return undefined;
  const t = new DataView(payload.buffer, payload.byteOffset, 8).getBigUint64(0);
  return t <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(t) : undefined;
}

/** A verifier for one witness's cosignatures, usable with verifyNote next to log verifiers. */
export function cosignatureVerifierFromPublicKey(name: string, publicKey: Sm2PublicKey): NoteVerifier {
  checkName(name);
  return Object.freeze({
    name,
    keyId: sm2NoteKeyId(name, sm2CosignatureKeyIdentifier, publicKey),
    verify(text: Uint8Array, payload: Uint8Array): boolean {
      const timestamp = payloadTimestamp(payload);
      if (timestamp === undefined) return false;
      return sm2VerifyRaw(publicKey, cosignatureMessage(text, timestamp), payload.subarray(8));
    },
  });
}

/** A witness verifier from its verifier key text (identifier "sm2-sm3-cosignature/v1"). */
export function createCosignatureVerifier(vkeyText: string): NoteVerifier {
  const vkey = parseSm2VerifierKey(vkeyText);
  if (vkey.identifier !== sm2CosignatureKeyIdentifier) {
    throw new CheckpointError("unsupported-key-type", `verifier key ${vkey.name} is a note key, not a cosignature key`);
  }
  return cosignatureVerifierFromPublicKey(vkey.name, vkey.publicKey);
}

/** A witness verifier from its certificate's SubjectPublicKeyInfo (validate the certificate at configuration time). */
export function cosignatureVerifierFromCertificate(name: string, certificate: Certificate): NoteVerifier {
  return cosignatureVerifierFromPublicKey(name, certificate.publicKey);
}

/** The verifier key text of a witness key. */
export function formatCosignatureVerifierKey(name: string, publicKey: Sm2PublicKey): string {
  return formatVerifierKey(name, publicKey, sm2CosignatureKeyIdentifier);
}

/**
 * Cosigns the checkpoint in a signed note at `now` (milliseconds since the
 * epoch; the cosignature carries whole seconds) and returns the signature
 * line, "\n" included, to append to the note. It does not verify the log's
 * signature or consistency: that is the witness's decision (witness.ts).
 */
export function cosignCheckpoint(signer: CosignatureSigner, noteText: string | Uint8Array, now: number): string {
  if (!Number.isFinite(now) || now < 0) throw new CheckpointError("invalid-argument", "now must be a time in ms");
  const { text } = parseNote(noteText);
  return formatSignatureLine({
    name: signer.name,
    keyId: signer.keyId,
    signature: signer.cosign(text, Math.floor(now / 1000)),
  });
}

/**
 * Verifies `witness`'s cosignature on a checkpoint note and returns its
 * timestamp (unix seconds; the latest, if the witness signed more than once).
 * Throws "unverified" when the note has no cosignature from that witness,
 * "bad-signature" when one does not verify.
 */
export function verifyCosignature(noteText: string | Uint8Array, witness: NoteVerifier): { timestamp: number } {
  const note = verifyNote(noteText, [witness]);
  parseCheckpoint(note.text);
  const timestamps = note.verified.map((sig) => payloadTimestamp(sig.signature));
  if (timestamps.some((t) => t === undefined)) {
    throw new CheckpointError("invalid-argument", "verifyCosignature needs a cosignature verifier");
  }
  return { timestamp: Math.max(...(timestamps as number[])) };
}
