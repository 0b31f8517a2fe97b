#!/usr/bin/env node
// Builds the optional native SM2 addon (OpenSSL inside Node, via N-API).
// A failed build must not fail `npm install`: the pure-JS sm-crypto backend
// takes over, and `HUTONG_SM2_BACKEND=native` then reports why it is missing.
import { spawnSync } from "node:child_process";

if (process.env.HUTONG_SKIP_NATIVE === "1") {
  console.warn("hutong-certs: HUTONG_SKIP_NATIVE=1, not building the native SM2 addon");
  process.exit(0);
}
const nodeGyp = process.env.npm_config_node_gyp;
const [cmd, args] = nodeGyp ? [process.execPath, [nodeGyp, "rebuild"]] : ["node-gyp", ["rebuild"]];
const result = spawnSync(cmd, args, { stdio: "inherit" });
if (result.status !== 0) {
  console.warn(
    "hutong-certs: the native SM2 addon could not be built; falling back to the pure-JS sm-crypto backend (about 40x slower).",
  );
}
