import { hmacSm3 } from "@hutong/certs";
import type { RecordKind } from "@hutong/proto";

const label = new TextEncoder().encode("hutong/v1 record\0");

/**
 * Audit entries name records by a keyed digest, like subjects (docs/grants.md): a licence number
 * can be the holder's ID number, and a bare hash of a low-entropy id is reversible by guessing.
 * HMAC-SM3(subject key, "hutong/v1 record\0" || kind (u32 BE) || UTF-8 id).
 */
export function recordDigest(subjectKey: Uint8Array, kind: RecordKind, recordId: string): Uint8Array {
  const k = new Uint8Array(4);
  new DataView(k.buffer).setUint32(0, kind);
  return hmacSm3(subjectKey, label, k, new TextEncoder().encode(recordId));
}
