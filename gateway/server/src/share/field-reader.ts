import { BinaryReader } from "@bufbuild/protobuf/wire";
import type { FieldPath } from "@hutong/proto";
import { effectiveOccurrences, type Occurrence, payloadOf, scanMessage } from "./wire-scan.js";

/**
 * Reads one singular value at a field path of a message's bytes, as a conforming parser would see
 * it: the last occurrence of a scalar wins; the occurrences of a sub-message merge (their bytes
 * concatenated are the merged message); a oneof member counts only while its case is set; an
 * occurrence of the wrong wire type is an unknown field. Undefined when the value is not there.
 * Throws on bytes that are not well-formed protobuf along the way.
 */
function lastAt(
  bytes: Uint8Array,
  path: FieldPath,
): { readonly bytes: Uint8Array; readonly at: Occurrence } | undefined {
  let current = bytes;
  for (const [i, step] of path.entries()) {
    const found = effectiveOccurrences(scanMessage(current), step);
    if (found.length === 0) return undefined;
    if (i === path.length - 1) {
      const at = found[found.length - 1];
      return at === undefined ? undefined : { bytes: current, at };
    }
    const parts = found.map((o) => payloadOf(current, o));
    current = parts.length === 1 ? (parts[0] ?? new Uint8Array()) : Buffer.concat(parts);
  }
  return undefined;
}

function readerAt(found: { readonly bytes: Uint8Array; readonly at: Occurrence }): BinaryReader {
  const reader = new BinaryReader(found.bytes);
  reader.pos = found.at.valueStart;
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
