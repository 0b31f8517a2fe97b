// The tax channel simulator (数电票 channel, tax-api.ts): a separate HTTP server with its own
// SQLite store and fault injection, for the connector's tests and the chaos run.

export type { InvoiceSummary } from "./simulator-store.js";
export { defaultTaxFaults, type FaultCounts, type TaxFaults } from "./tax-faults.js";
export {
  type RunningTaxSimulator,
  type SimulatorStats,
  startTaxSimulator,
  type TaxSimulatorOptions,
} from "./tax-simulator.js";
