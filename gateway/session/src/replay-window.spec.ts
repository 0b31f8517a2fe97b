import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createReplayWindow } from "./replay-window.js";
import { isSessionError } from "./session-error.js";

const s1 = new Uint8Array(16).fill(1);
const s2 = new Uint8Array(16).fill(2);
const nonce = (n: number) => {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setUint32(12, n);
  return b;
};

describe("replay window", () => {
  it("refuses a nonce seen in the same session, allows it in another session", () => {
    const w = createReplayWindow();
    w.admit(s1, nonce(1), 0);
    assert.throws(
      () => w.admit(s1, nonce(1), 1),
      (e) => isSessionError(e, "replay"),
    );
    w.admit(s2, nonce(1), 1);
  });

  it("forgets entries after 2 × skew, not before", () => {
    const w = createReplayWindow({ clockSkewMs: 1000 });
    w.admit(s1, nonce(1), 0);
    assert.throws(
      () => w.admit(s1, nonce(1), 1999),
      (e) => isSessionError(e, "replay"),
    );
    w.admit(s1, nonce(1), 2000);
    assert.equal(w.size, 1);
  });

  it("refuses rather than forgets at the global cap, and recovers as entries expire", () => {
    const w = createReplayWindow({ clockSkewMs: 1000, maxEntries: 3, maxEntriesPerSession: 3 });
    w.admit(s1, nonce(1), 0);
    w.admit(s1, nonce(2), 0);
    w.admit(s2, nonce(3), 10);
    assert.equal(w.sessions, 2);
    assert.throws(
      () => w.admit(s2, nonce(4), 20),
      (e) => isSessionError(e, "replay-window-full"),
    );
    // A replay of a remembered nonce is still a replay while full.
    assert.throws(
      () => w.admit(s1, nonce(1), 20),
      (e) => isSessionError(e, "replay"),
    );
    w.admit(s2, nonce(4), 2000);
    assert.equal(w.size, 2);
    // s1's entries expired: only s2 counts as active now.
    assert.equal(w.sessions, 1);
  });

  it("caps each session, leaving room for others", () => {
    const w = createReplayWindow({ maxEntries: 10, maxEntriesPerSession: 2 });
    w.admit(s1, nonce(1), 0);
    w.admit(s1, nonce(2), 0);
    assert.throws(
      () => w.admit(s1, nonce(3), 0),
      (e) => isSessionError(e, "replay-window-full"),
    );
    w.admit(s2, nonce(3), 0);
  });

  it("refuses limits that are not positive", () => {
    for (const options of [
      { clockSkewMs: 0 },
      { maxEntries: 0 },
      { maxEntriesPerSession: -1 },
      { clockSkewMs: Number.NaN },
    ]) {
      assert.throws(
        () => createReplayWindow(options),
        (e) => isSessionError(e, "invalid-config"),
        JSON.stringify(options),
      );
    }
  });

  it("drops expired entries in bulk without forgetting a live one", () => {
    const w = createReplayWindow({ clockSkewMs: 1000 }); // entries live 2000 ms
    for (let i = 0; i < 1500; i++) w.admit(s1, nonce(i), 0);
    for (let i = 0; i < 1000; i++) w.admit(s2, nonce(i), 1500);
    assert.equal(w.size, 2500);
    // At 2000 the first 1500 expire: more than 1024 gone and over half the queue, so it is compacted.
    w.admit(s1, nonce(0), 2000);
    assert.equal(w.size, 1001);
    assert.equal(w.sessions, 2);
    for (const i of [0, 500, 999]) {
      assert.throws(
        () => w.admit(s2, nonce(i), 2000),
        (e) => isSessionError(e, "replay"),
        `s2 nonce ${i} is still live`,
      );
    }
    assert.throws(
      () => w.admit(s1, nonce(0), 2001),
      (e) => isSessionError(e, "replay"),
    );
    // The second batch expires at 3500, the re-admitted nonce at 4000.
    w.admit(s2, nonce(0), 3500);
    assert.equal(w.size, 2);
  });
});
