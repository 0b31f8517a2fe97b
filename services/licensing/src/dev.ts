// @hutong/licensing/dev: the licence federation for tests, the scenario and the demo.
export {
  type LicenceFederation,
  type LicenceProvinceNode,
  startLicenceFederation,
} from "./federation/licence-federation.js";
export {
  hubParty,
  issuerParty,
  type LicenceFederationOptions,
  type LicenceFederationPlan,
  type LicenceProvincePlan,
  libraryParty,
  planLicenceFederation,
  supervisionParty,
  yunzhengParty,
} from "./federation/licence-federation-plan.js";
export { licenceWorkload, type Workload, type WorkloadOptions } from "./simulator/licence-workload.js";
