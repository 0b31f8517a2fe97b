import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { envWithoutCoverage } from "../testing.js";

// The scenario at a small scale, so that it cannot rot between its full runs (npm run
// scenario:tickets, ≥ 20,000 events): every process, the SIGKILLs, the reconciliation, the
// statistics and the audit logs, with a day of a few hundred sales per province.
describe("npm run scenario:tickets, a small day", () => {
  it("prints the JSON verdict with nothing lost, doubled or out of order, and exits 0", () => {
    const script = new URL("../../scripts/scenario-tickets.ts", import.meta.url).pathname;
    const r = spawnSync(
      process.execPath,
      [
        "--conditions=hutong-source",
        "--import",
        "tsx",
        script,
        "--sales",
        "250",
        "--min-events",
        "1000",
        "--seed",
        "7",
      ],
      { encoding: "utf8", timeout: 240_000, env: envWithoutCoverage() },
    );
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const last = r.stdout.trim().split("\n").at(-1) ?? "";
    const verdict = JSON.parse(last) as Record<string, unknown>;
    assert.deepEqual(Object.keys(verdict), [
      "events_emitted",
      "events_applied",
      "lost",
      "applied_twice",
      "out_of_order",
      "mismatches_injected",
      "mismatches_found",
      "stats_match",
      "audit_logs_verify",
    ]);
    assert.ok((verdict.events_emitted as number) >= 1000);
    assert.equal(verdict.events_applied, verdict.events_emitted);
    assert.deepEqual(
      [verdict.lost, verdict.applied_twice, verdict.out_of_order, verdict.stats_match, verdict.audit_logs_verify],
      [0, 0, 0, true, true],
    );
    assert.equal(verdict.mismatches_found, verdict.mismatches_injected);
    assert.match(r.stderr, /killed gateway_510000, mot, ticketing_440000, mot_statistics/);
    assert.match(r.stderr, /no name, ID number or phone number of \d+ in clear/);
  });
});
