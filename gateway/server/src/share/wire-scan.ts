import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import type { WireFieldType } from "@hutong/proto";

/**
 * The share step reads and reduces messages on the protobuf wire format, by field number, from the
 * layouts generated out of the contract (@hutong/proto's wireLayouts, share methods and record
 * schemas): no domain type is ever decoded here, so a new record service needs no code. This file
 * is the common ground: one level of a message as a list of field occurrences, and the rules by
 * which a conforming parser (protobuf-go, -java, ts-proto) decides which of them count.
 */
export interface Occurrence {
  readonly number: number;
  readonly wireType: WireType;
  /** Offsets in the scanned bytes: the whole field (tag included), and its value (after the tag). */
  readonly start: number;
  readonly valueStart: number;
  readonly end: number;
}

/** The fields of one message level in wire order; throws on bytes that are not well-formed protobuf. */
export function scanMessage(bytes: Uint8Array): Occurrence[] {
  const reader = new BinaryReader(bytes);
  const out: Occurrence[] = [];
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const [number, wireType] = reader.tag();
    const valueStart = reader.pos;
    reader.skip(wireType, number);
    out.push({ number, wireType, start, valueStart, end: reader.pos });
  }
  return out;
}

/** The payload of a length-delimited occurrence (without its length prefix). */
export function payloadOf(bytes: Uint8Array, o: Occurrence): Uint8Array {
  const reader = new BinaryReader(bytes);
  reader.pos = o.valueStart;
  return reader.bytes();
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
export function fits(o: Occurrence, type: WireFieldType, repeated: boolean): boolean {
  const expected = wireTypeOf(type);
  if (o.wireType === expected) return true;
  return repeated && o.wireType === WireType.LengthDelimited && expected !== WireType.LengthDelimited;
}

/**
 * The occurrences that count for a field: those of its number, of its type, that no later
 * occurrence of another member of its oneof has superseded (setting a oneof member clears the
 * others, so only the members after the last switch are in the parsed message). The other members'
 * types are not known here, so any occurrence of theirs counts as a switch: on bytes that put a
 * member under the wrong wire type this reads nothing where a parser would still see the earlier
 * member, which can only leave a fact unknown.
 */
export function effectiveOccurrences(
  all: readonly Occurrence[],
  field: { readonly number: number; readonly type: WireFieldType; readonly oneof?: readonly number[] },
  repeated = false,
): Occurrence[] {
  let from = 0;
  const oneof = field.oneof;
  if (oneof !== undefined) {
    all.forEach((o, i) => {
      if (o.number !== field.number && oneof.includes(o.number)) from = i + 1;
    });
  }
  return all.slice(from).filter((o) => o.number === field.number && fits(o, field.type, repeated));
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
