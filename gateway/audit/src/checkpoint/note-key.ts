import { createHash } from "node:crypto";
import {
  type Certificate,
  createSm2PublicKey,
  isCertsError,
  type Sm2PrivateKey,
  type Sm2PublicKey,
} from "@hutong/certs";
import { CheckpointError } from "./checkpoint-error.js";
import { isValidKeyName, type NoteSigner, type NoteVerifier } from "./signed-note.js";
import { sm2SignRaw, sm2VerifyRaw } from "./sm2-raw-signature.js";
import { decodeStrictBase64, encodeBase64 } from "./strict-base64.js";

/**
 * SM2 note keys (docs/audit-checkpoints.md §3). c2sp.org/signed-note assigns
 * no signature type to SM2, so we use its reserved 0xff byte followed by a
 * longer identifier, as the spec recommends: "sm2-sm3/v1" for log keys that
 * sign note text, "sm2-sm3-cosignature/v1" for witness keys (cosignature.ts).
 * The key material after the identifier is the 65-byte uncompressed point.
 */
export const sm2SignatureType = 0xff;
export const sm2NoteKeyIdentifier = "sm2-sm3/v1";
export const sm2CosignatureKeyIdentifier = "sm2-sm3-cosignature/v1";
export type Sm2KeyIdentifier = typeof sm2NoteKeyIdentifier | typeof sm2CosignatureKeyIdentifier;

const identifiers: readonly Sm2KeyIdentifier[] = [sm2NoteKeyIdentifier, sm2CosignatureKeyIdentifier];
const cosignatureHeader = Buffer.from("cosignature/v1\n");

/** 0xff || identifier || 65-byte point: what a verifier key carries after its key id. */
export function sm2KeyMaterial(identifier: Sm2KeyIdentifier, publicKey: Sm2PublicKey): Uint8Array {
  return new Uint8Array(Buffer.concat([Uint8Array.of(sm2SignatureType), Buffer.from(identifier), publicKey.point]));
}

/**
 * key id = SHA-256(name || 0x0A || 0xff || identifier || point)[:4], big-endian.
 * SHA-256, not SM3: the spec's key id is an identifier ("not a cryptographically
 * strong hash"), security rests on the configured key, and keeping the spec's
 * formula lets existing note tooling compute our ids.
 */
export function sm2NoteKeyId(name: string, identifier: Sm2KeyIdentifier, publicKey: Sm2PublicKey): number {
  const digest = createHash("sha256")
    .update(name, "utf8")
    .update(Uint8Array.of(0x0a))
    .update(sm2KeyMaterial(identifier, publicKey))
    .digest();
  return digest.readUInt32BE(0);
}

/** A c2sp.org/signed-note verifier key, any signature type: `name+hex(keyid)+base64(type||key)`. */
export interface VerifierKey {
  readonly name: string;
  readonly keyId: number;
  /** The signature type byte (0x01 Ed25519, 0x04 Ed25519 cosignature, 0xff ours, …). */
  readonly signatureType: number;
  /** The bytes after the type byte. */
  readonly key: Uint8Array;
}

function badKey(why: string): CheckpointError {
  return new CheckpointError("malformed-key", `malformed verifier key: ${why}`);
}

/**
 * Parses the verifier key text form without interpreting the key. Strict:
 * a valid key name, exactly eight lowercase hex digits, canonical base64 of at
 * least the type byte. The key id is not checked here (its formula depends on
 * the type); parseSm2VerifierKey checks it for ours.
 */
export function parseVerifierKey(text: string): VerifierKey {
  const first = text.indexOf("+");
  const second = first < 0 ? -1 : text.indexOf("+", first + 1);
  if (second < 0) throw badKey("expected name+keyid+key");
  const name = text.slice(0, first);
  const hex = text.slice(first + 1, second);
  if (!isValidKeyName(name)) throw badKey("invalid key name");
  if (!/^[0-9a-f]{8}$/.test(hex)) throw badKey("key id is not eight lowercase hex digits");
  const blob = decodeStrictBase64(text.slice(second + 1));
  if (blob === undefined) throw badKey("key is not canonical base64");
  return {
    name,
    keyId: Number.parseInt(hex, 16),
    signatureType: blob[0] as number,
    key: blob.slice(1),
  };
}

export interface Sm2VerifierKey {
  readonly name: string;
  readonly keyId: number;
  readonly identifier: Sm2KeyIdentifier;
  readonly publicKey: Sm2PublicKey;
}

