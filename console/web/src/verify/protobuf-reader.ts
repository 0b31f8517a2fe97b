import { VerifyFailure } from "./verify-failure.js";

// A small protobuf wire-format reader, just enough to decode AuditEntry from bytes the page has
// verified. Careful rather than fast: every length is checked against what is left, varints are
// at most ten bytes and must fit 64 bits, field number 0 and wire types 6 and 7 are refused, and
// unknown fields (including groups) are skipped the way protobuf decoders skip them.

export const WireType = { varint: 0, fixed64: 1, lengthDelimited: 2, startGroup: 3, endGroup: 4, fixed32: 5 } as const;

export interface Tag {
  readonly field: number;
  readonly wireType: number;
}

const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function malformed(why: string): VerifyFailure {
  return new VerifyFailure("malformed-entry", `the entry bytes are not a valid protobuf message: ${why}`);
}

export class ProtoReader {
  private pos = 0;
  private readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  done(): boolean {
    return this.pos >= this.bytes.length;
  }

  /** An unsigned varint of up to 64 bits. */
  varint(): bigint {
    let result = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.bytes.length) throw malformed("truncated varint");
      const b = this.bytes[this.pos++] as number;
      // The tenth byte holds bit 63 only.
      if (i === 9 && b > 1) throw malformed("varint longer than 64 bits");
      result |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) return result;
    }
    throw malformed("varint longer than ten bytes");
  }

  tag(): Tag {
    const value = this.varint();
    if (value > 0xffffffffn) throw malformed("tag above 32 bits");
    const n = Number(value);
    const field = Math.floor(n / 8);
    const wireType = n % 8;
    if (field === 0) throw malformed("field number 0");
    if (wireType === 6 || wireType === 7) throw malformed(`wire type ${wireType}`);
    return { field, wireType };
  }

  /** The payload of a length-delimited field, as a view into the input. */
  lengthDelimited(): Uint8Array {
    const length = this.varint();
    if (length > BigInt(this.bytes.length - this.pos)) throw malformed("length past the end of the input");
    const start = this.pos;
    this.pos += Number(length);
    return this.bytes.subarray(start, this.pos);
  }

  string(): string {
    try {
      return utf8Decoder.decode(this.lengthDelimited());
    } catch (e) {
      if (e instanceof VerifyFailure) throw e;
      throw malformed("a string field is not valid UTF-8");
    }
  }

  /** int32 and enums: the low 32 bits, signed (negative values arrive sign-extended to 64 bits). */
  int32(): number {
    return Number(BigInt.asIntN(32, this.varint()));
  }

  uint32(): number {
    return Number(BigInt.asUintN(32, this.varint()));
  }

  int64(): bigint {
    return BigInt.asIntN(64, this.varint());
  }

  private advance(n: number): void {
    if (this.bytes.length - this.pos < n) throw malformed("truncated fixed-width field");
    this.pos += n;
  }

  /** Skips the value of a field of this tag (an unknown field, or a known one with another wire type). */
  skip(tag: Tag, depth = 0): void {
    switch (tag.wireType) {
      case WireType.varint:
        this.varint();
        return;
      case WireType.fixed64:
        this.advance(8);
        return;
      case WireType.lengthDelimited:
        this.lengthDelimited();
        return;
      case WireType.fixed32:
        this.advance(4);
        return;
      case WireType.startGroup: {
        if (depth >= 64) throw malformed("groups nested too deep");
        for (;;) {
          if (this.done()) throw malformed("unterminated group");
          const inner = this.tag();
          if (inner.wireType === WireType.endGroup) {
            if (inner.field !== tag.field) throw malformed("mismatched end of group");
            return;
          }
          this.skip(inner, depth + 1);
        }
      }
      default:
        throw malformed("end of group without a start");
    }
  }
}
