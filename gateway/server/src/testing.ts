// @hutong/gateway/testing: test helpers shared across the server's folders and with the other
// workspaces' tests (source only, not built). A spec reaches another folder's helpers only here.

export { fullConfigYaml, minimalConfig } from "./config/testing-config.js";
export {
  type AuditGateway,
  type AuditGatewayOptions,
  auditClient,
  auditEntry,
  auditor,
  credentialsOf,
  gatewayA,
  gatewayB,
  openAuditPki,
  originOf,
  startAuditGateway,
  tempDir,
  type WitnessedLog,
  witnessNameOf,
} from "./endpoints/testing-audit-server.js";
export {
  credentialsFor,
  type GrantGateway,
  type GrantGatewayOptions,
  grantSession,
  startGrantGateway,
} from "./endpoints/testing-grant-server.js";
export { openTestRegistry, type TestRegistry } from "./grants/testing-grant-registry.js";
export { authorityBody, day, holderBody, hour, subjectA, subjectB, testNow } from "./grants/testing-grants.js";
export { createTestPki, type Issued, issueUriCertificate, type TestPki } from "./grants/testing-pki.js";
export {
  type AdapterUnderTest,
  adaptersUnderTest,
  postgresAdapter,
  postgresSkip,
  postgresUrl,
  randomSchemaName,
  rejectsWith,
  type SqlRow,
  type StoreChild,
  type StoreUnderTest,
  sampleEntry,
  sqliteMainAdapter,
  sqliteWorkerAdapter,
  startStoreChild,
  subjectDigest as sampleSubjectDigest,
} from "./store/testing-stores.js";
