// Test helpers of @hutong/licensing, for its specs in every folder (source only, not built; the
// dependency rules let a spec reach a testing-*.ts helper of another folder only through this barrel).

export { seedMaintenanceStates } from "./store/testing-maintenance.js";
export {
  isStatus,
  issuerEvents,
  noReads,
  rawUnary,
  recordedEvent,
  testDir,
  testHolder,
  testIssuerParty,
  testLicence,
  testOccurredAt,
  testProvince,
  testSeal,
} from "./testing-licences.js";
