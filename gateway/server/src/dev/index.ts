// @hutong/gateway/dev: the development federation behind `npm start`, `npm run demo` and the
// end-to-end tests: a throwaway PKI, simulated provincial backends, a hub and two provinces.
export { consoleAclMethods, type DevEnvironment, devDefaults, prepareDevEnvironment } from "./dev-environment.js";
export { type DevPartySpec, type DevPki, openDevPki, type PartyFiles } from "./dev-pki.js";
export {
  auditOrigin,
  type Federation,
  type FederationOptions,
  federationParties,
  startFederation,
} from "./federation.js";
export {
  type SimulatedBackend,
  type SimulatedFailure,
  sampleTickets,
  startSimulatedBackend,
} from "./simulated-backends.js";
