import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { isNativeBackendAvailable } from "./native-backend.js";
import { defaultSm2Backend, getSm2Backend } from "./sm2-backend-registry.js";

/**
 * The backend choice happens once per process, from HUTONG_SM2_BACKEND and from whether the addon
 * loads, so the cases other than this process's own run in child processes: a fresh module state
 * each, and a process.dlopen that fails stands in for an addon that was never built.
 */
function runChild(setup: string, script: string, env: Record<string, string | undefined>): Record<string, unknown> {
  const here = (file: string) => JSON.stringify(new URL(file, import.meta.url).href);
  const prelude = `
    const registry = await import(${here("./sm2-backend-registry.ts")});
    const native = await import(${here("./native-backend.ts")});
    const sm3 = await import(${here("./sm3.ts")});
    const out = {};
    const attempt = (name, f) => { try { out[name] = f(); } catch (e) { out[name] = { error: e.name, code: e.code, message: e.message }; } };
  `;
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  const r = spawnSync(
    process.execPath,
    [
      "--conditions=hutong-source",
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      `${setup}\n${prelude}\n${script}\nprocess.stdout.write(JSON.stringify(out));`,
    ],
    { env: childEnv, encoding: "utf8", timeout: 60_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const simulateMissingAddon = `process.dlopen = () => { throw new Error("simulated: addon not built"); };`;

describe("SM2 backend selection", () => {
  it("this process uses the backend HUTONG_SM2_BACKEND names, and backends are made once", () => {
    const wanted = process.env.HUTONG_SM2_BACKEND?.trim();
    if (wanted === "native" || wanted === "js") assert.equal(defaultSm2Backend().name, wanted);
    assert.equal(defaultSm2Backend(), defaultSm2Backend());
    assert.equal(getSm2Backend("js"), getSm2Backend("js"));
    if (isNativeBackendAvailable()) assert.equal(getSm2Backend("native"), getSm2Backend("native"));
  });

  it("auto (unset or blank) picks the native addon when it loads", { skip: !isNativeBackendAvailable() }, () => {
    const out = runChild("", `attempt("name", () => registry.defaultSm2Backend().name);`, {
      HUTONG_SM2_BACKEND: " ",
    });
    assert.deepEqual(out, { name: "native" });
  });

  it("without the addon: refuses native and unknown names, falls back to js under auto", () => {
    const out = runChild(
      simulateMissingAddon,
      `process.env.HUTONG_SM2_BACKEND = "openssl";
      attempt("unknown", () => registry.defaultSm2Backend().name);
      process.env.HUTONG_SM2_BACKEND = "native";
      attempt("native", () => registry.defaultSm2Backend().name);
      attempt("getNative", () => registry.getSm2Backend("native").name);
      attempt("available", () => native.isNativeBackendAvailable());
      attempt("hmacNative", () => native.nativeHmacSm3OverDigest() === undefined ? "none" : "some");
      delete process.env.HUTONG_SM2_BACKEND;
      attempt("auto", () => registry.defaultSm2Backend().name);
      // Chosen once: changing the variable afterwards changes nothing.
      process.env.HUTONG_SM2_BACKEND = "native";
      attempt("again", () => registry.defaultSm2Backend().name);
      const key = new Uint8Array(32).fill(7);
      const parts = [new Uint8Array([1, 2]), new Uint8Array([3])];
      const message = new Uint8Array(100).fill(9);
      attempt("hmacFallback", () =>
        Buffer.from(sm3.hmacSm3OverDigest(key, parts, message)).equals(Buffer.from(sm3.hmacSm3OverDigestJs(key, parts, message))));`,
      { HUTONG_SM2_BACKEND: undefined },
    );
    const unavailable = {
      error: "CertsError",
      code: "backend-unavailable",
      message: "the native SM2 addon is not built (run `npm rebuild @hutong/certs`; needs python3, make and g++)",
    };
    assert.deepEqual(out, {
      unknown: {
        error: "CertsError",
        code: "invalid-argument",
        message: 'HUTONG_SM2_BACKEND must be native, js or auto, not "openssl"',
      },
      native: unavailable,
      getNative: unavailable,
      available: false,
      hmacNative: "none",
      auto: "js",
      again: "js",
      hmacFallback: true,
    });
  });
});
