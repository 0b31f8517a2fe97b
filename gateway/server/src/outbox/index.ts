// @hutong/gateway/outbox: the outbox engine (docs/outbox.md), for the gateway, the `hutong outbox`
// command and services that keep their own database and reuse the outbox and inbox SQL.

export { outboxOperatorEntry } from "../share/outbox-operator-entry.js";
export type {
  OutboxAction,
  OutboxMessage,
  OutboxMessageInput,
  OutboxMessageState,
  OutboxStats,
  OutboxStore,
} from "../store/port/outbox-store.js";
export { postgresInboxSchema, purgePostgresInbox, recordPostgresInbox } from "../store/postgres/postgres-inbox.js";
export {
  createPostgresOutbox,
  type PostgresOutbox,
  postgresOutboxSchema,
  type Queryable,
} from "../store/postgres/postgres-outbox.js";
export { createSqliteInbox, type SqliteInbox, sqliteInboxSchema } from "../store/sqlite/sqlite-inbox.js";
export {
  createSqliteOutbox,
  type SqliteOutbox,
  sqliteOutboxSchema,
  sqliteOutboxStore,
} from "../store/sqlite/sqlite-outbox.js";
export { backoffCeilingMs, backoffDelayMs } from "./backoff.js";
export { type BreakerState, breakerAdmit, breakerRecord, closedBreaker } from "./circuit-breaker.js";
export { configuredDispatcher, configuredTopicPolicy, type OutboxConfig } from "./configured-policy.js";
export { deadLetterReason } from "./dead-letter.js";
export { dropMessage, type OperatorActionDone, type OutboxOperator, replayDeadLetter } from "./operator-actions.js";
export {
  type BreakerView,
  createOutboxDispatcher,
  type OutboxDelivery,
  type OutboxDispatcher,
  type OutboxDispatcherOptions,
  type OutboxLogger,
  type OutboxObserver,
} from "./outbox-dispatcher.js";
export { isOutboxError, OutboxError, type OutboxErrorCode, outboxErrorCodes } from "./outbox-error.js";
export {
  type Deliverer,
  type DeliveryContext,
  type DeliveryResult,
  type OutboxTopic,
  topicMessage,
} from "./outbox-topic.js";
export { defaultTopicPolicy, type TopicPolicy } from "./topic-policy.js";
