// @hutong/gateway: the gateway server. What the `hutong` command (and tests) start and open.
export { type AuditLog, createAuditLog, createAuditReader, verifyStoredLog } from "./audit/index.js";
export {
  type ConfigError,
  type GatewayConfig,
  isConfigError,
  loadGatewayConfig,
  parseGatewayConfig,
  watchGatewayConfig,
} from "./config/index.js";
export { createAuditEndpoint } from "./endpoints/audit-endpoint.js";
export { createSessionEndpoint } from "./endpoints/session-endpoint.js";
export { type GatewayStoreOptions, openGatewayStore } from "./gateway/open-gateway-store.js";
export { type GatewayOptions, type RunningGateway, startGateway } from "./gateway/start-gateway.js";
export { mapError } from "./gateway/status-mapping.js";
export { readSubjectKey } from "./gateway/ticket-key-files.js";
export { GatewayError, isGatewayError } from "./gateway-error.js";
export {
  checkGrantSignature,
  isGrantId,
  isGrantsError,
  type SelfCheckedGrant,
  signerIdentity,
  signGrant,
  signRevocation,
  subjectDigest,
  verifySignedGrant,
} from "./grants/index.js";
export { createLogger, type Logger } from "./observability/logger.js";
export { contextIdRule, isContextId } from "./routing/request-context.js";
export { type AuditEntryInput, type ExportedAuditEntry, type HutongStore, openStore } from "./store/index.js";
