import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isConsoleError } from "../errors/console-error.js";
import { createRateLimit } from "./rate-limit.js";

describe("rate limit", () => {
  it("allows a burst, then one call per refill, per key", () => {
    let now = 0;
    const r = createRateLimit({ perMinute: 6, burst: 2, now: () => now });
    r.take("a");
    r.take("a");
    assert.throws(
      () => r.take("a"),
      (e) => isConsoleError(e, "too-many-attempts"),
    );
    r.take("b");
    now = 9_999;
    assert.throws(() => r.take("a"));
    now = 10_000;
    r.take("a");
    assert.throws(() => r.take("a"), "one token came back in ten seconds");
  });
});
