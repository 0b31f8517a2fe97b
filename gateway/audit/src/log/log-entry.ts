/** A log's signed-over state: tree size and RFC 9162 root. */
export interface AuditHead {
  readonly size: number;
  readonly root: Uint8Array;
}

/** An entry as an export carries it: index, the exact stored bytes and the leaf hash from the tree table. */
export interface ExportedAuditEntry {
  readonly index: number;
  readonly bytes: Uint8Array;
  /**
   * The level-0 node the tree table holds for this index (not recomputed from
   * `bytes`): a verifier that proves these hashes against a checkpoint can name
   * the first entry whose bytes disagree. Absent when the source has no tree.
   */
  readonly leafHash?: Uint8Array;
}
