// @hutong/ticketing: the e-ticket reference services (docs/tickets.md): a province's e-ticket
// service (the ticket lifecycle from the contract, uploads from station systems, deliveries
// through the outbox), the ministry's statistics service, and a station simulator.

export type { ServiceLog } from "@hutong/service-kit";
export { beijingDay, beijingDayStart, dayInPeriod, isPeriod } from "@hutong/service-kit";
export {
  type AppliedEvent,
  eventMessages,
  type SaleFacts,
  ticketEventsTopic,
  ticketStatisticsTopic,
} from "./emission/event-messages.js";
export {
  createEventRouter,
  defaultEventRoutes,
  type EventRoute,
  provinceOfStation,
  routeProvinces,
} from "./emission/event-routes.js";
export { deliveryFields, projectTicket } from "./emission/ticket-view.js";
export { invoiceKey, invoiceMessages, splitTax, ticketInvoicesTopic } from "./invoicing/invoice-messages.js";
export type { InvoiceSettings } from "./invoicing/invoice-settings.js";
export { type LifecycleState, nextState, stateOf } from "./lifecycle/next-state.js";
export { createMinistryServer } from "./ministry/ministry-service.js";
export { gatewayTopics } from "./province/gateway-topics.js";
export { createProvinceServer, type ProvinceServiceOptions } from "./province/province-service.js";
export { registryReport } from "./province/registry-report.js";
export { compareStationDay } from "./reconcile/compare-station-day.js";
export {
  loadServiceConfig,
  type MinistryServiceConfig,
  type ProvinceServiceConfig,
  parseServiceConfig,
  type ServiceConfig,
  type StoreConfig,
} from "./run/service-config.js";
export {
  type RunningMinistryService,
  type RunningProvinceService,
  startMinistryService,
  startProvinceService,
} from "./run/start-services.js";
export { type SimulatedProvince, type SimulatedRoute, simulatedProvince } from "./station/simulated-registry.js";
export {
  defaultMix,
  type SimulatedDay,
  type StationMix,
  simulateStationDay,
  stationParty,
} from "./station/station-day.js";
export { type UploadSummary, uploadStationEvents } from "./station/station-uploader.js";
export { type CountedEvent, computeIndicators, type Registry } from "./statistics/indicators.js";
export {
  type AnyMinistryStore,
  type AnyProvinceStore,
  openMinistryStore,
  openProvinceStore,
  sqliteDatabase,
  sqliteStorePath,
} from "./store/open-stores.js";
export type { MinistryStore } from "./store/port/ministry-store.js";
export type {
  PostgresLocation,
  ProvinceStore,
  ProvinceStoreOptions,
  ReceiveResult,
  StoreLocation,
  UploadResult,
} from "./store/port/province-store.js";
export { openPostgresMinistryStore, type PostgresMinistryStore } from "./store/postgres/postgres-ministry-store.js";
export {
  countedEventsInPostgres,
  openPostgresProvinceStore,
  type PostgresProvinceStore,
} from "./store/postgres/postgres-province-store.js";
export { openSqliteMinistryStore, type SqliteMinistryStore } from "./store/sqlite/sqlite-ministry-store.js";
export {
  countedEventsIn,
  openSqliteProvinceStore,
  type SqliteProvinceStore,
} from "./store/sqlite/sqlite-province-store.js";
export { compareLegs } from "./through/leg-comparison.js";
export { isPartnerParty, journeySource, legNoticeEvents, roadLegTicketNo } from "./through/leg-notice-events.js";
export { ticketLifecycle } from "./ticket-lifecycle.js";
export {
  isTicketingError,
  TicketingError,
  type TicketingErrorCode,
  ticketingErrorCodes,
  ticketingStatus,
} from "./ticketing-error.js";
export { checkBatch, maxBatch } from "./upload/check-batch.js";
export {
  planUpload,
  type StoredTicket,
  type UploadContext,
  type UploadFacts,
  type UploadPlan,
  type UploadReads,
  uploadReads,
} from "./upload/plan-upload.js";
