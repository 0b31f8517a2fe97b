// A licence service as its own process:
//   node --conditions=hutong-source --import tsx services/licensing/src/run/service-main.ts --config service.json
// (or `hutong-licensing --config …` once built); see runServiceMain.
import { runServiceMain } from "@hutong/service-kit";
import { isLicensingError } from "../licensing-error.js";
import { loadLicenceServiceConfig } from "./service-config.js";
import { startIssuer, startLibrary } from "./start-services.js";

await runServiceMain({
  load: loadLicenceServiceConfig,
  start: (config, log) => (config.service === "issuer" ? startIssuer(config, log) : startLibrary(config, log)),
  isOwnError: (e): e is Error => isLicensingError(e),
});
