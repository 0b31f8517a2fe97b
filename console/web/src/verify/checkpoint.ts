import { isValidKeyName } from "./signed-note.js";
import { decodeStrictBase64 } from "./strict-base64.js";
import { VerifyFailure } from "./verify-failure.js";

// Checkpoint note text (docs/audit-checkpoints.md §4): exactly "origin\nsize\nbase64(root)\n".

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  /** RFC 9162 root with SM3, 32 bytes. */
  readonly root: Uint8Array;
}

export const sm3OriginSuffix = "/sm3";

/** Our origins bind the hash by their "/sm3" suffix. */
export function isSm3Origin(origin: string): boolean {
  return isValidKeyName(origin) && origin.length > sm3OriginSuffix.length && origin.endsWith(sm3OriginSuffix);
}

/** Decimal with no sign and no leading zeros, at most 2^53 − 1; undefined otherwise. */
export function parseDecimalSize(text: string): number | undefined {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

function malformed(why: string): VerifyFailure {
  return new VerifyFailure("malformed-checkpoint", `malformed checkpoint: ${why}`);
}

/** Parses the note text of a checkpoint; no extension lines. Throws VerifyFailure("malformed-checkpoint"). */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith("\n")) throw malformed("text does not end with a newline");
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) throw malformed("fewer than three lines");
  if (lines.length > 3) throw malformed("extension lines are not accepted in this profile");
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (!isValidKeyName(origin)) throw malformed("origin empty or containing a space, a '+' or a control character");
  const size = parseDecimalSize(sizeText);
  if (size === undefined) throw malformed("size is not a decimal without leading zeros below 2^53");
  const root = decodeStrictBase64(rootText);
  if (root === undefined || root.length !== 32) throw malformed("root is not canonical base64 of 32 bytes");
  return { origin, size, root };
}
