import {
  type AuditHead,
  type LogVerification,
  merkleHasher,
  type VerifyLogOptions,
  verifyLogStream,
} from "@hutong/audit";
import type { AuditStore } from "../store/port/audit-store.js";
import { StoreError } from "../store/port/store-error.js";
import { createAuditReader } from "./audit-reader.js";

/**
 * Verifies a live store's log against a trusted checkpoint (for example the
 * latest signed one, checked by its signature elsewhere): streams the export
 * with the tree table's leaf hashes and applies verifyLogStream.
 */
export function verifyStoredLog(
  store: AuditStore,
  checkpoint: AuditHead,
  options: VerifyLogOptions = {},
): Promise<LogVerification> {
  const hasher = options.hasher ?? merkleHasher(store.hash);
  const reader = createAuditReader(store, hasher);
  const storedLeafHashes = async (fromIndex: number, toIndex: number) => {
    const hashes: Uint8Array[] = [];
    try {
      for (let start = fromIndex; start < toIndex; start += 1000) {
        const ids = Array.from({ length: Math.min(1000, toIndex - start) }, (_, k) => ({ level: 0, index: start + k }));
        hashes.push(...(await store.nodes(ids)));
      }
    } catch (e) {
      if (e instanceof StoreError && e.code === "corrupt") return undefined; // the tree table lost rows too
      throw e;
    }
    return hashes;
  };
  return verifyLogStream(reader.export({ fromIndex: 0, toIndex: checkpoint.size }), checkpoint, {
    ...options,
    hasher,
    storedLeafHashes,
  });
}
