import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isConsoleError } from "../errors/console-error.js";
import { createSessionStore } from "./session-store.js";

const alice = { username: "alice", displayName: "A", role: "auditor" } as const;
const locked = (e: unknown) => isConsoleError(e, "too-many-attempts");

describe("session store", () => {
  it("resolves a live token, expires an idle one, and forgets a closed one", () => {
    let now = 0;
    const s = createSessionStore({ idleMs: 1000, maxFailures: 3, lockoutMs: 5000, now: () => now });
    const token = s.begin("alice").succeeded(alice);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(s.resolve(token)?.username, "alice");
    now = 900;
    assert.ok(s.resolve(token), "use refreshes the idle timer");
    now = 1800;
    assert.ok(s.resolve(token));
    now = 2801;
    assert.equal(s.resolve(token), undefined);
    const again = s.begin("alice").succeeded(alice);
    s.close(again);
    assert.equal(s.resolve(again), undefined);
    assert.equal(s.resolve(undefined), undefined);
    assert.equal(s.resolve("not a token"), undefined);
    assert.equal(s.resolve(`${token.slice(0, 42)}A`), undefined);
  });

  it("ends a session at its absolute lifetime however busy, and keeps a few per user", () => {
    let now = 0;
    const s = createSessionStore({
      idleMs: 1000,
      maxFailures: 3,
      lockoutMs: 5000,
      lifetimeMs: 3000,
      maxSessionsPerUser: 2,
      now: () => now,
    });
    const token = s.begin("alice").succeeded(alice);
    for (now = 500; now <= 3000; now += 500) assert.ok(s.resolve(token));
    now = 3001;
    assert.equal(s.resolve(token), undefined);
    const [a, b, c] = [1, 2, 3].map(() => s.begin("alice").succeeded(alice));
    assert.equal(s.resolve(a), undefined, "the oldest of three went");
    assert.ok(s.resolve(b) && s.resolve(c));
  });

  it("locks a username after repeated failures, for a while, and a right password then does not lift it", () => {
    let now = 0;
    const s = createSessionStore({ idleMs: 1000, maxFailures: 3, lockoutMs: 5000, now: () => now });
    s.begin("bob").failed();
    s.begin("bob").failed();
    const last = s.begin("bob");
    last.failed();
    assert.throws(() => s.begin("bob"), locked);
    s.begin("carol").failed();
    now = 5001;
    s.begin("bob").succeeded(alice);
  });

  it("counts attempts still running, so a parallel burst cannot pass the check all at once", () => {
    const s = createSessionStore({ idleMs: 1000, maxFailures: 3, lockoutMs: 5000 });
    const burst = [s.begin("eve"), s.begin("eve"), s.begin("eve")];
    assert.throws(() => s.begin("eve"), locked, "the fourth waits for the three in flight");
    burst[0]?.failed();
    burst[1]?.failed();
    burst[2]?.failed();
    assert.throws(() => s.begin("eve"), locked, "and then the name is locked");
    assert.throws(() => burst[0]?.failed(), /settled once/);
  });

  it("caps sign-ins running at once over all users", () => {
    const s = createSessionStore({ idleMs: 1000, maxFailures: 3, lockoutMs: 5000, maxConcurrentSignIns: 3 });
    const running = [s.begin("dan"), s.begin("zed"), s.begin("amy")];
    assert.throws(() => s.begin("kim"), locked, "three scrypt runs at once at most");
    running[0]?.failed();
    s.begin("kim").succeeded(alice);
  });
});
