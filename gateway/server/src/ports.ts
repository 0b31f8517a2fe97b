// @hutong/gateway/ports: what connectors, domain services and storage adapters implement or read.
// One place, so an implementation depends on the gateway's contracts and nothing of its insides.
export type {
  AuditStore,
  GrantStore,
  HutongStore,
  StoreLocation,
  StoreOptions,
  WitnessStore,
} from "./store/port/index.js";
export { StoreError, type StoreErrorCode, storeErrorCodes } from "./store/port/index.js";
