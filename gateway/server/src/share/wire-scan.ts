import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import type { WireFieldType } from "@hutong/proto";

/**
 * The share step reads and reduces messages on the protobuf wire format, by field number, from the
 * layouts generated out of the contract (@hutong/proto's wireLayouts, share methods and record
 * schemas): no domain type is ever decoded here, so a new record service needs no code. This file
 * is the common ground: one level of a message as a list of field occurrences, and the rules by
 * which a conforming parser (protobuf-go, -java, ts-proto) decides which of them count (the field
 * reader applies the same rules in one pass of its own).
 */
export interface Occurrence {
  readonly number: number;
  readonly wireType: WireType;
  /** Offsets in the scanned bytes of the whole field, its tag included. */
  readonly start: number;
  readonly end: number;
  /** Where the payload of a length-delimited field starts (after its length prefix); it ends at `end`. */
  readonly payloadStart: number;
}

/** The fields of one message level in wire order; throws on bytes that are not well-formed protobuf. */
export function scanMessage(bytes: Uint8Array): Occurrence[] {
  const reader = new BinaryReader(bytes);
  const out: Occurrence[] = [];
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const [number, wireType] = reader.tag();
    let payloadStart = reader.pos;
    if (wireType === WireType.LengthDelimited) {
      const length = reader.uint32();
      payloadStart = reader.pos;
      reader.pos += length;
      if (reader.pos > reader.len) throw new RangeError("premature EOF");
    } else {
      reader.skip(wireType, number);
    }
    out.push({ number, wireType, start, end: reader.pos, payloadStart });
  }
  return out;
}

/** The payload of a length-delimited occurrence (without its length prefix). */
export function payloadOf(bytes: Uint8Array, o: Occurrence): Uint8Array {
  return bytes.subarray(o.payloadStart, o.end);
}

const varintTypes: ReadonlySet<WireFieldType> = new Set([
  "int32",
  "int64",
  "uint32",
  "uint64",
  "sint32",
  "sint64",
  "bool",
  "enum",
]);
const bit64Types: ReadonlySet<WireFieldType> = new Set(["fixed64", "sfixed64", "double"]);
const bit32Types: ReadonlySet<WireFieldType> = new Set(["fixed32", "sfixed32", "float"]);

/** The wire type a field of this type is written with (unpacked). */
function wireTypeOf(type: WireFieldType): WireType {
  if (varintTypes.has(type)) return WireType.Varint;
  if (bit64Types.has(type)) return WireType.Bit64;
  if (bit32Types.has(type)) return WireType.Bit32;
  if (type === "group") return WireType.StartGroup;
  return WireType.LengthDelimited;
}

/**
 * Whether an occurrence is a value of a field of this type. Anything else under the field's
 * number is an unknown field to a conforming parser, and is ignored here too. Repeated numeric
 * fields also come packed (length-delimited).
 */
export function fits(o: { readonly wireType: WireType }, type: WireFieldType, repeated: boolean): boolean {
  const expected = wireTypeOf(type);
  if (o.wireType === expected) return true;
  return repeated && o.wireType === WireType.LengthDelimited && expected !== WireType.LengthDelimited;
}

/**
 * Whether a oneof member's occurrence is superseded by a later occurrence of another member;
 * `counts` says whether an occurrence is a value of its field (of the right wire type).
 */
export function supersededInOneof(
  all: readonly Occurrence[],
  index: number,
  oneof: readonly number[],
  counts: (o: Occurrence) => boolean,
): boolean {
  const own = all[index]?.number;
  for (let i = index + 1; i < all.length; i++) {
    const o = all[i];
    if (o !== undefined && o.number !== own && oneof.includes(o.number) && counts(o)) return true;
  }
  return false;
}
