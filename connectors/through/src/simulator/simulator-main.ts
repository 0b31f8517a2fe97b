// The rail or air partner simulator as its own process:
//   node --conditions=hutong-source --import tsx connectors/through/src/simulator/simulator-main.ts --config sim.json
// (or `hutong-partner-simulator --config …` once built). SIGKILL loses nothing answered: every
// answer follows its commit.
import { runSimulatorProcess } from "@hutong/partner-http";
import { startPartnerSimulator } from "./partner-simulator.js";
import { loadSimulatorConfig, SimulatorConfigError } from "./simulator-config.js";

await runSimulatorProcess({
  bin: "hutong-partner-simulator",
  load: loadSimulatorConfig,
  start: startPartnerSimulator,
  isConfigError: (e): e is Error => e instanceof SimulatorConfigError,
});
