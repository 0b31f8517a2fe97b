// The store port: what the audit log, grants and witness state need from durable storage. The
// domain folders import this; the adapters (../sqlite, ../postgres) implement it.
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
  StoredGrant,
  StoredGrantStatus,
} from "./grant-store.js";
export {
  type OutboxAction,
  type OutboxClaim,
  type OutboxFilter,
  type OutboxMessage,
  type OutboxMessageInput,
  type OutboxMessageState,
  type OutboxPage,
  type OutboxSettlement,
  type OutboxStats,
  type OutboxStore,
  outboxMessageStates,
} from "./outbox-store.js";
export type { ReplayEntry, ReplayStore } from "./replay-store.js";
export type { HutongStore, StoreLocation, StoreOptions } from "./store.js";
export { isStoreError, StoreError, type StoreErrorCode, storeErrorCodes } from "./store-error.js";
export { maxEntriesPerRead, maxPageSize } from "./validate-input.js";
export { maxOutboxPayloadBytes, outboxTopicPattern } from "./validate-outbox.js";
export type { WitnessAdvance, WitnessState, WitnessStore } from "./witness-store.js";
