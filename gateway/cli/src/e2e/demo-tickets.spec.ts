import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";

describe("npm run demo, part two (e-tickets)", () => {
  it("runs the e-ticket federation end to end and exits 0 with every step as expected", () => {
    const script = new URL("../../scripts/demo-tickets.ts", import.meta.url).pathname;
    const r = spawnSync(process.execPath, ["--conditions=hutong-source", "--import", "tsx", script], {
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /demo \(e-tickets\): all steps as expected/);
    assert.equal((r.stdout.match(/✓ as expected/g) ?? []).length, 9);
    assert.match(r.stdout, /FAILED_PRECONDITION: TICKET_EVENT_KIND_REFUND needs the ticket's checkStatus/);
    assert.match(r.stdout, /Sichuan's gateway audited [1-9]\d* deliveries to Guangdong/);
  });
});
