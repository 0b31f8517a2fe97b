import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { FieldPath } from "@hutong/proto";
import { readBool, readInt32, readString } from "./field-reader.js";

// A made-up layout, so the reader is tested on its own: field 2 is a message whose fields 1, 2, 3
// form a oneof (1 and 2 strings, 3 a message), and 4 is an enum outside it; field 5 is a bool.
const id: FieldPath = [
  { name: "lookup", number: 2, type: "message" },
  { name: "id", number: 1, type: "string", oneof: [1, 2, 3] },
];
const kind: FieldPath = [
  { name: "lookup", number: 2, type: "message" },
  { name: "kind", number: 4, type: "enum" },
];
const flag: FieldPath = [{ name: "flag", number: 5, type: "bool" }];

const sub = (build: (w: BinaryWriter) => void): Uint8Array => {
  const w = new BinaryWriter();
  build(w);
  return w.finish();
};
const lookup = (inner: Uint8Array) => sub((w) => w.tag(2, WireType.LengthDelimited).bytes(inner));
const cat = (...parts: Uint8Array[]) => Buffer.concat(parts);

describe("field reader", () => {
  it("reads a value at a path, and nothing where there is none", () => {
    const bytes = lookup(sub((w) => w.tag(1, WireType.LengthDelimited).string("L1").tag(4, WireType.Varint).int32(7)));
    assert.equal(readString(bytes, id), "L1");
    assert.equal(readInt32(bytes, kind), 7);
    assert.equal(readBool(bytes, flag), undefined);
    assert.equal(readString(new Uint8Array(), id), undefined);
  });

  it("takes the last of a scalar given twice", () => {
    const bytes = sub((w) => w.tag(5, WireType.Varint).bool(true).tag(5, WireType.Varint).bool(false));
    assert.equal(readBool(bytes, flag), false);
  });

  it("merges a sub-message given twice, as the protobuf spec says (ts-proto would keep only the second)", () => {
    const bytes = cat(
      lookup(sub((w) => w.tag(1, WireType.LengthDelimited).string("L1"))),
      lookup(sub((w) => w.tag(4, WireType.Varint).int32(5))),
    );
    assert.equal(readString(bytes, id), "L1");
    assert.equal(readInt32(bytes, kind), 5);
  });

  it("reads a oneof member only while its case is set", () => {
    const set = (n: number) => (w: BinaryWriter) => w.tag(n, WireType.LengthDelimited).string(`v${n}`);
    const both = (a: (w: BinaryWriter) => void, b: (w: BinaryWriter) => void) =>
      sub((w) => {
        a(w);
        b(w);
      });
    assert.equal(readString(lookup(sub(set(1))), id), "v1");
    assert.equal(readString(lookup(both(set(1), set(2))), id), undefined, "switched to member 2");
    assert.equal(readString(lookup(both(set(2), set(1))), id), "v1", "switched back to member 1");
    // Across merged occurrences too: the second lookup switches the case.
    assert.equal(readString(cat(lookup(sub(set(1))), lookup(sub(set(2)))), id), undefined);
    // A field outside the oneof does not switch it.
    assert.equal(readString(lookup(both(set(1), (w) => w.tag(4, WireType.Varint).int32(1))), id), "v1");
  });

  it("ignores values of the wrong wire type, as an unknown field", () => {
    const bytes = lookup(sub((w) => w.tag(1, WireType.LengthDelimited).string("L1").tag(1, WireType.Varint).int32(3)));
    assert.equal(readString(bytes, id), "L1");
    assert.equal(
      readBool(
        sub((w) => w.tag(5, WireType.LengthDelimited).bytes(Uint8Array.of(1))),
        flag,
      ),
      undefined,
    );
  });

  it("takes any later occurrence of another oneof member as a switch, even of the wrong wire type (reads less, never more)", () => {
    const bytes = lookup(sub((w) => w.tag(1, WireType.LengthDelimited).string("L1").tag(2, WireType.Varint).int32(1)));
    assert.equal(readString(bytes, id), undefined);
  });

  it("throws on bytes that are not well-formed protobuf on its way", () => {
    assert.throws(() => readString(Uint8Array.of(0x12, 0x05, 0x0a), id));
    assert.throws(() => readBool(Uint8Array.of(0x28), flag));
  });
});
