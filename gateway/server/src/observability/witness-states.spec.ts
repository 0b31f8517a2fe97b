import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createWitnessDisagreements, type WitnessRequests, witnessStanding } from "./witness-states.js";

const t = 1_780_000_000_000;
const requests = (r: Partial<WitnessRequests> = {}): WitnessRequests => ({
  cosignedSize: undefined,
  cosignedAtMs: undefined,
  failures: 0,
  retryAtMs: undefined,
  ...r,
});

describe("witness states", () => {
  it("is cosigned when its cosignature is on the latest checkpoint", () => {
    assert.deepEqual(
      witnessStanding({
        requests: requests({ cosignedSize: 7, cosignedAtMs: t }),
        disagreement: undefined,
        cosignedLatestAt: t / 1000,
        latestSize: 9,
      }),
      {
        state: "cosigned",
        lastCosignedSize: 9,
        detail: "cosigned the latest checkpoint (size 9) at 2026-05-28T20:26:40.000Z",
      },
    );
    // Also when this process has not asked it yet (another replica did, or a previous run).
    assert.equal(
      witnessStanding({ requests: requests(), disagreement: undefined, cosignedLatestAt: 1, latestSize: 0 }).state,
      "cosigned",
    );
  });

  it("disagrees after a disagreement it has not cosigned since, whatever the latest checkpoint carries", () => {
    const standing = witnessStanding({
      requests: requests({ cosignedSize: 4, cosignedAtMs: t, failures: 1, retryAtMs: t + 2000 }),
      disagreement: { kind: "fork", atMs: t + 1000 },
      cosignedLatestAt: t / 1000,
      latestSize: 4,
    });
    assert.equal(standing.state, "disagrees");
    assert.equal(standing.lastCosignedSize, 4);
    assert.equal(
      standing.detail,
      "refused a checkpoint with another root at a size it cosigned (fork), at 2026-05-28T20:26:41.000Z",
    );
    // Cosigning again after it clears the disagreement.
    assert.equal(
      witnessStanding({
        requests: requests({ cosignedSize: 5, cosignedAtMs: t + 5000 }),
        disagreement: { kind: "ahead", atMs: t + 1000 },
        cosignedLatestAt: (t + 5000) / 1000,
        latestSize: 5,
      }).state,
      "cosigned",
    );
  });

  it("is unreachable while its requests fail, saying how many and when it is asked again", () => {
    assert.deepEqual(
      witnessStanding({
        requests: requests({ cosignedSize: 3, failures: 2, retryAtMs: t }),
        disagreement: undefined,
        cosignedLatestAt: undefined,
        latestSize: 8,
      }),
      {
        state: "unreachable",
        lastCosignedSize: 3,
        detail: "2 requests in a row without its cosignature; next try at 2026-05-28T20:26:40.000Z",
      },
    );
  });

  it("is unknown before anything says more", () => {
    assert.deepEqual(
      witnessStanding({ requests: undefined, disagreement: undefined, cosignedLatestAt: undefined, latestSize: 3 }),
      { state: "unknown", lastCosignedSize: undefined, detail: "not asked by this gateway process yet" },
    );
    assert.equal(
      witnessStanding({
        requests: requests({ cosignedSize: 2 }),
        disagreement: undefined,
        cosignedLatestAt: undefined,
        latestSize: 3,
      }).detail,
      "not on the latest checkpoint; last known cosigned size 2",
    );
  });

  it("keeps each witness's last disagreement, with its time", () => {
    let now = t;
    const d = createWitnessDisagreements(() => now);
    assert.equal(d.last("mot"), undefined);
    d.record({ witness: "mot", kind: "bad-proof" });
    now += 10;
    d.record({ witness: "mot", kind: "fork" });
    assert.deepEqual(d.last("mot"), { kind: "fork", atMs: t + 10 });
    assert.equal(d.last("prov:440000"), undefined);
  });
});