/**
 * Parses one of our SM2 verifier keys: type 0xff, a known identifier, a
 * 65-byte uncompressed point on the curve, and the key id our formula gives.
 * Other types are "unsupported-key-type"; a broken one of ours is "malformed-key".
 */
export function parseSm2VerifierKey(text: string): Sm2VerifierKey {
  const vkey = parseVerifierKey(text);
  if (vkey.signatureType !== sm2SignatureType) {
    throw new CheckpointError(
      "unsupported-key-type",
      `verifier key ${vkey.name} has signature type 0x${vkey.signatureType.toString(16).padStart(2, "0")}; this profile verifies SM2 (0xff) only`,
    );
  }
  const rest = Buffer.from(vkey.key);
  const identifier = identifiers.find((id) => rest.subarray(0, id.length).equals(Buffer.from(id)));
  if (identifier === undefined) {
    throw new CheckpointError(
      "unsupported-key-type",
      `verifier key ${vkey.name} is type 0xff with an unknown identifier`,
    );
  }
  const point = rest.subarray(identifier.length);
  if (point.length !== 65 || point[0] !== 0x04) throw badKey("SM2 key is not a 65-byte uncompressed point");
  let publicKey: Sm2PublicKey;
  try {
    publicKey = createSm2PublicKey(new Uint8Array(point));
  } catch (cause) {
    if (isCertsError(cause)) throw new CheckpointError("malformed-key", "SM2 point is not on the curve", { cause });
    throw cause;
  }
  if (sm2NoteKeyId(vkey.name, identifier, publicKey) !== vkey.keyId) throw badKey("key id does not match the key");
  return { name: vkey.name, keyId: vkey.keyId, identifier, publicKey };
}

function checkName(name: string): void {
  if (!isValidKeyName(name)) throw new CheckpointError("invalid-argument", "invalid note key name");
}

/** The verifier key text for an SM2 key: `name+hex(keyid)+base64(0xff || identifier || point)`. */
export function formatVerifierKey(
  name: string,
  publicKey: Sm2PublicKey,
  identifier: Sm2KeyIdentifier = sm2NoteKeyIdentifier,
): string {
  checkName(name);
  const id = sm2NoteKeyId(name, identifier, publicKey).toString(16).padStart(8, "0");
  return `${name}+${id}+${encodeBase64(sm2KeyMaterial(identifier, publicKey))}`;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, prefix.length)).equals(prefix);
}

/**
 * A log's note signer. It refuses text that begins "cosignature/v1\n": such a
 * signature would also read as a cosignature message if the same SM2 key were
 * ever configured as a witness key.
 */
export function createNoteSigner(name: string, privateKey: Sm2PrivateKey): NoteSigner {
  checkName(name);
  return Object.freeze({
    name,
    keyId: sm2NoteKeyId(name, sm2NoteKeyIdentifier, privateKey.publicKey),
    sign(text: Uint8Array): Uint8Array {
      if (startsWith(text, cosignatureHeader)) {
        throw new CheckpointError("invalid-argument", "a note key does not sign cosignature messages");
      }
      return sm2SignRaw(privateKey, text);
    },
  });
}

export function noteVerifierFromPublicKey(name: string, publicKey: Sm2PublicKey): NoteVerifier {
  checkName(name);
  return Object.freeze({
    name,
    keyId: sm2NoteKeyId(name, sm2NoteKeyIdentifier, publicKey),
    verify: (text: Uint8Array, signature: Uint8Array) => sm2VerifyRaw(publicKey, text, signature),
  });
}

/** A log key's verifier from its verifier key text (identifier "sm2-sm3/v1"). */
export function createNoteVerifier(vkeyText: string): NoteVerifier {
  const vkey = parseSm2VerifierKey(vkeyText);
  if (vkey.identifier !== sm2NoteKeyIdentifier) {
    throw new CheckpointError("unsupported-key-type", `verifier key ${vkey.name} is a cosignature key, not a note key`);
  }
  return noteVerifierFromPublicKey(vkey.name, vkey.publicKey);
}

/**
 * A log key's verifier from a certificate's SubjectPublicKeyInfo, for
 * configuration: validate the certificate (path, usage, party) when loading
 * the configuration; notes are then checked against the bare key.
 */
export function noteVerifierFromCertificate(name: string, certificate: Certificate): NoteVerifier {
  return noteVerifierFromPublicKey(name, certificate.publicKey);
}
