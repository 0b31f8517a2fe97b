/**
 * Just enough of the protobuf wire format to take a message apart by field number without its
 * generated type: the annotated-copy helpers need the exact bytes of a response's record field
 * (what the annotation's digest covers), which decoding and re-encoding would not give back.
 */
export interface WireOccurrence {
  readonly number: number;
  /** 0 varint, 1 64-bit, 2 length-delimited, 5 32-bit. */
  readonly wireType: number;
  /** Offsets of the whole field, its tag included. */
  readonly start: number;
  readonly end: number;
  /** For a length-delimited field: where its payload starts (it ends at `end`). */
  readonly payloadStart: number;
}

/** Where the varint at `at` ends; up to 10 bytes (a negative int32 takes all ten). */
function varintEnd(bytes: Uint8Array, at: number): number {
  for (let i = at; i < bytes.length && i < at + 10; i++) if (((bytes[i] ?? 0) & 0x80) === 0) return i + 1;
  throw new RangeError("truncated or overlong varint");
}

/** A varint that is a tag or a length: its value, which must be a safe integer. */
function varint(bytes: Uint8Array, at: number): { value: number; next: number } {
  const next = varintEnd(bytes, at);
  let value = 0;
  for (let i = next - 1; i >= at; i--) value = value * 128 + ((bytes[i] ?? 0) & 0x7f);
  if (!Number.isSafeInteger(value)) throw new RangeError("tag or length out of range");
  return { value, next };
}

/**
 * The fields of one message level in wire order. Throws RangeError on bytes that are not
 * well-formed protobuf (a group, a length past the end, field number 0).
 */
export function scanWireFields(bytes: Uint8Array): WireOccurrence[] {
  const out: WireOccurrence[] = [];
  let at = 0;
  while (at < bytes.length) {
    const start = at;
    const tag = varint(bytes, at);
    at = tag.next;
    const number = Math.floor(tag.value / 8);
    const wireType = tag.value % 8;
    if (number === 0) throw new RangeError("field number 0");
    let payloadStart = at;
    if (wireType === 0) at = varintEnd(bytes, at);
    else if (wireType === 1) at += 8;
    else if (wireType === 5) at += 4;
    else if (wireType === 2) {
      const length = varint(bytes, at);
      payloadStart = length.next;
      at = length.next + length.value;
    } else throw new RangeError(`wire type ${wireType} is not used by the contract`);
    if (at > bytes.length) throw new RangeError("field runs past the end");
    out.push({ number, wireType, start, end: at, payloadStart });
  }
  return out;
}

/** The payload of a length-delimited occurrence (without its length prefix). */
export const payloadOf = (bytes: Uint8Array, o: WireOccurrence): Uint8Array => bytes.subarray(o.payloadStart, o.end);

/**
 * A string at a path of field numbers, as a conforming parser reads it: the last occurrence of the
 * leaf wins, the occurrences of a sub-message merge (their payloads concatenated), and a member of a
 * oneof counts only while no later occurrence of another member (`oneof`, the members' numbers)
 * cleared it. Undefined when absent.
 */
export function readWireString(
  bytes: Uint8Array,
  path: readonly { readonly number: number; readonly oneof?: readonly number[] }[],
): string | undefined {
  let current = bytes;
  for (const [i, step] of path.entries()) {
    let parts: Uint8Array[] = [];
    for (const o of scanWireFields(current)) {
      if (o.number === step.number && o.wireType === 2) parts.push(payloadOf(current, o));
      else if (step.oneof?.includes(o.number) === true) parts = [];
    }
    if (parts.length === 0) return undefined;
    if (i === path.length - 1) return new TextDecoder().decode(parts[parts.length - 1]);
    current = parts.length === 1 ? (parts[0] ?? new Uint8Array()) : Buffer.concat(parts);
  }
  return undefined;
}
