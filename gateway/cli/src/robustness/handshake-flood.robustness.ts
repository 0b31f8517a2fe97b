import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type FloodReport, measureFloodImpact } from "./testing-handshake-flood.js";

/**
 * Issue 11, item 3: one client replays a captured ClientHello on 256 concurrent streams while a
 * legitimate client calls on an established session. Measured, in one run, on:
 *
 * - `before`: the previous commit (synchronous SM2 on the event loop, no admission), when
 *   HUTONG_FLOOD_BASELINE names a checkout of it (with its npm install done): this file's
 *   measurement is copied into it and run there;
 * - `no admission`: this commit with the limits turned off (SM2 on the thread pool only);
 * - `admission`: this commit as configured by default.
 *
 * Prints the table; asserts the bound with the default admission.
 */
const seconds = Number(process.env.HUTONG_FLOOD_SECONDS ?? 5);
const helper = fileURLToPath(new URL("./testing-handshake-flood.ts", import.meta.url));

async function inBaseline(root: string): Promise<FloodReport> {
  const dir = join(root, "gateway/cli/src/robustness");
  const stamp = `${process.pid}-${Date.now()}`;
  const copy = join(dir, `testing-handshake-flood-${stamp}.ts`);
  const runner = join(dir, `flood-baseline-${stamp}.ts`);
  await copyFile(helper, copy);
  await writeFile(
    runner,
    `import { measureFloodImpact } from "./testing-handshake-flood-${stamp}.js";\n` +
      `console.log(JSON.stringify(await measureFloodImpact({ seconds: ${seconds} })));\n`,
  );
  try {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ["--conditions=hutong-source", "--import", "tsx", runner], {
        cwd: root,
        stdio: ["ignore", "pipe", "inherit"],
      });
      let text = "";
      child.stdout.on("data", (c) => {
        text += c;
      });
      child.on("close", (code) => (code === 0 ? resolve(text) : reject(new Error(`baseline run exited ${code}`))));
    });
    const line = out.trim().split("\n").at(-1) ?? "";
    return JSON.parse(line) as FloodReport;
  } finally {
    await rm(copy, { force: true });
    await rm(runner, { force: true });
  }
}

function row(name: string, r: FloodReport): string {
  const l = (s: FloodReport["quiet"]) =>
    `${s.p50Ms} / ${s.p99Ms} / ${s.maxMs} ms (${s.calls} calls, ${s.errors} errors)`;
  return [
    name.padEnd(14),
    `quiet ${l(r.quiet)}`,
    `flood ${l(r.flood)}`,
    `hellos answered ${r.hellos.answeredPerSecond}/s, refused ${r.hellos.refusedPerSecond}/s`,
    `gateway CPU ${r.gatewayCpu.quiet}% → ${r.gatewayCpu.flood}%`,
  ].join("\n  ");
}

describe("robustness: a replayed ClientHello on 256 streams", () => {
  it("leaves calls on established sessions fast, the signatures bounded by the admission", async () => {
    const reports: [string, FloodReport][] = [];
    const baseline = process.env.HUTONG_FLOOD_BASELINE;
    if (baseline !== undefined && baseline !== "") reports.push(["before", await inBaseline(baseline)]);
    const off = { session: { handshake: { maxConcurrent: 100_000, perAddress: null, perParty: null } } };
    reports.push(["no admission", await measureFloodImpact({ config: off, seconds })]);
    const admission = await measureFloodImpact({ seconds });
    reports.push(["admission", admission]);
    console.log(
      `legitimate calls p50 / p99 / max, ${seconds} s each phase:\n${reports.map(([n, r]) => row(n, r)).join("\n")}`,
    );

    // Every legitimate call succeeded, flood or not.
    for (const [name, r] of reports) assert.equal(r.quiet.errors + r.flood.errors, 0, name);
    // The per-address bucket (50/s, bursts of 200) bounds the signatures the flood gets...
    const signed = admission.hellos.answeredPerSecond * admission.hellos.seconds;
    assert.ok(signed <= 200 + 50 * admission.hellos.seconds + 20, `${signed} hellos answered`);
    assert.ok(admission.hellos.refusedPerSecond > 0, "the flood was refused");
    // ...and calls on an established session stay fast through it (the issue saw a median of
    // 134–168 ms and a maximum of 1.1–1.4 s).
    assert.ok(admission.flood.p50Ms < 30, `p50 ${admission.flood.p50Ms} ms under the flood`);
    assert.ok(admission.flood.p99Ms < 300, `p99 ${admission.flood.p99Ms} ms under the flood`);
    assert.ok(admission.flood.maxMs < 1000, `max ${admission.flood.maxMs} ms under the flood`);
  });
});
