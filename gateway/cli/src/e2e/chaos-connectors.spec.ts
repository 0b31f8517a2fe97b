import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { envWithoutCoverage } from "../testing.js";

// The connectors' chaos run at a small scale, so that it cannot rot between its full runs (npm run
// chaos:connectors, ≥ 5,000 sales): the tax channel and both partners as processes with faults,
// a short outage, the SIGKILLs, the replay of dead letters, the leg checks, and every count taken
// at the partners' own stores.
describe("npm run chaos:connectors, a small day", () => {
  it("prints the JSON verdict with nothing lost or duplicated, every planted mismatch found, and exits 0", () => {
    const script = new URL("../../scripts/chaos-connectors.ts", import.meta.url).pathname;
    const r = spawnSync(
      process.execPath,
      [
        "--conditions=hutong-source",
        "--import",
        "tsx",
        script,
        ...["--sales", "60", "--min-sales", "100", "--journeys", "16", "--outage-s", "3", "--seed", "11"],
      ],
      { encoding: "utf8", timeout: 420_000, env: envWithoutCoverage() },
    );
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr.slice(-8000)}`);
    const verdict = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "") as Record<string, unknown>;
    assert.deepEqual(Object.keys(verdict), [
      "invoices_expected",
      "invoices_issued",
      "reversals_expected",
      "reversals_issued",
      "lost",
      "duplicated",
      "dead_lettered",
      "replayed",
      "through_journeys",
      "leg_mismatches_undetected",
      "audit_logs_verify",
    ]);
    assert.ok((verdict.invoices_expected as number) > 100);
    assert.equal(verdict.invoices_issued, verdict.invoices_expected);
    assert.equal(verdict.reversals_issued, verdict.reversals_expected);
    assert.equal(verdict.replayed, verdict.dead_lettered);
    assert.equal(verdict.through_journeys, 16);
    assert.deepEqual(
      [verdict.lost, verdict.duplicated, verdict.leg_mismatches_undetected, verdict.audit_logs_verify],
      [0, 0, 0, true],
    );
    assert.match(r.stderr, /killed mot, gateway_510000, rail-simulator, mot, tax-simulator, air-simulator, mot/);
    assert.match(r.stderr, /no name, ID number or phone number of \d+ in clear/);
  });
});
