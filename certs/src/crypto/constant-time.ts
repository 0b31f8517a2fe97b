import { timingSafeEqual } from "node:crypto";

/**
 * Compares two byte strings in time that depends only on their lengths.
 * Unequal lengths return false at once: lengths of MACs and digests are public.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
