import { consistencyProofPlan, inclusionProofPlan, isMerkleError, type MerkleHasher, type NodeId } from "@hutong/audit";
import type {
  AuditHead,
  AuditPage,
  AuditQuery,
  AuditStore,
  ExportedAuditEntry,
  StoredAuditEntry,
  StoredCheckpoint,
} from "../store/port/audit-store.js";
import { StoreError } from "../store/port/store-error.js";

export interface InclusionProof {
  readonly index: number;
  readonly size: number;
  /** The stored leaf hash of `index` (fetched with the proof, in the same query). */
  readonly leafHash: Uint8Array;
  /** Leaf to root, as verifyInclusion takes it. */
  readonly hashes: readonly Uint8Array[];
}

export interface ConsistencyProof {
  readonly size1: number;
  readonly size2: number;
  readonly hashes: readonly Uint8Array[];
}

export interface ExportRange {
  /** First index (default 0). */
  readonly fromIndex?: number;
  /** One past the last index (default: the head's size when the export starts). */
  readonly toIndex?: number;
  /** Rows per store read (default 1000). */
  readonly chunkSize?: number;
}

/** The audit log's read side: head, entries, proofs from stored nodes, queries, export, checkpoints. */
export interface AuditReader {
  readonly hasher: MerkleHasher;
  head(): Promise<AuditHead>;
  entry(index: number): Promise<StoredAuditEntry | undefined>;
  /** The inclusion proof of `index` in the tree of `size` leaves: one store query. */
  inclusionProof(index: number, size: number): Promise<InclusionProof>;
  /** The consistency proof from `size1` to `size2` (empty when size1 is 0 or equal to size2): one store query. */
  consistencyProof(size1: number, size2: number): Promise<ConsistencyProof>;
  /** The root of the tree of the first `size` leaves, from stored nodes: one store query. */
  rootAt(size: number): Promise<Uint8Array>;
  query(query: AuditQuery): Promise<AuditPage>;
  /** Entries in index order, read from the store in chunks, for streaming and offline verification. */
  export(range?: ExportRange): AsyncIterable<ExportedAuditEntry>;
  /** Stores a (signed) checkpoint after checking its root is this log's root at that size (`conflict` if not). */
  saveCheckpoint(checkpoint: StoredCheckpoint): Promise<void>;
  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;
  checkpointAt(size: number): Promise<StoredCheckpoint | undefined>;
}

const defaultChunk = 1000;

export function createAuditReader(store: AuditStore, hasher: MerkleHasher): AuditReader {
  if (hasher.name !== store.hash) {
    throw new StoreError("invalid-argument", `the store's tree uses ${store.hash}, not ${hasher.name}`);
  }

  /**
   * Fetches planned nodes. A node missing from the store is either a size beyond
   * the log (the caller's mistake: out-of-range) or a damaged tree (corrupt); the
   * head is read only on that error path, so a proof stays one query.
   */
  async function fetchNodes(ids: readonly NodeId[], size: number): Promise<Uint8Array[]> {
    try {
      return await store.nodes(ids);
    } catch (e) {
      if (e instanceof StoreError && e.code === "corrupt") {
        const head = await store.head();
        if (size > head.size) throw outOfRange(size, head.size);
      }
      throw e;
    }
  }

  async function rootAt(size: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(size) || size < 0)
      throw new StoreError("invalid-argument", "size must be a non-negative integer");
    if (size === 0) return hasher.emptyRoot();
    const ids = coveringNodes(size);
    const hashes = await fetchNodes(ids, size);
    let root = hashes[hashes.length - 1] as Uint8Array;
    for (let i = hashes.length - 2; i >= 0; i--) root = hasher.hashChildren(hashes[i] as Uint8Array, root);
    return root;
  }

  return {
    hasher,
    head: () => store.head(),
    entry: (index) => store.entry(index),

    async inclusionProof(index, size) {
      const plan = merkle(() => inclusionProofPlan(index, size));
      const fetched = await fetchNodes([...plan.nodes, { level: 0, index }], size);
      const leafHash = fetched.pop() as Uint8Array;
      return { index, size, leafHash, hashes: merkle(() => plan.rehash(hasher, fetched)) };
    },

    async consistencyProof(size1, size2) {
      const plan = merkle(() => consistencyProofPlan(size1, size2));
      if (plan.nodes.length === 0) {
        // Nothing to fetch, but a size beyond the log is still the caller's mistake.
        const head = await store.head();
        if (size2 > head.size) throw outOfRange(size2, head.size);
        return { size1, size2, hashes: [] };
      }
      const fetched = await fetchNodes(plan.nodes, size2);
      return { size1, size2, hashes: merkle(() => plan.rehash(hasher, fetched)) };
    },

    rootAt,
    query: (q) => store.query(q),

    async *export(range: ExportRange = {}): AsyncIterable<ExportedAuditEntry> {
      const from = range.fromIndex ?? 0;
      const to = range.toIndex ?? (await store.head()).size;
      const chunk = range.chunkSize ?? defaultChunk;
      if (!Number.isSafeInteger(chunk) || chunk < 1)
        throw new StoreError("invalid-argument", "chunkSize must be positive");
      if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to < from) {
        throw new StoreError("invalid-argument", "export wants 0 <= fromIndex <= toIndex");
      }
      for (let start = from; start < to; start += chunk) {
        for (const e of await store.entries(start, Math.min(to, start + chunk))) yield e;
      }
    },

    async saveCheckpoint(checkpoint) {
      const root = await rootAt(checkpoint.size);
      if (Buffer.compare(root, checkpoint.root) !== 0) {
        throw new StoreError("conflict", `the checkpoint's root is not this log's root at size ${checkpoint.size}`);
      }
      await store.saveCheckpoint(checkpoint);
    },

    latestCheckpoint: () => store.latestCheckpoint(),
    checkpointAt: (size) => store.checkpointAt(size),
  };
}

/** The perfect subtrees covering leaves [0, size), left to right: one per set bit of size. */
function coveringNodes(size: number): NodeId[] {
  const ids: NodeId[] = [];
  let begin = 0;
  for (let level = Math.floor(Math.log2(size)); level >= 0; level--) {
    const width = 2 ** level;
    if (size - begin >= width) {
      ids.push({ level, index: begin / width });
      begin += width;
    }
  }
  return ids;
}

function outOfRange(size: number, headSize: number): StoreError {
  return new StoreError("out-of-range", `tree size ${size} is beyond the log's size ${headSize}`);
}

/** Merkle-core argument errors are the caller's: out-of-range or invalid-argument. */
function merkle<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isMerkleError(e)) {
      throw new StoreError(e.code === "index-out-of-range" ? "out-of-range" : "invalid-argument", e.message, {
        cause: e,
      });
    }
    throw e;
  }
}
