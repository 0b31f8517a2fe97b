// `npm run demo:console`: the console in front of a small federation with data in it (the one
// `npm run test:console` drives), left running to be looked at. Ctrl-C stops it and removes its
// temporary directory.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accounts, startConsoleFederation } from "../src/testing.js";

const dir = await mkdtemp(join(tmpdir(), "hutong-console-demo-"));
const cf = await startConsoleFederation(dir);
console.log(`hutong console demo: ${cf.console.url}`);
console.log("a hub and two provinces with shares, grants, a dead letter and a month of e-ticket statistics");
for (const a of Object.values(accounts)) console.log(`  ${a.role.padEnd(9)} ${a.username.padEnd(14)} ${a.password}`);
const stop = async () => {
  await cf.close();
  await rm(dir, { recursive: true, force: true });
  process.exit(0);
};
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
