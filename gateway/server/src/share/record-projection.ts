import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { type WireField, wireLayouts } from "@hutong/proto";
import { pathCovers } from "../grants/index.js";
import type { ShareMethod } from "./share-methods.js";
import { fits, type Occurrence, payloadOf, scanMessage, supersededInOneof } from "./wire-scan.js";

/**
 * Minimization (architecture.md §3 step 4): keep only the record fields a share may release. Paths are proto
 * field names rooted at the record's label ("label.field.sub_field", docs/grants.md). It works on
 * the wire format with the contract's generated layouts, copying what the paths cover and
 * recursing into the sub-messages they lead into, so it needs no code per record. As decoding and
 * re-encoding with the generated types did before it, it keeps only fields the contract knows:
 * unknown fields (which could carry anything, a newer schema's personal data included), values of
 * the wrong wire type, and oneof members a later member superseded are dropped everywhere.
 */
const leadsInto = (path: string, allowed: readonly string[]) => allowed.some((a) => pathCovers(path, a) && a !== path);
const covered = (path: string, allowed: readonly string[]) => allowed.some((a) => pathCovers(a, path));

type Decide = (path: string) => "keep" | "descend" | "drop";

const layoutCache = new Map<string, ReadonlyMap<number, WireField>>();
function layoutOf(message: string): ReadonlyMap<number, WireField> {
  let layout = layoutCache.get(message);
  if (layout === undefined) {
    const fields = wireLayouts.get(message);
    if (fields === undefined) throw new Error(`no wire layout for ${message}`);
    layout = new Map(fields.map((f) => [f.number, f]));
    layoutCache.set(message, layout);
  }
  return layout;
}

const keepAll: Decide = () => "keep";

/**
 * The known fields of `bytes` (a `message`) that `decide` keeps, reduced below as it says. Bytes
 * that need no change come back as they are (the same array), so a record released whole costs a
 * scan, not a re-encoding.
 */
function project(bytes: Uint8Array, message: string, prefix: string, decide: Decide): Uint8Array {
  const layout = layoutOf(message);
  const all = scanMessage(bytes);
  const counts = (o: Occurrence): boolean => {
    const f = layout.get(o.number);
    return f !== undefined && fits(o, f.type, f.repeated);
  };
  const pieces: Uint8Array[] = [];
  let changed = false;
  for (const [i, o] of all.entries()) {
    const field = layout.get(o.number);
    const drop =
      field === undefined ||
      !counts(o) ||
      (field.oneof !== undefined && supersededInOneof(all, i, field.oneof, counts));
    const decision = drop ? "drop" : decide(prefix === "" ? field.name : `${prefix}.${field.name}`);
    if (field === undefined || decision === "drop" || (field.message === undefined && decision === "descend")) {
      changed = true;
      continue;
    }
    if (field.message === undefined) {
      pieces.push(bytes.subarray(o.start, o.end));
      continue;
    }
    const payload = payloadOf(bytes, o);
    const path = prefix === "" ? field.name : `${prefix}.${field.name}`;
    const inner = project(payload, field.message, path, decision === "keep" ? keepAll : decide);
    if (inner === payload) {
      pieces.push(bytes.subarray(o.start, o.end));
      continue;
    }
    changed = true;
    pieces.push(new BinaryWriter().tag(o.number, WireType.LengthDelimited).bytes(inner).finish());
  }
  return changed ? Buffer.concat(pieces) : bytes;
}

/**
 * The response bytes of a fetch with its record (the method's response_record) reduced to
 * `allowed`; the response's other fields pass unchanged (generation checked that they hold no
 * personal data). Throws on bytes that are not well-formed protobuf.
 */
export function projectRecord(method: ShareMethod, response: Uint8Array, allowed: readonly string[]): Uint8Array {
  const at = method.responseRecord;
  const record = method.record;
  if (at === undefined || record === undefined) throw new Error(`${method.method} releases no record to project`);
  const label = record.label;
  const decideRecord: Decide = (path) =>
    covered(path, allowed) ? "keep" : leadsInto(path, allowed) ? "descend" : "drop";
  return project(response, method.responseType, "", (path) => {
    if (path === at.name) return decideRecord(label);
    if (path.startsWith(`${at.name}.`)) return decideRecord(`${label}${path.slice(at.name.length)}`);
    return "keep";
  });
}
