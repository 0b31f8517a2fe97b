// @hutong/gateway/ports: what connectors, domain services and storage adapters implement or read.
// One place, so an implementation depends on the gateway's contracts and nothing of its insides.

// Connectors: an adapter to a partner's own protocol, delivered through the outbox (exactly once).
export { type Connector, connectorTopic, type PartnerLookup } from "./outbox/connector.js";
export {
  type ConnectorCall,
  type ConnectorHost,
  type ConnectorKind,
  connectorKind,
  type RunningConnector,
  type SettingsCheck,
} from "./outbox/connector-kind.js";
// The outbox: topics a service or connector registers, and what its deliverer answers.
export {
  type Deliverer,
  type DeliveryContext,
  type DeliveryResult,
  type OutboxTopic,
  topicMessage,
} from "./outbox/outbox-topic.js";
export { defaultTopicPolicy, type TopicPolicy } from "./outbox/topic-policy.js";
// Domain services (the backends a gateway routes to) read who asked, for what, through which
// gateways, from these metadata keys; the contract (@hutong/proto) says what each method shares.
export { backendMetadataKeys } from "./pipeline/routing-metadata.js";
// Storage: the store's ports, which an adapter implements (SQLite and PostgreSQL ship).
export type {
  AuditStore,
  GrantStore,
  HutongStore,
  OutboxMessage,
  OutboxMessageInput,
  OutboxStore,
  StoreLocation,
  StoreOptions,
  WitnessStore,
} from "./store/port/index.js";
export { StoreError, type StoreErrorCode, storeErrorCodes } from "./store/port/index.js";
