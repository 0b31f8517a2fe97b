// A licence service as its own process:
//   node --conditions=hutong-source --import tsx services/licensing/src/run/service-main.ts --config service.json
// (or `hutong-licensing --config …` once built). Prints "listening <host:port>" on stdout when it
// serves; SIGTERM closes it; SIGKILL loses nothing that was acknowledged (every answer follows its
// commit).
import { isLicensingError } from "../licensing-error.js";
import { loadLicenceServiceConfig } from "./service-config.js";
import { startIssuer, startLibrary } from "./start-services.js";

const i = process.argv.indexOf("--config");
const path = i > 0 ? process.argv[i + 1] : undefined;
if (path === undefined) {
  console.error("usage: service-main --config FILE");
  process.exit(2);
}
// Service errors go to stderr without request contents: a log line never carries a licence.
const log = {
  error: (message: string, cause: unknown) =>
    console.error(`${message}: ${cause instanceof Error ? cause.name : "error"}`),
};
try {
  const config = await loadLicenceServiceConfig(path);
  const running = config.service === "issuer" ? await startIssuer(config, log) : await startLibrary(config, log);
  process.stdout.write(`listening ${running.address}\n`);
  process.once("SIGTERM", () => {
    void running.close().then(() => process.exit(0));
  });
} catch (e) {
  console.error(isLicensingError(e) ? e.message : e);
  process.exit(1);
}
