import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { envWithoutCoverage } from "../testing.js";

// The licence scenario at a small scale, so that it cannot rot between its full runs (npm run
// scenario:licences, 5,200 licences): every process, the SIGKILLs, the dropped range, the
// maintenance request, the data checks, the annual report and the audit logs, with 300 licences
// per province.
describe("npm run scenario:licences, a small workload", () => {
  it("prints the JSON verdict with nothing lost, doubled or out of order, the gaps repaired, and exits 0", () => {
    const script = new URL("../../scripts/scenario-licences.ts", import.meta.url).pathname;
    const r = spawnSync(
      process.execPath,
      [
        "--conditions=hutong-source",
        "--import",
        "tsx",
        script,
        "--licences",
        "300",
        "--min-licences",
        "600",
        "--seed",
        "7",
      ],
      { encoding: "utf8", timeout: 240_000, env: envWithoutCoverage() },
    );
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const last = r.stdout.trim().split("\n").at(-1) ?? "";
    const verdict = JSON.parse(last) as Record<string, unknown>;
    assert.deepEqual(Object.keys(verdict), [
      "licence_events",
      "aggregated",
      "lost",
      "applied_twice",
      "out_of_order",
      "gaps_detected",
      "gaps_repaired",
      "aggregation_p99_ms",
      "rates",
      "maintenance_request",
      "audit_logs_verify",
    ]);
    assert.ok((verdict.licence_events as number) >= 600);
    assert.equal(verdict.aggregated, verdict.licence_events);
    assert.deepEqual(
      [
        verdict.lost,
        verdict.applied_twice,
        verdict.out_of_order,
        verdict.maintenance_request,
        verdict.audit_logs_verify,
      ],
      [0, 0, 0, "applied", true],
    );
    assert.ok((verdict.gaps_detected as number) >= 1, "the dropped range was found");
    assert.equal(verdict.gaps_repaired, verdict.gaps_detected);
    assert.deepEqual(Object.keys(verdict.rates as object), ["issuance", "activation", "compliance", "aggregation"]);
    assert.match(r.stderr, /killed gateway_510000, mot_licence, licence_440000/);
    assert.match(r.stderr, /the corrupted copy found/);
    assert.match(r.stderr, /annual report: .*annual-510000-2026\.pdf/);
    assert.match(r.stderr, /no name or ID number of \d+ in clear/);
  });
});
