import { concatBytes, readUint32BE, sameBytes, utf8 } from "./bytes.js";
import { sha256 } from "./sha256.js";
import { isValidKeyName, type NoteVerifier } from "./signed-note.js";
import { isSm2Point, sm2VerifyRaw } from "./sm2-verify.js";
import { decodeStrictBase64 } from "./strict-base64.js";
import { VerifyFailure } from "./verify-failure.js";

// SM2 note keys (docs/audit-checkpoints.md §3): `name+hexkeyid+base64(0xff || identifier || point)`.

export const sm2SignatureType = 0xff;
export const sm2NoteKeyIdentifier = "sm2-sm3/v1";
export const sm2CosignatureKeyIdentifier = "sm2-sm3-cosignature/v1";

export interface Sm2NoteKey {
  readonly name: string;
  readonly keyId: number;
  readonly identifier: typeof sm2NoteKeyIdentifier | typeof sm2CosignatureKeyIdentifier;
  /** 0x04 || x || y. */
  readonly point: Uint8Array;
}

function badKey(why: string): VerifyFailure {
  return new VerifyFailure("malformed-key", `malformed verifier key: ${why}`);
}

/** key id = SHA-256(name || 0x0a || 0xff || identifier || point)[:4] as u32be (SHA-256 on purpose, §3.2). */
export function sm2KeyId(name: string, identifier: string, point: Uint8Array): number {
  const digest = sha256(
    concatBytes(utf8(name), Uint8Array.of(0x0a), Uint8Array.of(sm2SignatureType), utf8(identifier), point),
  );
  return readUint32BE(digest, 0);
}

/**
 * Parses one of our SM2 verifier keys, checking everything @hutong/audit's parseSm2VerifierKey
 * checks: a valid name, eight lowercase hex digits, canonical base64, type 0xff with a known
 * identifier ("unsupported-key-type" otherwise), exactly a 65-byte uncompressed point on the
 * curve, and a key id equal to the formula ("malformed-key" otherwise).
 */
export function parseSm2NoteKey(text: string): Sm2NoteKey {
  const first = text.indexOf("+");
  const second = first < 0 ? -1 : text.indexOf("+", first + 1);
  if (second < 0) throw badKey("expected name+keyid+key");
  const name = text.slice(0, first);
  const hex = text.slice(first + 1, second);
  if (!isValidKeyName(name)) throw badKey("invalid key name");
  if (!/^[0-9a-f]{8}$/.test(hex)) throw badKey("key id is not eight lowercase hex digits");
  const blob = decodeStrictBase64(text.slice(second + 1));
  if (blob === undefined || blob.length === 0) throw badKey("key is not canonical base64");
  if (blob[0] !== sm2SignatureType) {
    throw new VerifyFailure(
      "unsupported-key-type",
      `verifier key ${name} has signature type 0x${(blob[0] as number).toString(16).padStart(2, "0")}; only SM2 (0xff) is verified`,
    );
  }
  const rest = blob.subarray(1);
  const identifiers = [sm2NoteKeyIdentifier, sm2CosignatureKeyIdentifier] as const;
  const identifier = identifiers.find((id) => sameBytes(rest.subarray(0, id.length), utf8(id)));
  if (identifier === undefined) {
    throw new VerifyFailure("unsupported-key-type", `verifier key ${name} is type 0xff with an unknown identifier`);
  }
  const point = rest.slice(identifier.length);
  if (point.length !== 65 || point[0] !== 0x04) throw badKey("SM2 key is not a 65-byte uncompressed point");
  if (!isSm2Point(point)) throw badKey("SM2 point is not on the curve");
  const keyId = Number.parseInt(hex, 16);
  if (sm2KeyId(name, identifier, point) !== keyId) throw badKey("key id does not match the key");
  return { name, keyId, identifier, point };
}

/** A log key's verifier (identifier "sm2-sm3/v1"); a witness key is refused here. */
export function logKeyVerifier(vkeyText: string): NoteVerifier & { readonly point: Uint8Array } {
  const key = parseSm2NoteKey(vkeyText);
  if (key.identifier !== sm2NoteKeyIdentifier) {
    throw new VerifyFailure("unsupported-key-type", `verifier key ${key.name} is a cosignature key, not a log key`);
  }
  return {
    name: key.name,
    keyId: key.keyId,
    point: key.point,
    verify: (text, signature) => sm2VerifyRaw(key.point, text, signature),
  };
}
