// @hutong/connector-through: through-journey (联程) connectors to rail and air partners
// (docs/connectors.md §4); their simulators are `@hutong/connector-through/simulator`.
export { throughConnectorKind, throughConnectorKindName } from "./connector/through-connector-kind.js";
export {
  type AirNotice,
  airPaths,
  connectorPaths,
  partnerCodes,
  type RailNotice,
  type RoadLegBooking,
  type RoadLegStatusAnswer,
  railPaths,
} from "./protocol/partner-api.js";
export { partnerHeaders } from "./protocol/partner-headers.js";
