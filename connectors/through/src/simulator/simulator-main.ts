// The rail or air partner simulator as its own process:
//   node --conditions=hutong-source --import tsx connectors/through/src/simulator/simulator-main.ts --config sim.json
// (or `hutong-partner-simulator --config …` once built). Prints "listening http://HOST:PORT" once
// it serves; SIGTERM or SIGINT closes the server and the store. A bad config: every problem on
// stderr, exit 2. SIGKILL loses nothing answered: every answer follows its commit.
import { startPartnerSimulator } from "./partner-simulator.js";
import { loadSimulatorConfig, SimulatorConfigError } from "./simulator-config.js";

const i = process.argv.indexOf("--config");
const path = i > 0 ? process.argv[i + 1] : undefined;
if (path === undefined) {
  console.error("usage: hutong-partner-simulator --config FILE");
  process.exit(2);
}

try {
  const simulator = await startPartnerSimulator(await loadSimulatorConfig(path));
  process.stdout.write(`listening ${simulator.url}\n`);
  const stop = () => {
    void simulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
} catch (e) {
  if (e instanceof SimulatorConfigError) {
    console.error(e.message);
    process.exit(2);
  }
  console.error(e);
  process.exit(1);
}
