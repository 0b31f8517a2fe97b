import { type RecordKind, recordSchemas } from "@hutong/proto";

/**
 * Field paths name parts of a record message by their proto field names, rooted at the record's
 * label: "label", "label.field", "label.field.sub_field" (a oneof member is named like any field).
 * A path covers itself and everything below it, so a set of paths is a prefix-closed set of
 * fields, and the fields a share may release are the meet of the sets that bound it (what was
 * asked for, the purpose policy, the grant). The labels are the contract's: each record message
 * declares its own ((hutong.v1.record) in proto/hutong/v1/options.proto).
 */
export const recordRoots: Readonly<Record<number, string>> = Object.freeze(
  Object.fromEntries([...recordSchemas].map(([kind, schema]) => [kind, schema.label])),
);

export const maxFieldPathLength = 128;
const segment = "[a-z][a-z0-9_]{0,63}";
const pathPattern = new RegExp(`^${segment}(\\.${segment}){0,7}$`);

/** The root label of a record kind's paths, or undefined for an unknown kind. */
export function recordRoot(kind: RecordKind): string | undefined {
  return Object.hasOwn(recordRoots, kind) ? recordRoots[kind] : undefined;
}

/** True when `path` is well-formed and rooted at `kind`'s record message. */
export function isFieldPath(path: string, kind: RecordKind): boolean {
  const root = recordRoot(kind);
  if (root === undefined || path.length > maxFieldPathLength || !pathPattern.test(path)) return false;
  return path === root || path.startsWith(`${root}.`);
}

/** `outer` covers `inner`: equal, or `inner` lies below `outer`. */
export function pathCovers(outer: string, inner: string): boolean {
  return outer === inner || (inner.startsWith(outer) && inner.charCodeAt(outer.length) === 0x2e);
}

/** The smallest equivalent set: duplicates and paths covered by another dropped, sorted. */
export function normalizePaths(paths: readonly string[]): string[] {
  const unique = [...new Set(paths)].sort();
  return unique.filter((p) => !unique.some((q) => q !== p && pathCovers(q, p)));
}

/** The fields every one of the sets covers, normalized. */
export function meetPaths(...sets: readonly (readonly string[])[]): string[] {
  const [first, ...rest] = sets;
  if (first === undefined) return [];
  let acc = normalizePaths(first);
  for (const next of rest) {
    const out: string[] = [];
    for (const a of acc) {
      for (const b of next) {
        if (pathCovers(a, b)) out.push(b);
        else if (pathCovers(b, a)) out.push(a);
      }
    }
    acc = normalizePaths(out);
  }
  return acc;
}
