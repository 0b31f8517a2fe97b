// The store: its port, and openStore for the two adapters (SQLite embedded, PostgreSQL shared).
// Only the composition root and the CLI open a store; everything else takes the port.

export { openStore } from "./open-store.js";
export type {
  AppendedBatch,
  AuditDecision,
  AuditEntryInput,
  AuditHead,
  AuditPage,
  AuditQuery,
  AuditStore,
  ConsumeRefusal,
  ConsumeResult,
  ExportedAuditEntry,
  GrantInput,
  GrantPage,
  GrantPageRequest,
  GrantStore,
  HutongStore,
  RevocationInput,
  RevocationNotice,
  StoredAuditEntry,
  StoredCheckpoint,
  StoredGrant,
  StoredGrantStatus,
  StoreLocation,
  StoreOptions,
  WitnessAdvance,
  WitnessState,
  WitnessStore,
} from "./port/index.js";
export {
  isStoreError,
  maxEntriesPerRead,
  maxPageSize,
  StoreError,
  type StoreErrorCode,
  storeErrorCodes,
} from "./port/index.js";
