import {
  appendLeaf,
  type CompactRange,
  compactRangeRoot,
  emptyCompactRange,
  type MerkleHasher,
  merkleHasher,
} from "../merkle/index.js";
import type { AuditHead, ExportedAuditEntry } from "./log-entry.js";

/**
 * What is wrong, when something is:
 * - `missing-entry`: the stream skips `firstBadIndex` (an entry was deleted);
 * - `unexpected-index`: an index repeats or goes backwards at `firstBadIndex`;
 * - `too-short`: the stream ends before the checkpoint's size (`firstBadIndex` is the first one missing)
 *   and the stored tree cannot say more;
 * - `entry-mismatch`: the first entry whose bytes are not what the log committed
 *   to, located by the stored tree's leaf hashes, which were first proven
 *   against the checkpoint (changed, inserted or reordered entries);
 * - `root-mismatch`: the entries do not hash to the checkpoint and the stored
 *   leaf hashes were rewritten as well (or the stream carries none), so nothing
 *   trusted is left to say which entry is the first bad one;
 * - `stored-tree-mismatch`: the entries are authentic but the stored tree's leaf
 *   at `firstBadIndex` is not (proofs served from it would fail).
 */
export type LogProblem =
  | "missing-entry"
  | "unexpected-index"
  | "too-short"
  | "entry-mismatch"
  | "root-mismatch"
  | "stored-tree-mismatch";

export interface LogVerification {
  readonly ok: boolean;
  /** Entries checked (the checkpoint's size when the stream was long enough). */
  readonly checked: number;
  /** The root recomputed from the entries' bytes over the entries checked. */
  readonly root: Uint8Array;
  readonly problem?: LogProblem;
  readonly firstBadIndex?: number;
}

export interface VerifyLogOptions {
  /** Default: the store's hash (verifyStoredLog) or SM3 (verifyLogStream). */
  readonly hasher?: MerkleHasher;
  /** Called every `progressEvery` entries and once at the end, e.g. for a progress bar. */
  readonly onProgress?: (checked: number, total: number) => void;
  /** Default 4096. */
  readonly progressEvery?: number;
  /**
   * When the stream ends before the checkpoint's size (entries deleted and the
   * rest renumbered), the stored leaf hashes of the positions it no longer
   * covers, so the stored tree can still be proven and the first bad entry
   * named. undefined when they cannot be read. verifyStoredLog reads them from
   * the store's tree table.
   */
  readonly storedLeafHashes?: (fromIndex: number, toIndex: number) => Promise<readonly Uint8Array[] | undefined>;
}

/**
 * Verifies a stream of entries (an export, live or from a file) against a
 * trusted checkpoint: recomputes every leaf hash from the exact bytes and the
 * root over the first `checkpoint.size` entries. Entries beyond that size are
 * not read (the log may have grown since). Memory is O(log n).
 *
 * Locating the first bad entry needs something trusted per entry. The stream's
 * `leafHash` (the store's tree table, kept apart from the entries) is folded
 * into a second root; if THAT root equals the checkpoint, every stored leaf hash
 * is authentic, and the first entry whose recomputed hash differs is the first
 * bad one. Until the first difference both roots are the same computation, so
 * an intact log costs one tree, not two.
 */
export async function verifyLogStream(
  entries: AsyncIterable<ExportedAuditEntry>,
  checkpoint: AuditHead,
  options: VerifyLogOptions = {},
): Promise<LogVerification> {
  const hasher = options.hasher ?? merkleHasher("sm3");
  const every = options.progressEvery ?? 4096;
  const total = checkpoint.size;
  let recomputed: CompactRange = emptyCompactRange;
  // The tree over the stored leaf hashes; the same object as `recomputed` until they first differ.
  let stored: CompactRange | undefined = emptyCompactRange;
  let firstMismatch: number | undefined;
  let expected = 0;

  const result = (problem: LogProblem | undefined, firstBadIndex?: number): LogVerification => {
    options.onProgress?.(expected, total);
    return {
      ok: problem === undefined,
      checked: expected,
      root: compactRangeRoot(hasher, recomputed),
      ...(problem === undefined ? {} : { problem }),
      ...(firstBadIndex === undefined ? {} : { firstBadIndex }),
    };
  };

  if (total > 0) {
    for await (const entry of entries) {
      if (entry.index !== expected) {
        return result(entry.index > expected ? "missing-entry" : "unexpected-index", expected);
      }
      const leafHash = hasher.hashLeaf(entry.bytes);
      const next = appendLeaf(hasher, recomputed, leafHash);
      if (stored !== undefined) {
        if (entry.leafHash === undefined) stored = undefined;
        else if (firstMismatch === undefined && !sameHash(entry.leafHash, leafHash)) {
          firstMismatch = expected;
          stored = appendLeaf(hasher, recomputed, entry.leafHash);
        } else stored = firstMismatch === undefined ? next : appendLeaf(hasher, stored, entry.leafHash);
      }
      recomputed = next;
      expected += 1;
      if (expected % every === 0) options.onProgress?.(expected, total);
      if (expected === total) break;
    }
  }
  if (expected < total) {
    const tail = stored === undefined ? undefined : await options.storedLeafHashes?.(expected, total);
    if (firstMismatch !== undefined && stored !== undefined && tail !== undefined && tail.length === total - expected) {
      let full = stored;
      for (const h of tail) full = appendLeaf(hasher, full, h);
      // The stored tree is authentic, so the entry that first disagrees with it, not the
      // end of the stream, is the first bad one (an entry deleted and the rest renumbered).
      if (sameHash(compactRangeRoot(hasher, full), checkpoint.root)) return result("entry-mismatch", firstMismatch);
    }
    return result("too-short", expected);
  }

  const root = compactRangeRoot(hasher, recomputed);
  if (sameHash(root, checkpoint.root)) {
    return firstMismatch === undefined ? result(undefined) : result("stored-tree-mismatch", firstMismatch);
  }
  if (
    stored !== undefined &&
    firstMismatch !== undefined &&
    sameHash(compactRangeRoot(hasher, stored), checkpoint.root)
  ) {
    return result("entry-mismatch", firstMismatch);
  }
  return result("root-mismatch");
}

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
