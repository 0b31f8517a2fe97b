import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isConsoleError } from "../errors/console-error.js";
import { createSessionStore } from "./session-store.js";

const alice = { username: "alice", displayName: "A", role: "auditor" } as const;

describe("session store", () => {
  it("resolves a live token, expires an idle one, and forgets a closed one", () => {
    let now = 0;
    const s = createSessionStore({ idleMs: 1000, maxFailures: 3, lockoutMs: 5000, now: () => now });
    const token = s.open(alice);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(s.resolve(token)?.username, "alice");
    now = 900;
    assert.ok(s.resolve(token), "use refreshes the idle timer");
    now = 1800;
    assert.ok(s.resolve(token));
    now = 2801;
    assert.equal(s.resolve(token), undefined);
    const again = s.open(alice);
    s.close(again);
    assert.equal(s.resolve(again), undefined);
    assert.equal(s.resolve(undefined), undefined);
    assert.equal(s.resolve("not a token"), undefined);
    assert.equal(s.resolve(`${token.slice(0, 42)}A`), undefined);
  });

  it("locks a username out after repeated failures, for a while", () => {
    let now = 0;
    const s = createSessionStore({ idleMs: 1000, maxFailures: 3, lockoutMs: 5000, now: () => now });
    s.recordFailure("bob");
    s.recordFailure("bob");
    s.checkNotLocked("bob");
    s.recordFailure("bob");
    assert.throws(
      () => s.checkNotLocked("bob"),
      (e) => isConsoleError(e, "too-many-attempts"),
    );
    s.checkNotLocked("carol");
    now = 5001;
    s.checkNotLocked("bob");
  });
});
