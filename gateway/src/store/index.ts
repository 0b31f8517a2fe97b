// The public surface of the store: the ports (audit log, grants, witness state)
// and openStore for the two adapters (SQLite embedded, PostgreSQL shared).
export type {
  AppendedBatch,
  AuditDecision,
  AuditEntryInput,
  AuditHead,
  AuditPage,
  AuditQuery,
  AuditStore,
  ExportedAuditEntry,
  StoredAuditEntry,
  StoredCheckpoint,
} from "./audit-store.js";
export type {
  ConsumeRefusal,
  ConsumeResult,
  GrantInput,
  GrantPage,
  GrantPageRequest,
  GrantStore,
  RevocationInput,
  RevocationNotice,
  StoredGrant,
  StoredGrantStatus,
} from "./grant-store.js";
export { openStore } from "./open-store.js";
export type { HutongStore, StoreLocation, StoreOptions } from "./store.js";
export { isStoreError, StoreError, type StoreErrorCode, storeErrorCodes } from "./store-error.js";
export { maxEntriesPerRead, maxPageSize } from "./validate-input.js";
export type { WitnessAdvance, WitnessState, WitnessStore } from "./witness-store.js";
