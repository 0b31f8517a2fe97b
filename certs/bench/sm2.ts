// npm run bench:sm2 — SM2 sign/verify throughput of hutong's two backends
// against `openssl speed sm2`, in one run, on one core, in interleaved rounds.
// The last line is one JSON object (see docs/benchmarks.md).
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { isNativeBackendAvailable } from "../src/crypto/native-backend.js";
import { getSm2Backend } from "../src/crypto/sm2-backend-registry.js";
import { generateSm2PrivateKey } from "../src/crypto/sm2-key.js";
import { sm2Sign, sm2Verify } from "../src/crypto/sm2-signature.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const rounds = Number(process.env.BENCH_ROUNDS ?? 7);

// Pin OpenSSL and this process to the same core, so both see the same cache
// and neither migrates mid-measurement: re-exec under taskset when it exists.
const core = process.env.BENCH_CORE ?? "1";
const hasTaskset = spawnSync("taskset", ["--version"]).status === 0;
if (hasTaskset && process.env.BENCH_PINNED !== "1") {
  const r = spawnSync("taskset", ["-c", core, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, BENCH_PINNED: "1" },
  });
  process.exit(r.status ?? 1);
}

function opensslSpeed(): { sign: number; verify: number } {
  const args = ["speed", "-seconds", String(seconds), "sm2"];
  const out = execFileSync(hasTaskset ? "taskset" : "openssl", hasTaskset ? ["-c", core, "openssl", ...args] : args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const m = /SM2 \(CurveSM2\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`cannot parse openssl speed output:\n${out}`);
  return { sign: Number(m[1]), verify: Number(m[2]) };
}

// `openssl speed` divides by user CPU time, not wall-clock time (see its
// -elapsed flag), so we do the same: on a shared machine wall-clock rates swing
// with other tenants' load while CPU-time rates do not. Node's helper threads
// (GC, JIT) add their CPU time to ours, which only counts against us.
function rate(op: () => void, secs: number): number {
  for (let i = 0; i < 20; i++) op(); // warm-up: key import, JIT
  const cpu0 = process.cpuUsage();
  const end = performance.now() + secs * 1000;
  let n = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 10; i++) op();
    n += 10;
  }
  return n / (process.cpuUsage(cpu0).user / 1e6);
}

const key = generateSm2PrivateKey();
const message = randomBytes(64);

function measure(name: "native" | "js"): { sign: number; verify: number } {
  const backend = getSm2Backend(name);
  const signature = sm2Sign(key, message, { backend });
  return {
    sign: rate(() => sm2Sign(key, message, { backend }), seconds),
    verify: rate(() => {
      if (!sm2Verify(key.publicKey, message, signature, { backend })) throw new Error("verify failed");
    }, seconds),
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}
const round1 = (x: number) => Math.round(x * 10) / 10;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

// Interleave short rounds so that load from other processes falls on both
// sides alike; the ratio is the median of per-round ratios, which one
// disturbed round cannot move.
const haveNative = isNativeBackendAvailable();
const perRound: { o: { sign: number; verify: number }; n: { sign: number; verify: number } }[] = [];
for (let r = 0; r < rounds; r++) {
  perRound.push({ o: opensslSpeed(), n: haveNative ? measure("native") : { sign: 0, verify: 0 } });
}
const js = measure("js");
const openssl = { sign: mean(perRound.map((p) => p.o.sign)), verify: mean(perRound.map((p) => p.o.verify)) };
const native = { sign: mean(perRound.map((p) => p.n.sign)), verify: mean(perRound.map((p) => p.n.verify)) };

const where = `${rounds} interleaved rounds${hasTaskset ? `, pinned to core ${core}` : ""}`;
console.log(`openssl speed sm2   sign ${round1(openssl.sign)}/s  verify ${round1(openssl.verify)}/s  (${where})`);
console.log(`hutong native       sign ${round1(native.sign)}/s  verify ${round1(native.verify)}/s`);
console.log(`hutong js           sign ${round1(js.sign)}/s  verify ${round1(js.verify)}/s`);
for (const [i, p] of perRound.entries()) {
  console.log(
    `  round ${i + 1}: sign ratio ${round3(p.n.sign / p.o.sign)}, verify ratio ${round3(p.n.verify / p.o.verify)}`,
  );
}
console.log(
  JSON.stringify({
    openssl_sign_per_s: round1(openssl.sign),
    openssl_verify_per_s: round1(openssl.verify),
    native_sign_per_s: round1(native.sign),
    native_verify_per_s: round1(native.verify),
    js_sign_per_s: round1(js.sign),
    js_verify_per_s: round1(js.verify),
    sign_ratio_vs_openssl: round3(median(perRound.map((p) => p.n.sign / p.o.sign))),
    verify_ratio_vs_openssl: round3(median(perRound.map((p) => p.n.verify / p.o.verify))),
  }),
);
