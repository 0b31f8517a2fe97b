import { SessionError, type SessionErrorCode } from "./session-error.js";

/**
 * The canonical length-prefixed encoding used for transcripts, cookies and
 * tickets. Protobuf is not canonical (field order, varint widths, unknown
 * fields), so signed and hashed bytes are built with this instead:
 *
 *   field(b)           = u32be(len(b)) || b
 *   list(b1..bn)       = field(b1) || ... || field(bn)     (used as the value of one field)
 *   message(t, v1..vn) = u8(t) || u32be(len(body)) || body,  body = field(v1) || ... || field(vn)
 *
 * Every field is length-prefixed, so no two different field sequences encode
 * to the same bytes.
 */

/** One byte; anything else is a bug of the caller (values are checked before they are encoded). */
export function u8(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 255) throw new RangeError("u8 needs an integer 0..255");
  return Uint8Array.of(n);
}

export function u32be(n: number): Uint8Array {
  // A value DataView would wrap silently (a negative, a fraction, ≥ 2^32) is a bug, never data.
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new RangeError("u32be needs an integer 0..2^32-1");
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

/** 8-byte big-endian unsigned, for millisecond timestamps. */
export function u64be(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError("u64be needs a non-negative safe integer");
  // Two 32-bit halves: a per-call MAC input, where BigInt's conversion showed in profiles.
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(n / 2 ** 32));
  view.setUint32(4, n >>> 0);
  return out;
}

export function readU64be(bytes: Uint8Array, code: SessionErrorCode = "malformed"): number {
  if (bytes.length !== 8) throw new SessionError(code, "expected an 8-byte integer");
  const v = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new SessionError(code, "integer out of range");
  return Number(v);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function encodeField(bytes: Uint8Array): Uint8Array {
  return concatBytes([u32be(bytes.length), bytes]);
}

export function encodeFields(fields: readonly Uint8Array[]): Uint8Array {
  return concatBytes(fields.map(encodeField));
}

/** A list is one field whose content is the list items, each itself a field. */
export function encodeList(items: readonly Uint8Array[]): Uint8Array {
  return encodeFields(items);
}

export function encodeMessage(type: number, fields: readonly Uint8Array[]): Uint8Array {
  const body = encodeFields(fields);
  return concatBytes([Uint8Array.of(type), u32be(body.length), body]);
}

/**
 * Splits `bytes` into fields; exactly `count` when given. Trailing bytes or a
 * length running past the end are errors of `code`, so each byte string has at
 * most one decoding.
 */
/** A tuple of exactly N byte strings, so callers destructure without casts. */
export type Fields<N extends number, R extends Uint8Array[] = []> = R["length"] extends N
  ? R
  : Fields<N, [...R, Uint8Array]>;

export function decodeFields<N extends number>(
  bytes: Uint8Array,
  count: N,
  code: SessionErrorCode = "malformed",
): Fields<N> {
  const fields: Uint8Array[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw new SessionError(code, "truncated field length");
    const len = view.getUint32(at);
    at += 4;
    if (len > bytes.length - at) throw new SessionError(code, "field runs past the end");
    fields.push(bytes.subarray(at, at + len));
    at += len;
  }
  if (fields.length !== count) throw new SessionError(code, `expected ${count} fields, found ${fields.length}`);
  return fields as Fields<N>;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Strict UTF-8 decoding: invalid sequences are errors, not U+FFFD. */
export function fromUtf8(bytes: Uint8Array, code: SessionErrorCode = "malformed"): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new SessionError(code, "invalid UTF-8", { cause });
  }
}
