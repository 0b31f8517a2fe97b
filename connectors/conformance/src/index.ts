// @hutong/connector-conformance: the suite every connector's spec runs against its own partner
// simulator (docs/connectors.md §1).
export {
  type ConformanceFault,
  type ConformanceHarness,
  type ConformanceSubject,
  connectorConformance,
} from "./connector-conformance.js";
