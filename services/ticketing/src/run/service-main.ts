// A reference service as its own process:
//   node --conditions=hutong-source --import tsx services/ticketing/src/run/service-main.ts --config service.json
// (or `hutong-ticketing --config …` once built); see runServiceMain.
import { runServiceMain } from "@hutong/service-kit";
import { isTicketingError } from "../ticketing-error.js";
import { loadServiceConfig } from "./service-config.js";
import { startMinistryService, startProvinceService } from "./start-services.js";

await runServiceMain({
  load: loadServiceConfig,
  start: (config, log) =>
    config.service === "province" ? startProvinceService(config, log) : startMinistryService(config, log),
  isOwnError: (e): e is Error => isTicketingError(e),
});
