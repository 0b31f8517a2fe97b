// Test helpers of @hutong/cli, for its specs in other folders (source only, not built).
export { type CliRun, envWithoutCoverage, hutongBin, runCommandIn, runHutong } from "./testing-cli.js";
