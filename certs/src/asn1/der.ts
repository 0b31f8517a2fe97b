import forge from "node-forge";
import { CertsError } from "../error.js";

/**
 * Thin, typed DER helpers over node-forge's ASN.1 codec. node-forge works on
 * "binary strings"; everything outside this file sees Uint8Array only.
 * Parsing is strict (definite lengths, all bytes consumed) and never tries to
 * read BIT STRING contents as nested ASN.1.
 */
export type Asn1 = forge.asn1.Asn1;

const { Class, Type } = forge.asn1;

export { Class as Asn1Class, Type as Asn1Type };

export function bytesToBinary(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

export function binaryToBytes(binary: string): Uint8Array {
  return new Uint8Array(Buffer.from(binary, "latin1"));
}

// node-forge accepts an options object here; @types/node-forge only knows the old boolean.
const fromDer = forge.asn1.fromDer as unknown as (
  bytes: string,
  options: { strict: boolean; parseAllBytes: boolean; decodeBitStrings: boolean },
) => Asn1;

/** Parses one DER value that must span all of `der`. Throws CertsError("malformed"). */
export function parseDer(der: Uint8Array, what = "DER value"): Asn1 {
  try {
    return fromDer(bytesToBinary(der), { strict: true, parseAllBytes: true, decodeBitStrings: false });
  } catch (cause) {
    throw new CertsError("malformed", `${what}: not valid DER`, { cause });
  }
}

export function encodeDer(node: Asn1): Uint8Array {
  return binaryToBytes(forge.asn1.toDer(node).getBytes());
}

// --- constructors -----------------------------------------------------------

export function seq(...items: Asn1[]): Asn1 {
  return forge.asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, items);
}

export function set(...items: Asn1[]): Asn1 {
  return forge.asn1.create(Class.UNIVERSAL, Type.SET, true, items);
}

export function oid(dotted: string): Asn1 {
  return forge.asn1.create(Class.UNIVERSAL, Type.OID, false, forge.asn1.oidToDer(dotted).getBytes());
}

export function nullValue(): Asn1 {
  return forge.asn1.create(Class.UNIVERSAL, Type.NULL, false, "");
}

export function bool(value: boolean): Asn1 {
  return forge.asn1.create(Class.UNIVERSAL, Type.BOOLEAN, false, value ? "\xff" : "\x00");
}

/** INTEGER from a non-negative bigint or number, minimal two's-complement encoding. */
export function integer(value: bigint | number): Asn1 {
  const v = BigInt(value);
  if (v < 0n) throw new CertsError("invalid-argument", "negative INTEGER not supported");
  let hex = v.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  if (Number.parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  return forge.asn1.create(Class.UNIVERSAL, Type.INTEGER, false, Buffer.from(hex, "hex").toString("latin1"));
}

/**
 * INTEGER whose value is the given unsigned big-endian magnitude (a serial number, say),
 * minimally encoded; no bytes at all is zero (never the empty INTEGER, which is not DER).
 */
export function integerFromBytes(bytes: Uint8Array): Asn1 {
  return integer(BigInt(`0x${Buffer.from(bytes).toString("hex") || "0"}`));
}

export function octets(bytes: Uint8Array): Asn1 {
  return forge.asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, bytesToBinary(bytes));
}

/** BIT STRING with zero unused bits. */
export function bitString(bytes: Uint8Array): Asn1 {
  return forge.asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, `\x00${bytesToBinary(bytes)}`);
}

/** BIT STRING holding named bits (bit 0 = most significant bit of the first byte), DER-minimal. */
export function namedBits(bits: readonly number[]): Asn1 {
  // No bit set: the empty BIT STRING (just the unused-bits count, 0).
  if (bits.length === 0) return forge.asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, "\x00");
  const max = Math.max(...bits);
  const out = Array.from({ length: (max >> 3) + 1 }, (_, i) =>
    bits.reduce((byte, b) => (b >> 3 === i ? byte | (0x80 >> (b & 7)) : byte), 0),
  );
  // DER: trailing zero bits are removed and counted as unused.
  const unused = 7 - (max & 7);
  return forge.asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, String.fromCharCode(unused, ...out));
}

export function utf8(text: string): Asn1 {
  return forge.asn1.create(Class.UNIVERSAL, Type.UTF8, false, forge.util.encodeUtf8(text));
}

