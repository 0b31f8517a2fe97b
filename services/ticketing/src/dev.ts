// @hutong/ticketing/dev: the e-ticket federation for development, the demo, the benchmark, the
// scenario and the tests: its plan (parties, certificates, ports, every config) and the in-process
// federation that runs it.
export { devClient } from "@hutong/service-kit/dev";
export {
  type FederationPlan,
  ministryParty,
  type PlannedInvoicing,
  type PlannedPartner,
  type PlannedThrough,
  type ProvincePlan,
  partnerConnector,
  planTicketFederation,
  reconciliationParty,
  sellerTaxId,
  statisticsParty,
  type TicketFederationOptions,
  taxParty,
  ticketingParty,
} from "./federation/federation-plan.js";
export { type ProvinceNode, startTicketFederation, type TicketFederation } from "./federation/ticket-federation.js";
export { type UploadSummary, uploadStationEvents } from "./station/station-uploader.js";
