import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import type { FieldPath } from "@hutong/proto";
import { fits } from "./wire-scan.js";

/**
 * Reads one singular value at a field path of a message's bytes, as a conforming parser would see
 * it: the last occurrence of a scalar wins; the occurrences of a sub-message merge (their bytes
 * concatenated are the merged message); a oneof member counts only while its case is set; an
 * occurrence of the wrong wire type is an unknown field. Undefined when the value is not there.
 * Throws on bytes that are not well-formed protobuf along the way. One pass per level, without
 * building the level's field list: the share step runs this on every call.
 */
function lastAt(
  bytes: Uint8Array,
  path: FieldPath,
): { readonly bytes: Uint8Array; readonly valueStart: number } | undefined {
  let current = bytes;
  for (const [i, step] of path.entries()) {
    const leaf = i === path.length - 1;
    const reader = new BinaryReader(current);
    let last = -1;
    let parts: Uint8Array[] = [];
    while (reader.pos < reader.len) {
      const [number, wireType] = reader.tag();
      const valueStart = reader.pos;
      let payloadStart = -1;
      if (wireType === WireType.LengthDelimited) {
        const length = reader.uint32();
        payloadStart = reader.pos;
        reader.pos += length;
        if (reader.pos > reader.len) throw new RangeError("premature EOF");
      } else {
        reader.skip(wireType, number);
      }
      if (number === step.number && fits({ wireType }, step.type, false)) {
        if (leaf) last = valueStart;
        else parts.push(current.subarray(payloadStart, reader.pos));
      } else if (step.oneof?.includes(number) === true && number !== step.number) {
        // Another member of the oneof is set: what came before is cleared. The other members' types
        // are not in the path, so any occurrence of theirs counts as a switch: on bytes that put a
        // member under the wrong wire type this reads nothing where a parser would still see the
        // earlier member, which can only leave a fact unknown.
        last = -1;
        parts = [];
      }
    }
    if (leaf) return last < 0 ? undefined : { bytes: current, valueStart: last };
    if (parts.length === 0) return undefined;
    current = parts.length === 1 ? (parts[0] ?? new Uint8Array()) : Buffer.concat(parts);
  }
  return undefined;
}

function readerAt(found: { readonly bytes: Uint8Array; readonly valueStart: number }): BinaryReader {
  const reader = new BinaryReader(found.bytes);
  reader.pos = found.valueStart;
  return reader;
}

/** A string field's value (UTF-8, invalid sequences replaced, as the generated decoders do). */
export function readString(bytes: Uint8Array, path: FieldPath): string | undefined {
  const found = lastAt(bytes, path);
  return found === undefined ? undefined : readerAt(found).string();
}

/** An enum (or int32) field's value. */
export function readInt32(bytes: Uint8Array, path: FieldPath): number | undefined {
  const found = lastAt(bytes, path);
  return found === undefined ? undefined : readerAt(found).int32();
}

export function readBool(bytes: Uint8Array, path: FieldPath): boolean | undefined {
  const found = lastAt(bytes, path);
  return found === undefined ? undefined : readerAt(found).bool();
}
