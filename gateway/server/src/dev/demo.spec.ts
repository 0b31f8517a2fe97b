import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";

describe("npm run demo", () => {
  it("runs the three-gateway federation end to end and exits 0 with every step as expected", () => {
    const script = new URL("../../scripts/demo.ts", import.meta.url).pathname;
    const r = spawnSync(process.execPath, ["--conditions=hutong-source", "--import", "tsx", script], {
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /demo: all steps as expected/);
    assert.equal((r.stdout.match(/✓ as expected/g) ?? []).length, 10);
    assert.equal((r.stdout.match(/verifies ✓/g) ?? []).length, 3, "every gateway's audit log verifies");
    assert.match(r.stdout, /prov:510000 → mot → prov:440000 → 440000 systems/);
  });
});
