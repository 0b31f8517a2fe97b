import type { AuditHead, ExportedAuditEntry, MerkleHashName, NodeId } from "@hutong/audit";
import type { OutboxMessageInput } from "./outbox-store.js";

export type { AuditHead, ExportedAuditEntry };

/** "allow" or "deny": denials are audited too (architecture.md §3 step 5). */
export type AuditDecision = "allow" | "deny";

/**
 * One entry as the writer hands it over: the entry itself is OPAQUE bytes (the
 * lead's protobuf AuditEntry; the tree is over exactly these bytes, never a
 * re-serialisation), plus index columns copied out of it so queries need not
 * decode. The store never checks that the columns agree with the bytes.
 */
export interface AuditEntryInput {
  readonly bytes: Uint8Array;
  readonly timeMs: number;
  readonly requesterParty: string;
  readonly ownerParty: string;
  /** The keyed SM3 digest of the data subject (32 bytes), never an ID number. */
  readonly subjectDigest: Uint8Array | null;
  readonly grantId: string | null;
  readonly decision: AuditDecision;
  readonly reason: string | null;
  readonly correlationId: string;
  readonly traceId: string;
}

/** A stored entry: its 0-based, gap-free index and its leaf hash HASH(0x00 || bytes). */
export interface StoredAuditEntry extends AuditEntryInput {
  readonly index: number;
  readonly leafHash: Uint8Array;
}

/** What one durable append transaction did: the first index it assigned and the new head. */
export interface AppendedBatch {
  readonly firstIndex: number;
  readonly leafHashes: readonly Uint8Array[];
  readonly head: AuditHead;
}

/**
 * Filters for "who accessed my data" and operators' questions. All given filters
 * must match. Results are NEWEST FIRST (descending index): the question is
 * nearly always about recent access, and paging backwards by index is stable
 * while the log grows (new entries never shift a page already served).
 */
export interface AuditQuery {
  readonly subjectDigest?: Uint8Array;
  /** Matches entries where this party is the requester OR the owner. */
  readonly party?: string;
  readonly grantId?: string;
  /** Inclusive lower bound on the entry's timeMs. */
  readonly fromMs?: number;
  /** Exclusive upper bound on the entry's timeMs. */
  readonly toMs?: number;
  /** 1..1000. */
  readonly pageSize: number;
  /** From a previous page's `nextPageToken`; opaque. */
  readonly pageToken?: string;
}

export interface AuditPage {
  readonly entries: readonly StoredAuditEntry[];
  /** Absent on the last page. */
  readonly nextPageToken?: string;
}

/** A checkpoint as the log signed it: `note` is the whole signed note text (with any cosignatures). */
export interface StoredCheckpoint {
  readonly size: number;
  readonly root: Uint8Array;
  readonly note: string;
}

/**
 * The audit log's storage port. `appendBatch` is the only writer: sequencing
 * (index assignment) and integration (tree nodes, head) happen in ONE durable
 * transaction under the log's write lock, so two processes sharing a database
 * still grow one tree. Its promise resolves only after COMMIT returned. `outbox` messages are
 * written in that same transaction (a share that causes a notification commits both or neither);
 * one already in the outbox is left as it is.
 */
export interface AuditStore {
  /** The hash the tree was created with; opening it with another one fails. */
  readonly hash: MerkleHashName;
  appendBatch(entries: readonly AuditEntryInput[], outbox?: readonly OutboxMessageInput[]): Promise<AppendedBatch>;
  head(): Promise<AuditHead>;
  entry(index: number): Promise<StoredAuditEntry | undefined>;
  /** Entries with from ≤ index < to (at most `to - from`), ascending, with their tree leaf hashes. */
  entries(fromIndex: number, toIndex: number): Promise<ExportedAuditEntry[]>;
  /** The stored tree nodes, in the order asked, in ONE query. A missing node is `corrupt`. */
  nodes(ids: readonly NodeId[]): Promise<Uint8Array[]>;
  query(query: AuditQuery): Promise<AuditPage>;
  /** Stores a checkpoint; the same size again replaces the note only if the root is the same, else `conflict`. */
  saveCheckpoint(checkpoint: StoredCheckpoint): Promise<void>;
  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;
  checkpointAt(size: number): Promise<StoredCheckpoint | undefined>;
}
