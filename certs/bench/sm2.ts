// npm run bench:sm2 — SM2 sign/verify throughput of hutong's two backends
// against `openssl speed sm2`, in one run on one core, in interleaved rounds.
// The last line is one JSON object (see docs/benchmarks.md).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { isNativeBackendAvailable } from "../src/crypto/native-backend.js";
import { getSm2Backend } from "../src/crypto/sm2-backend-registry.js";
import { generateSm2PrivateKey } from "../src/crypto/sm2-key.js";
import { sm2Sign, sm2Verify } from "../src/crypto/sm2-signature.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 1);

function opensslSpeed(): { sign: number; verify: number } {
  const out = execFileSync("openssl", ["speed", "-seconds", String(seconds), "sm2"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const m = /SM2 \(CurveSM2\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`cannot parse openssl speed output:\n${out}`);
  return { sign: Number(m[1]), verify: Number(m[2]) };
}

function rate(op: () => void, secs: number): number {
  for (let i = 0; i < 20; i++) op(); // warm-up: key import, JIT
  const end = performance.now() + secs * 1000;
  let n = 0;
  const start = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 10; i++) op();
    n += 10;
  }
  return n / ((performance.now() - start) / 1000);
}

const key = generateSm2PrivateKey();
const message = randomBytes(64);

function measure(name: "native" | "js", secs: number): { sign: number; verify: number } {
  const backend = getSm2Backend(name);
  const signature = sm2Sign(key, message, { backend });
  return {
    sign: rate(() => sm2Sign(key, message, { backend }), secs),
    verify: rate(() => {
      if (!sm2Verify(key.publicKey, message, signature, { backend })) throw new Error("verify failed");
    }, secs),
  };
}

const round = (x: number) => Math.round(x * 10) / 10;

// Interleave short rounds of OpenSSL and native so that load from other
// processes on a shared machine falls on both sides alike.
const rounds = Number(process.env.BENCH_ROUNDS ?? 4);
const openssl = { sign: 0, verify: 0 };
const native = { sign: 0, verify: 0 };
const haveNative = isNativeBackendAvailable();
for (let r = 0; r < rounds; r++) {
  const o = opensslSpeed();
  const n = haveNative ? measure("native", seconds) : { sign: 0, verify: 0 };
  openssl.sign += o.sign / rounds;
  openssl.verify += o.verify / rounds;
  native.sign += n.sign / rounds;
  native.verify += n.verify / rounds;
}
const js = measure("js", seconds);

console.log(
  `openssl speed sm2   sign ${round(openssl.sign)}/s  verify ${round(openssl.verify)}/s  (${rounds} interleaved rounds)`,
);
console.log(`hutong native       sign ${round(native.sign)}/s  verify ${round(native.verify)}/s`);
console.log(`hutong js           sign ${round(js.sign)}/s  verify ${round(js.verify)}/s`);
console.log(
  JSON.stringify({
    openssl_sign_per_s: round(openssl.sign),
    openssl_verify_per_s: round(openssl.verify),
    native_sign_per_s: round(native.sign),
    native_verify_per_s: round(native.verify),
    js_sign_per_s: round(js.sign),
    js_verify_per_s: round(js.verify),
    sign_ratio_vs_openssl: Math.round((native.sign / openssl.sign) * 1000) / 1000,
    verify_ratio_vs_openssl: Math.round((native.verify / openssl.verify) * 1000) / 1000,
  }),
);
