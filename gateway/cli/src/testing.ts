// Test helpers of @hutong/cli, for its specs in other folders (source only, not built).
export { type CliRun, hutongBin, runCommandIn, runHutong } from "./testing-cli.js";
