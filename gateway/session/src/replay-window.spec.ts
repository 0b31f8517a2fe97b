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
});
