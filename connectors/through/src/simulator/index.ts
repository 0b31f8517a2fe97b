// The rail and air partners' simulator (partner-api.ts): a separate HTTP server with its own
// SQLite store and fault injection, for the through connector's tests and the chaos run.

export { defaultPartnerFaults, type FaultCounts, type PartnerFaults } from "@hutong/partner-http";
export type {
  JourneyStatus,
  JourneySummary,
  RoadLegAsked,
} from "./journey.js";
export type { PartnerProtocolName } from "./partner-shape.js";
export {
  type PartnerSimulatorOptions,
  type PartnerSimulatorStats,
  type RunningPartnerSimulator,
  startPartnerSimulator,
} from "./partner-simulator.js";
export type { ConnectorAccess } from "./road-leg-asker.js";
