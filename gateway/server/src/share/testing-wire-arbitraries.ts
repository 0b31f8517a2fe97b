// Test support: random wire bytes for any message of the contract's generated layouts, for property
// tests that compare the share step's wire reading with the generated (ts-proto) decoders. Besides
// canonical encodings it produces what a conforming parser must also accept, and on which ts-proto and
// the protobuf spec agree: fields in any order, a scalar given twice (the last wins), several members
// of one oneof (the last wins), values of the wrong wire type and unknown fields (both ignored),
// packed and unpacked repeated numbers. It never repeats a singular sub-message, where ts-proto
// replaces but the spec merges (field-reader.spec.ts covers that case on its own).
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { type WireField, wireLayouts } from "@hutong/proto";
import fc from "fast-check";

type Piece = (w: BinaryWriter) => void;

const strings = fc.oneof(
  fc.constantFrom("", "T1", "L-1", "510104199001011234", "张三", "H12345678"),
  fc.string({ maxLength: 12 }),
);
/** Bytes that are not valid UTF-8, for string fields: decoders replace them, they must agree. */
const badUtf8 = fc.constantFrom(Uint8Array.of(0xff, 0x41), Uint8Array.of(0xe5, 0xbc));

function scalar(field: WireField): fc.Arbitrary<Piece> {
  const n = field.number;
  switch (field.type) {
    case "string":
      return fc.oneof(
        {
          weight: 9,
          arbitrary: strings.map(
            (s): Piece =>
              (w) =>
                w.tag(n, WireType.LengthDelimited).string(s),
          ),
        },
        {
          weight: 1,
          arbitrary: badUtf8.map(
            (b): Piece =>
              (w) =>
                w.tag(n, WireType.LengthDelimited).bytes(b),
          ),
        },
      );
    case "bytes":
      return fc.uint8Array({ maxLength: 8 }).map(
        (b): Piece =>
          (w) =>
            w.tag(n, WireType.LengthDelimited).bytes(b),
      );
    case "bool":
      return fc.integer({ min: 0, max: 3 }).map(
        (v): Piece =>
          (w) =>
            w.tag(n, WireType.Varint).uint32(v),
      );
    case "enum":
    case "int32":
      return fc.oneof(fc.integer({ min: -3, max: 12 }), fc.constantFrom(201, 208, 299, 2 ** 31 - 1)).map(
        (v): Piece =>
          (w) =>
            w.tag(n, WireType.Varint).int32(v),
      );
    case "uint32":
      return fc.nat().map(
        (v): Piece =>
          (w) =>
            w.tag(n, WireType.Varint).uint32(v),
      );
    case "int64":
      return fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }).map(
        (v): Piece =>
          (w) =>
            w.tag(n, WireType.Varint).int64(v),
      );
    case "uint64":
      return fc.bigInt({ min: 0n, max: 2n ** 40n }).map(
        (v): Piece =>
          (w) =>
            w.tag(n, WireType.Varint).uint64(v),
      );
    default:
      throw new Error(`testing-wire-arbitraries: no generator for ${field.type}`);
  }
}

/** A value of the wrong wire type under a known number: an unknown field to every conforming parser. */
function wrongWireType(field: WireField): Piece {
  const lengthDelimited = field.type === "string" || field.type === "bytes" || field.type === "message";
  return lengthDelimited
    ? (w) => w.tag(field.number, WireType.Varint).uint32(7)
    : (w) => w.tag(field.number, WireType.LengthDelimited).bytes(Uint8Array.of(1, 2));
}

const unknownField = fc
  .tuple(fc.integer({ min: 900, max: 999 }), fc.boolean(), fc.uint8Array({ maxLength: 4 }))
  .map(
    ([n, varint, b]): Piece =>
      varint ? (w) => w.tag(n, WireType.Varint).uint32(b.length) : (w) => w.tag(n, WireType.LengthDelimited).bytes(b),
  );

const timestampSeconds = fc.bigInt({ min: -62135596800n, max: 253402300799n });

