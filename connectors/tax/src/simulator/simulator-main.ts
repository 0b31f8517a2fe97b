// The tax channel simulator as its own process:
//   node --conditions=hutong-source --import tsx connectors/tax/src/simulator/simulator-main.ts --config sim.json
// (or `hutong-tax-simulator --config …` once built). SIGKILL loses nothing answered: every answer
// follows its commit.
import { runSimulatorProcess } from "@hutong/partner-http";
import { loadSimulatorConfig, SimulatorConfigError } from "./simulator-config.js";
import { startTaxSimulator } from "./tax-simulator.js";

await runSimulatorProcess({
  bin: "hutong-tax-simulator",
  load: loadSimulatorConfig,
  start: startTaxSimulator,
  isConfigError: (e): e is Error => e instanceof SimulatorConfigError,
});
