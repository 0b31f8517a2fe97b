// A reference service as its own process:
//   node --conditions=hutong-source --import tsx services/ticketing/src/run/service-main.ts --config service.json
// (or `hutong-ticketing --config …` once built). Prints "listening <host:port>" on stdout when it
// serves; SIGTERM closes it (in-flight deliveries settle as retries); SIGKILL loses nothing that
// was acknowledged (every answer follows its commit).
import { isTicketingError } from "../ticketing-error.js";
import { loadServiceConfig } from "./service-config.js";
import { startMinistryService, startProvinceService } from "./start-services.js";

const i = process.argv.indexOf("--config");
const path = i > 0 ? process.argv[i + 1] : undefined;
if (path === undefined) {
  console.error("usage: service-main --config FILE");
  process.exit(2);
}
// Service errors go to stderr without request contents: a backend log line never carries a ticket.
const log = {
  error: (message: string, cause: unknown) =>
    console.error(`${message}: ${cause instanceof Error ? cause.name : "error"}`),
};
try {
  const config = await loadServiceConfig(path);
  const running =
    config.service === "province" ? await startProvinceService(config, log) : await startMinistryService(config, log);
  process.stdout.write(`listening ${running.address}\n`);
  process.once("SIGTERM", () => {
    void running.close().then(() => process.exit(0));
  });
} catch (e) {
  console.error(isTicketingError(e) ? e.message : e);
  process.exit(1);
}
