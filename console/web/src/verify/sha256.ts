import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";

// SHA-256 for one thing only: the signed-note key id (docs/audit-checkpoints.md §3.2). From
// @noble/hashes (audited, synchronous) rather than crypto.subtle, which browsers expose only on
// secure origins: a console reached over plain HTTP on an intranet would otherwise lose the check.
export function sha256(message: Uint8Array): Uint8Array {
  return nobleSha256(message);
}