export function printable(text: string): Asn1 {
  return forge.asn1.create(Class.UNIVERSAL, Type.PRINTABLESTRING, false, text);
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export function time(date: Date): Asn1 {
  const y = date.getUTCFullYear();
  if (y >= 1950 && y < 2050) {
    return forge.asn1.create(Class.UNIVERSAL, Type.UTCTIME, false, forge.asn1.dateToUtcTime(date));
  }
  return forge.asn1.create(Class.UNIVERSAL, Type.GENERALIZEDTIME, false, forge.asn1.dateToGeneralizedTime(date));
}

/** [n] EXPLICIT wrapper. */
export function explicit(tag: number, inner: Asn1): Asn1 {
  return forge.asn1.create(Class.CONTEXT_SPECIFIC, tag, true, [inner]);
}

/** [n] IMPLICIT primitive with raw content bytes. */
export function implicitPrimitive(tag: number, content: Uint8Array | string): Asn1 {
  const value = typeof content === "string" ? content : bytesToBinary(content);
  return forge.asn1.create(Class.CONTEXT_SPECIFIC, tag, false, value);
}

/** [n] IMPLICIT constructed with children. */
export function implicitConstructed(tag: number, items: Asn1[]): Asn1 {
  return forge.asn1.create(Class.CONTEXT_SPECIFIC, tag, true, items);
}

// --- readers: each throws CertsError("malformed") naming what was expected ---

function fail(what: string, expected: string): never {
  throw new CertsError("malformed", `${what}: expected ${expected}`);
}

function isUniversal(node: Asn1, type: number, constructed: boolean): boolean {
  return node.tagClass === Class.UNIVERSAL && node.type === type && node.constructed === constructed;
}

export function children(node: Asn1 | undefined, what: string): Asn1[] {
  if (node === undefined || !node.constructed || !Array.isArray(node.value)) fail(what, "a constructed value");
  return node.value as Asn1[];
}

export function readSeq(node: Asn1 | undefined, what: string, min = 0, max = Number.POSITIVE_INFINITY): Asn1[] {
  if (node === undefined || !isUniversal(node, Type.SEQUENCE, true)) fail(what, "SEQUENCE");
  const items = node.value as Asn1[];
  if (items.length < min || items.length > max) fail(what, `SEQUENCE of ${min}..${max} items`);
  return items;
}

export function readSet(node: Asn1 | undefined, what: string): Asn1[] {
  if (node === undefined || !isUniversal(node, Type.SET, true)) fail(what, "SET");
  return node.value as Asn1[];
}

function primitiveContent(node: Asn1 | undefined, type: number, what: string, expected: string): string {
  if (node === undefined || !isUniversal(node, type, false) || typeof node.value !== "string") fail(what, expected);
  return node.value;
}

export function readOid(node: Asn1 | undefined, what: string): string {
  const content = primitiveContent(node, Type.OID, what, "OBJECT IDENTIFIER");
  // X.690 §8.19: one or more subidentifiers in base 128, none starting with 0x80 (non-minimal), the
  // last one complete. node-forge's decoder silently drops an unfinished subidentifier and accepts
  // padded ones, which would let two spellings name one OID.
  let subidentifierStart = true;
  for (const b of binaryToBytes(content)) {
    if (subidentifierStart && b === 0x80) fail(what, "a DER OBJECT IDENTIFIER");
    subidentifierStart = (b & 0x80) === 0;
  }
  if (content.length === 0 || !subidentifierStart) fail(what, "a DER OBJECT IDENTIFIER");
  try {
    return forge.asn1.derToOid(content);
  } catch (cause) {
    throw new CertsError("malformed", `${what}: bad OBJECT IDENTIFIER`, { cause });
  }
}

/** INTEGER content as unsigned magnitude bytes; rejects negative and non-minimal encodings. */
export function readUnsignedIntegerBytes(node: Asn1 | undefined, what: string): Uint8Array {
  const content = binaryToBytes(primitiveContent(node, Type.INTEGER, what, "INTEGER"));
  const [b0, b1] = content;
  if (b0 === undefined) fail(what, "a non-empty INTEGER");
  if (b0 & 0x80) fail(what, "a non-negative INTEGER");
  if (b0 === 0 && b1 !== undefined && (b1 & 0x80) === 0) fail(what, "a minimally encoded INTEGER");
  // A leading 0x00 is only ever the pad before a byte with its top bit set (or the value zero).
  return b0 === 0 && b1 !== undefined ? content.subarray(1) : content;
}

export function readInteger(node: Asn1 | undefined, what: string): bigint {
  // Never empty: readUnsignedIntegerBytes refuses the empty INTEGER.
  return BigInt(`0x${Buffer.from(readUnsignedIntegerBytes(node, what)).toString("hex")}`);
}

export function readSmallInteger(node: Asn1 | undefined, what: string): number {
  const v = readInteger(node, what);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(what, "a small INTEGER");
  return Number(v);
}

export function readOctets(node: Asn1 | undefined, what: string): Uint8Array {
  return binaryToBytes(primitiveContent(node, Type.OCTETSTRING, what, "OCTET STRING"));
}

export function readBool(node: Asn1 | undefined, what: string): boolean {
  const c = primitiveContent(node, Type.BOOLEAN, what, "BOOLEAN");
  if (c === "\xff") return true;
  if (c === "\x00") return false;
  return fail(what, "a DER BOOLEAN");
}

/** BIT STRING with zero unused bits (keys, signatures), as bytes. */
export function readBitStringBytes(node: Asn1 | undefined, what: string): Uint8Array {
  const c = binaryToBytes(primitiveContent(node, Type.BITSTRING, what, "BIT STRING"));
  if (c.length === 0 || c[0] !== 0) fail(what, "a BIT STRING of whole bytes");
  return c.subarray(1);
}

/** BIT STRING of named bits, as the list of set bit positions. */
export function readNamedBits(node: Asn1 | undefined, what: string): number[] {
  const c = binaryToBytes(primitiveContent(node, Type.BITSTRING, what, "BIT STRING"));
  const unused = c[0];
  if (unused === undefined || unused > 7 || (c.length === 1 && unused !== 0)) fail(what, "a valid BIT STRING");
  const nbits = (c.length - 1) * 8 - unused;
  const bits: number[] = [];
  c.subarray(1).forEach((byte, i) => {
    for (let k = 0; k < 8; k++) if (byte & (0x80 >> k)) bits.push(i * 8 + k);
  });
  // Bits in the unused tail are not named bits.
  return bits.filter((b) => b < nbits);
}

export function readTime(node: Asn1 | undefined, what: string): Date {
  if (node !== undefined && node.tagClass === Class.UNIVERSAL && !node.constructed && typeof node.value === "string") {
    const s = node.value;
    if (node.type === Type.UTCTIME && /^\d{12}Z$/.test(s)) return forge.asn1.utcTimeToDate(s);
    if (node.type === Type.GENERALIZEDTIME && /^\d{14}Z$/.test(s)) return forge.asn1.generalizedTimeToDate(s);
  }
  return fail(what, "UTCTime or GeneralizedTime in DER form (YYMMDDHHMMSSZ)");
}

/** Any of the directory string types, decoded to a JS string. */
export function readString(node: Asn1 | undefined, what: string): string {
  if (node === undefined || node.tagClass !== Class.UNIVERSAL || node.constructed || typeof node.value !== "string") {
    return fail(what, "a string");
  }
  switch (node.type as number) {
    case Type.UTF8:
      try {
        return forge.util.decodeUtf8(node.value);
      } catch (cause) {
        throw new CertsError("malformed", `${what}: bad UTF-8`, { cause });
      }
    case Type.PRINTABLESTRING:
    case Type.IA5STRING:
    case 18: // NumericString
    case 20: // TeletexString
      return node.value;
    case Type.BMPSTRING:
      // node-forge's fromDer has already decoded BMPString content to UTF-16 code units.
      return node.value;
    default:
      return fail(what, "a directory string");
  }
}

export function isContext(node: Asn1 | undefined, tag: number): node is Asn1 {
  return node !== undefined && node.tagClass === Class.CONTEXT_SPECIFIC && node.type === tag;
}

/** Content of [tag] EXPLICIT: its single child. */
export function readExplicit(node: Asn1 | undefined, tag: number, what: string): Asn1 {
  if (!isContext(node, tag) || !node.constructed) fail(what, `[${tag}] EXPLICIT`);
  const items = node.value as Asn1[];
  if (items.length !== 1 || items[0] === undefined) fail(what, `exactly one value inside [${tag}]`);
  return items[0];
}

/** Raw content bytes of a primitive [tag] IMPLICIT value. */
export function readImplicitBytes(node: Asn1 | undefined, tag: number, what: string): Uint8Array {
  if (!isContext(node, tag) || node.constructed || typeof node.value !== "string") fail(what, `[${tag}] IMPLICIT`);
  return binaryToBytes(node.value);
}
