/**
 * A node of the tree addressed as (level, index): level 0 are leaf hashes, and
 * node (L, i) is the root of the perfect subtree over leaves [i·2^L, (i+1)·2^L).
 * Only nodes whose subtree is complete are ever stored; the right border of a
 * tree whose size is not a power of two is rehashed from them when needed.
 */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}