/** Occurrences of one field (or of one oneof group). */
function fieldPieces(message: string, field: WireField, depth: number): fc.Arbitrary<Piece[]> {
  if (field.message !== undefined) {
    const sub = messagePieces(field.message, depth + 1).map((pieces): Piece => {
      return (w) => {
        const inner = new BinaryWriter();
        for (const p of pieces) p(inner);
        w.tag(field.number, WireType.LengthDelimited).bytes(inner.finish());
      };
    });
    return field.repeated
      ? fc.array(sub, { maxLength: 3 })
      : fc.option(sub, { nil: undefined }).map((p) => (p === undefined ? [] : [p]));
  }
  if (message === "google.protobuf.Timestamp" && field.name === "seconds") {
    return fc
      .option(timestampSeconds, { nil: undefined })
      .map((s) => (s === undefined ? [] : [(w) => w.tag(1, WireType.Varint).int64(s)]));
  }
  if (message === "google.protobuf.Timestamp" && field.name === "nanos") {
    return fc
      .option(fc.integer({ min: 0, max: 999_999_999 }), { nil: undefined })
      .map((s) => (s === undefined ? [] : [(w) => w.tag(2, WireType.Varint).int32(s)]));
  }
  if (field.repeated) {
    const values = fc.array(scalar(field), { maxLength: 3 });
    if (field.type === "string" || field.type === "bytes") return values;
    // Packed: the same values as one length-delimited run of varints.
    return fc.oneof(
      values,
      fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 3 }).map((vs): Piece[] => [
        (w) => {
          w.tag(field.number, WireType.LengthDelimited).fork();
          for (const v of vs) w.int32(v);
          w.join();
        },
      ]),
    );
  }
  // A scalar: absent, once, or twice (the last wins), sometimes also under the wrong wire type
  // (not for a oneof member: see messagePieces).
  return fc
    .tuple(fc.array(scalar(field), { maxLength: 2 }), fc.integer({ min: 0, max: 9 }))
    .map(([values, odd]) => (odd === 0 && field.oneof === undefined ? [...values, wrongWireType(field)] : values));
}

/** Every occurrence of a message's fields, shuffled, with unknown fields mixed in. */
export function messagePieces(message: string, depth = 0): fc.Arbitrary<Piece[]> {
  const layout = wireLayouts.get(message);
  if (layout === undefined) throw new Error(`no wire layout for ${message}`);
  if (depth > 4) return fc.constant([]);
  const groups: fc.Arbitrary<Piece[]>[] = [];
  const oneofs = new Map<string, WireField[]>();
  for (const field of layout) {
    if (field.oneof === undefined) {
      groups.push(fieldPieces(message, field, depth));
      continue;
    }
    const key = field.oneof.join(",");
    oneofs.set(key, [...(oneofs.get(key) ?? []), field]);
  }
  for (const members of oneofs.values()) {
    // Up to two distinct members, once each: the later one on the wire is the case that is set. No
    // member under the wrong wire type: the share step's field reader takes any later occurrence of
    // another member as a switch (field-reader.spec.ts), which can only make it read less.
    groups.push(
      fc
        .shuffledSubarray(members, { maxLength: 2 })
        .chain((chosen) =>
          chosen.length === 0
            ? fc.constant([])
            : fc
                .tuple(
                  ...chosen.map((f) =>
                    fieldPieces(message, { ...f, repeated: false }, depth).filter((p) => p.length > 0),
                  ),
                )
                .map((ps) => ps.flatMap((p) => p.slice(-1))),
        ),
    );
  }
  groups.push(fc.array(unknownField, { maxLength: 2 }));
  return fc.tuple(...groups).chain((parts) => {
    const flat = parts.flat();
    return fc.shuffledSubarray(flat, { minLength: flat.length, maxLength: flat.length });
  });
}

/** Random wire bytes of `message`. */
export function messageBytes(message: string): fc.Arbitrary<Uint8Array> {
  return messagePieces(message).map((pieces) => {
    const w = new BinaryWriter();
    for (const p of pieces) p(w);
    return w.finish();
  });
}
