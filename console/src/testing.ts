// @hutong/console/testing: test helpers (source only, not built).

export { type ApiClient, apiClient } from "./testing-api-client.js";
export {
  accounts,
  bystanderIdNo,
  type ConsoleFederation,
  consoleParty,
  forkWitnessOf,
  holderIdNo,
  startConsoleFederation,
} from "./testing-console-federation.js";
