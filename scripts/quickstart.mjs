#!/usr/bin/env node
// `npm start` until the gateway lands: builds a small SM2 federation PKI under
// .hutong/pki (git-ignored) with the hutong-certs CLI and shows it at work —
// issue, verify, revoke, and verify again — printing every command it runs.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";

const bin = join(
  import.meta.dirname ?? new URL(".", import.meta.url).pathname,
  "..",
  "certs",
  "bin",
  "hutong-certs.mjs",
);
const dir = ".hutong/pki";
rmSync(dir, { recursive: true, force: true });

function run(args, { mayFail = false } = {}) {
  console.log(`\n$ hutong-certs ${args.join(" ")}`);
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  if (r.status !== 0 && !mayFail) {
    console.error(`quickstart: command failed with status ${r.status}`);
    process.exit(1);
  }
  return r.status;
}

run(["init-ca", "--dir", `${dir}/root`, "--name", "hutong federation root"]);
run(["issue-ca", "--ca", `${dir}/root`, "--dir", `${dir}/ca-510000`, "--name", "Sichuan transport CA"]);
run(["issue", "--ca", `${dir}/ca-510000`, "--party", "prov:510000", "--out", `${dir}/gw-510000`, "--usage", "both"]);
run([
  "issue",
  "--ca",
  `${dir}/ca-510000`,
  "--party",
  "prov:510000/licence",
  "--out",
  `${dir}/sys-licence`,
  "--usage",
  "client",
]);
run(["show", `${dir}/gw-510000/cert.pem`]);
run(["verify", "--trust", `${dir}/root/ca.pem`, "--usage", "server", `${dir}/gw-510000/chain.pem`]);
run(["revoke", "--ca", `${dir}/ca-510000`, "--cert", `${dir}/sys-licence/cert.pem`, "--reason", "keyCompromise"]);
run(["crl", "--ca", `${dir}/ca-510000`, "--out", `${dir}/ca-510000/crl.pem`]);
run(["crl", "--ca", `${dir}/root`, "--out", `${dir}/root/crl.pem`]);
const status = run(
  [
    "verify",
    "--trust",
    `${dir}/root/ca.pem`,
    "--crl",
    `${dir}/ca-510000/crl.pem`,
    "--crl",
    `${dir}/root/crl.pem`,
    "--require-crl",
    `${dir}/sys-licence/chain.pem`,
  ],
  { mayFail: true },
);
if (status !== 1) {
  console.error("quickstart: the revoked certificate should have failed verification");
  process.exit(1);
}
console.log(`\nThe PKI is in ${dir}/. The gateway itself arrives with the next issue; see README.md.`);
