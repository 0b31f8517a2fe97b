import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { deadLetterReason } from "./dead-letter.js";
import { settlementAfterTry, settlementBeforeTry } from "./settlement-decision.js";
import { defaultTopicPolicy, type TopicPolicy } from "./topic-policy.js";

const policy: TopicPolicy = {
  ...defaultTopicPolicy,
  retryBaseMs: 100,
  retryCapMs: 10_000,
  maxAttempts: 5,
  maxAgeMs: 60_000,
};
const t0 = 1_000_000;
const message = (attempts: number, createdMs = t0) => ({ id: 7, attempts, createdMs });

describe("settling a try", () => {
  it("delivered removes; reject is a dead letter at once; retry waits a jittered backoff", () => {
    assert.deepEqual(settlementAfterTry(message(0), { kind: "delivered" }, t0, policy, Math.random), {
      id: 7,
      outcome: "delivered",
    });
    assert.deepEqual(
      settlementAfterTry(message(0), { kind: "reject", reason: "PERMISSION_DENIED" }, t0, policy, Math.random),
      {
        id: 7,
        outcome: "dead",
        attempted: true,
        error: "rejected: PERMISSION_DENIED",
      },
    );
    assert.deepEqual(
      settlementAfterTry(message(2), { kind: "retry", reason: "UNAVAILABLE" }, t0 + 5, policy, () => 0.5),
      {
        id: 7,
        outcome: "retry",
        nextAttemptMs: t0 + 5 + 200,
        error: "UNAVAILABLE",
      },
    );
  });

  it("the try that reaches maxAttempts, or a message past maxAge, is a dead letter with its last reason", () => {
    const last = settlementAfterTry(message(4), { kind: "retry", reason: "UNAVAILABLE" }, t0, policy, Math.random);
    assert.deepEqual(last, {
      id: 7,
      outcome: "dead",
      attempted: true,
      error: "gave up after 5 attempts; last: UNAVAILABLE",
    });
    const old = settlementAfterTry(message(0), { kind: "retry", reason: "x" }, t0 + 60_000, policy, Math.random);
    assert.equal(old.outcome, "dead");
    assert.match(old.outcome === "dead" ? old.error : "", /^expired: enqueued 60 s ago \(max age 60 s\); last: x$/);
  });

  it("a message claimed past its maximum age is a dead letter without a try; a younger one is tried", () => {
    assert.deepEqual(settlementBeforeTry(message(1), t0 + 60_000, policy), {
      id: 7,
      outcome: "dead",
      attempted: false,
      error: "expired: enqueued 60 s ago (max age 60 s)",
    });
    assert.equal(settlementBeforeTry(message(1), t0 + 59_999, policy), undefined);
  });

  it("for any history: dead exactly when attempts or age are used up, else a retry within the backoff window", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 120_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempts, age, r) => {
          const s = settlementAfterTry(message(attempts), { kind: "retry", reason: "x" }, t0 + age, policy, () => r);
          const dead = deadLetterReason({ attempts: attempts + 1, createdMs: t0 }, t0 + age, policy) !== undefined;
          assert.equal(s.outcome, dead ? "dead" : "retry");
          assert.equal(dead, attempts + 1 >= policy.maxAttempts || age >= policy.maxAgeMs);
          if (s.outcome === "retry") {
            const ceiling = Math.min(policy.retryCapMs, policy.retryBaseMs * 2 ** attempts);
            assert.ok(s.nextAttemptMs >= t0 + age && s.nextAttemptMs <= t0 + age + ceiling);
          }
        },
      ),
    );
  });
});
