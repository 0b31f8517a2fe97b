// Test helpers of @hutong/ticketing, for specs in other packages (source only, not built): the
// e-ticket federation on one machine, and a station's simulated day with its uploader.
export {
  ministryParty,
  type ProvinceNode,
  startTicketFederation,
  statisticsParty,
  type TicketFederation,
  type TicketFederationOptions,
  ticketingParty,
} from "./federation/ticket-federation.js";
export { type SimulatedDay, simulateStationDay } from "./station/station-day.js";
export { type UploadSummary, uploadStationEvents } from "./station/station-uploader.js";
export {
  dropSchemas,
  postgresSkip,
  postgresUrl,
  randomSchemaName,
  type SqlRow,
  type StoreKind,
  type StorePlace,
  storeKinds,
  storeRows,
  storeValue,
} from "./store/testing-stores.js";
