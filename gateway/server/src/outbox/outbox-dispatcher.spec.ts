import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { eventually } from "@hutong/wire/testing";
import type { OutboxMessage, OutboxMessageInput, OutboxStore } from "../store/port/outbox-store.js";
import { adaptersUnderTest, type StoreUnderTest, sqliteMainAdapter } from "../testing.js";
import { createOutboxDispatcher, type OutboxDispatcher, type OutboxDispatcherOptions } from "./outbox-dispatcher.js";
import { isOutboxError } from "./outbox-error.js";
import type { DeliveryContext, DeliveryResult, OutboxTopic } from "./outbox-topic.js";
import { seededRandom } from "./testing-random.js";
import { defaultTopicPolicy, type TopicPolicy } from "./topic-policy.js";

/** Fast numbers for tests: retries within milliseconds, a breaker that opens after 3 and cools in 150 ms. */
const fast: TopicPolicy = {
  ...defaultTopicPolicy,
  retryBaseMs: 2,
  retryCapMs: 20,
  maxAttempts: 1000,
  breakerThreshold: 3,
  breakerCoolDownMs: 150,
  timeoutMs: 500,
};

function msg(
  topic: string,
  key: string,
  destination = "prov:440000",
  orderingKey: string | null = null,
): OutboxMessageInput {
  return { topic, destination, idempotencyKey: key, orderingKey, payload: new Uint8Array(Buffer.from(key)) };
}

/** A deliverer under the test's control, recording what it saw. */
function recorder(decide: (m: OutboxMessage, ctx: DeliveryContext) => Promise<DeliveryResult> | DeliveryResult) {
  const tries: { key: string; destination: string; at: number; attempt: number }[] = [];
  const delivered: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    tries,
    delivered,
    get maxInFlight() {
      return maxInFlight;
    },
    async deliver(m: OutboxMessage, ctx: DeliveryContext): Promise<DeliveryResult> {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      tries.push({ key: m.idempotencyKey, destination: m.destination, at: Date.now(), attempt: ctx.attempt });
      try {
        const result = await decide(m, ctx);
        if (result.kind === "delivered") delivered.push(m.idempotencyKey);
        return result;
      } finally {
        inFlight -= 1;
      }
    },
  };
}

function topic(
  name: string,
  deliver: OutboxTopic["deliver"],
  policy: Partial<TopicPolicy> = {},
  ordering: OutboxTopic["ordering"] = "per-key",
): OutboxTopic {
  return { name, deliver, ordering, policy: { ...fast, ...policy } };
}

describe("outbox dispatcher", () => {
  let t: StoreUnderTest;
  const dispatchers: OutboxDispatcher[] = [];
  const start = (options: Omit<OutboxDispatcherOptions, "store"> & { store?: OutboxStore }) => {
    const d = createOutboxDispatcher({ store: t.store, pollIntervalMs: 50, random: seededRandom(7), ...options });
    dispatchers.push(d);
    return d;
  };
  beforeEach(async () => {
    t = await sqliteMainAdapter.open();
  });
  afterEach(async () => {
    await Promise.all(dispatchers.splice(0).map((d) => d.close()));
    await t.cleanup();
  });

  it("delivers every due message once, with at most `concurrency` in flight, and flush reports them", async () => {
    const r = recorder(async () => {
      await sleep(5);
      return { kind: "delivered" };
    });
    await t.store.enqueueOutbox(
      Array.from({ length: 40 }, (_, i) => msg("tickets", `m${i}`)),
      Date.now(),
    );
    const d = start({ topics: [topic("tickets", r.deliver)], concurrency: 4 });
    const flushed = await d.flush();
    assert.equal(r.delivered.length, 40);
    assert.equal(new Set(r.delivered).size, 40);
    assert.ok(r.maxInFlight <= 4 && r.maxInFlight >= 2, `at most 4 at once (saw ${r.maxInFlight})`);
    assert.equal(flushed.filter((f) => f.outcome === "delivered").length, 40);
    assert.deepEqual((await t.store.listOutbox({ pageSize: 10 }, Date.now())).messages, [], "delivered: removed");
  });

  it("kick() sends a new message at once, without waiting for the poll", async () => {
    const r = recorder(() => ({ kind: "delivered" }));
    const d = start({ topics: [topic("tickets", r.deliver)], pollIntervalMs: 60_000 });
    await d.flush();
    await t.store.enqueueOutbox([msg("tickets", "now")], Date.now());
    const kicked = Date.now();
    d.kick();
    await eventually(() => r.delivered.length === 1, 2000, "the message is delivered");
    assert.ok(Date.now() - kicked < 1000, "well before the 60 s poll");
  });

  it("a destination that is down: retries with backoff, the breaker opens and stops tries, one probe closes it", async () => {
    let down = true;
    const r = recorder((m) =>
      m.destination === "mot" && down ? { kind: "retry", reason: "UNAVAILABLE" } : { kind: "delivered" },
    );
    const logged: string[] = [];
    const logger = {
      info: (_: Record<string, unknown>, message: string) => logged.push(message),
      warn: (_: Record<string, unknown>, message: string) => logged.push(message),
      debug: () => {},
    };
    await t.store.enqueueOutbox(
      [...Array.from({ length: 10 }, (_, i) => msg("tickets", `mot-${i}`, "mot")), msg("tickets", "ok-0")],
      Date.now(),
    );
    const d = start({ topics: [topic("tickets", r.deliver)], concurrency: 2, logger });
    await eventually(() => d.breakers().some((b) => b.state === "open"), 2000, "the breaker opens");
    assert.deepEqual(d.breakers(), [{ topic: "tickets", destination: "mot", state: "open" }]);
    assert.ok(logged.includes("outbox destination not answering: breaker open"));
    await eventually(() => r.delivered.includes("ok-0"), 2000, "the other destination is served meanwhile");
    const triesWhenOpened = r.tries.filter((x) => x.destination === "mot").length;
    assert.ok(triesWhenOpened >= 3 && triesWhenOpened <= 4, `tries stop at the threshold (${triesWhenOpened})`);
    // While it is open and cooling down, nothing goes to it; after 150 ms exactly one probe. Judged
    // by the tries' own times, not by sleeping less than the cool-down: a loaded machine only
    // delays a probe, so the check cannot pass or fail by the scheduler's whim.
    await eventually(
      () => r.tries.filter((x) => x.destination === "mot").length === triesWhenOpened + 1,
      2000,
      "a probe after the cool-down",
    );
    const toMot = r.tries.filter((x) => x.destination === "mot");
    const [lastBefore, probe] = [toMot[triesWhenOpened - 1], toMot[triesWhenOpened]];
    assert.ok(lastBefore !== undefined && probe !== undefined);
    assert.ok(
      probe.at - lastBefore.at >= fast.breakerCoolDownMs,
      `no tries while open (${probe.at - lastBefore.at} ms)`,
    );
    await sleep(30);
    assert.equal(r.tries.filter((x) => x.destination === "mot").length, triesWhenOpened + 1, "one probe only");
    // The destination comes back: the next probe succeeds, the breaker closes, the rest follow.
    down = false;
    await eventually(() => r.delivered.filter((k) => k.startsWith("mot-")).length === 10, 5000, "all delivered");
    assert.deepEqual(d.breakers(), []);
    assert.ok(logged.includes("outbox destination answers again: breaker closed"));
    // Each failed try counted once on its message.
    assert.deepEqual((await t.store.listOutbox({ pageSize: 20 }, Date.now())).messages, []);
  });

  it("a try slower than its timeout is cut and retried; the late answer changes nothing", async () => {
    let first = true;
    const r = recorder(async (_m, ctx) => {
      if (first) {
        first = false;
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
        await sleep(50);
        return { kind: "delivered" }; // too late: the dispatcher settled it as a retry already
      }
      return { kind: "delivered" };
    });
    await t.store.enqueueOutbox([msg("tickets", "slow")], Date.now());
    const d = start({ topics: [topic("tickets", r.deliver, { timeoutMs: 100 })] });
    const flushed = await d.flush();
    assert.deepEqual(
      flushed.slice(0, 1).map((f) => [f.outcome, f.attempts, f.reason]),
      [["retry", 1, "deadline exceeded"]],
    );
    await eventually(() => r.delivered.length === 2, 2000, "tried again, and the late first answer arrived");
    await d.flush();
    assert.deepEqual(
      r.tries.map((x) => x.attempt),
      [1, 2],
      "the late answer did not settle anything",
    );
    assert.deepEqual((await t.store.listOutbox({ pageSize: 10 }, Date.now())).messages, []);
  });

  it("a permanent reject is a dead letter at once; it holds its ordering key until replayed, then order resumes", async () => {
    const rejectOnce = new Set(["k-1"]);
    const r = recorder((m) =>
      rejectOnce.delete(m.idempotencyKey) ? { kind: "reject", reason: "INVALID_ARGUMENT" } : { kind: "delivered" },
    );
    await t.store.enqueueOutbox(
      [msg("tickets", "k-0", "mot", "T1"), msg("tickets", "k-1", "mot", "T1"), msg("tickets", "k-2", "mot", "T1")],
      Date.now(),
    );
    await t.store.enqueueOutbox([msg("tickets", "other", "mot", "T2")], Date.now());
    const d = start({ topics: [topic("tickets", r.deliver)] });
    const flushed = await d.flush();
    assert.deepEqual(flushed.find((f) => f.idempotencyKey === "k-1")?.outcome, "dead");
    assert.deepEqual(r.delivered.sort(), ["k-0", "other"], "k-2 waits behind the dead letter; T2 is not held");
    const listed = (await t.store.listOutbox({ pageSize: 10 }, Date.now())).messages;
    assert.deepEqual(
      listed.map((m) => [m.idempotencyKey, m.state, m.attempts, m.lastError]),
      [
        ["k-1", "dead", 1, "rejected: INVALID_ARGUMENT"],
        ["k-2", "blocked", 0, null],
      ],
    );
    assert.deepEqual(d.breakers(), [], "a refusal is an answer: the breaker stays closed");
    const dead = listed[0];
    assert.ok(dead !== undefined);
    assert.equal((await t.store.replayOutboxMessage(dead.id, Date.now())).outcome, "done");
    d.kick();
    await eventually(() => r.delivered.length === 4, 2000, "the replayed one and its successor");
    assert.deepEqual(r.delivered.slice(2), ["k-1", "k-2"], "in order");
  });

  it("per-key order holds under random failures; unordered messages are not held back", async () => {
    const random = seededRandom(42);
    const r = recorder(() => (random() < 0.3 ? { kind: "retry", reason: "UNAVAILABLE" } : { kind: "delivered" }));
    const input: OutboxMessageInput[] = [];
    for (let i = 0; i < 120; i++) {
      input.push(msg("tickets", `m${i}`, i % 2 === 0 ? "mot" : "prov:440000", i % 5 === 4 ? null : `key-${i % 7}`));
    }
    await t.store.enqueueOutbox(input, Date.now());
    // A breaker threshold above any run of failures here: this test is about order, not the breaker.
    start({ topics: [topic("tickets", r.deliver, { breakerThreshold: 1000 })], concurrency: 8 });
    await eventually(() => r.delivered.length === 120, 10_000, "all delivered");
    assert.equal(new Set(r.delivered).size, 120, "each delivered once");
    const position = new Map(r.delivered.map((k, i) => [k, i]));
    for (const m of input) {
      if (m.orderingKey === null) continue;
      const same = input.filter((o) => o.orderingKey === m.orderingKey && o.destination === m.destination);
      const order = same.map((o) => position.get(o.idempotencyKey) ?? -1);
      assert.deepEqual(
        order,
        [...order].sort((a, b) => a - b),
        `${m.destination} ${m.orderingKey} in enqueue order`,
      );
    }
    assert.ok(r.tries.length > 120, "some tries failed and were retried");
  });

  it("gives up after maxAttempts, and on messages past maxAge without trying them", async () => {
    const r = recorder(() => ({ kind: "retry", reason: "UNAVAILABLE" }));
    const now = Date.now();
    await t.store.enqueueOutbox([msg("tickets", "old")], now - 120_000);
    await t.store.enqueueOutbox([msg("tickets", "tries")], now);
    start({ topics: [topic("tickets", r.deliver, { maxAttempts: 3, maxAgeMs: 60_000, breakerThreshold: 1000 })] });
    await eventually(
      async () => (await t.store.listOutbox({ state: "dead", pageSize: 10 }, Date.now())).messages.length === 2,
      3000,
      "both are dead letters",
    );
    const dead = (await t.store.listOutbox({ pageSize: 10 }, Date.now())).messages;
    assert.deepEqual(
      dead.map((m) => [m.idempotencyKey, m.attempts]),
      [
        ["old", 0],
        ["tries", 3],
      ],
    );
    assert.match(dead[0]?.lastError ?? "", /^expired/);
    assert.equal(dead[1]?.lastError, "gave up after 3 attempts; last: UNAVAILABLE");
    assert.deepEqual(
      r.tries.map((x) => x.key),
      ["tries", "tries", "tries"],
    );
  });

  it("close() cancels tries in flight without counting them; the next dispatcher delivers them", async () => {
    const hang = recorder(
      (_m, ctx) =>
        new Promise<DeliveryResult>((resolve) =>
          ctx.signal.addEventListener("abort", () => resolve({ kind: "retry", reason: "cancelled" })),
        ),
    );
    await t.store.enqueueOutbox([msg("tickets", "a"), msg("tickets", "b")], Date.now());
    const first = start({ topics: [topic("tickets", hang.deliver, { timeoutMs: 60_000 })], leaseMarginMs: 60_000 });
    await eventually(() => hang.tries.length === 2, 2000, "both in flight");
    await first.close();
    const after = (await t.store.listOutbox({ pageSize: 10 }, Date.now())).messages;
    assert.deepEqual(
      after.map((m) => [m.idempotencyKey, m.state, m.attempts]),
      [
        ["a", "pending", 0],
        ["b", "pending", 0],
      ],
      "released, not counted, claimable at once",
    );
    const ok = recorder(() => ({ kind: "delivered" }));
    await start({ topics: [topic("tickets", ok.deliver)] }).flush();
    assert.deepEqual(ok.delivered.sort(), ["a", "b"]);
  });

  it("a deliverer that throws is a retry naming the error; topics are closed with the dispatcher", async () => {
    let closed = 0;
    let n = 0;
    const throwing: OutboxTopic = {
      ...topic("tickets", async () => {
        n += 1;
        if (n === 1) throw new TypeError("boom");
        return { kind: "delivered" };
      }),
      close: () => {
        closed += 1;
      },
    };
    await t.store.enqueueOutbox([msg("tickets", "x")], Date.now());
    const d = start({ topics: [throwing] });
    assert.deepEqual(
      (await d.flush()).slice(0, 1).map((f) => [f.outcome, f.reason]),
      [["retry", "TypeError"]],
    );
    await eventually(() => n === 2, 2000, "tried again");
    await d.flush();
    await d.close();
    await d.close();
    assert.equal(closed, 1);
    assert.deepEqual(await d.flush(), [], "a closed dispatcher does nothing");
  });

  it("refuses bad numbers and a topic given twice", () => {
    const deliver = async (): Promise<DeliveryResult> => ({ kind: "delivered" });
    assert.throws(
      () => createOutboxDispatcher({ store: t.store, topics: [topic("a", deliver), topic("a", deliver)] }),
      (e) => isOutboxError(e, "duplicate-topic"),
    );
    assert.throws(
      () =>
        createOutboxDispatcher({ store: t.store, topics: [topic("a", deliver, { retryCapMs: 1, retryBaseMs: 5 })] }),
      (e) => isOutboxError(e, "invalid-policy") && /retryCapMs/.test(e.message),
    );
    assert.throws(
      () => createOutboxDispatcher({ store: t.store, topics: [topic("a", deliver, { maxAttempts: 0 })] }),
      (e) => isOutboxError(e, "invalid-policy"),
    );
    assert.throws(
      () => createOutboxDispatcher({ store: t.store, topics: [], concurrency: 0 }),
      (e) => isOutboxError(e, "invalid-policy"),
    );
  });
});

for (const adapter of adaptersUnderTest.filter((a) => a.name !== "sqlite (main thread)")) {
  describe(`two dispatchers on one ${adapter.name} store`, { skip: adapter.skip }, () => {
    it("never deliver one message twice at once, and together deliver each exactly once", async () => {
      const t = await adapter.open();
      const other = await t.openAnother();
      const holding = new Set<number>();
      const overlaps: number[] = [];
      const delivered: string[] = [];
      const byWhom = [0, 0];
      // The first dispatcher holds its first messages until the second has one of its own (or 5 s
      // pass): on a loaded machine it could otherwise drain the outbox alone, and the test would
      // prove nothing about two at once.
      let secondHasOne: () => void = () => {};
      const secondStarted = new Promise<void>((resolve) => {
        secondHasOne = resolve;
      });
      const deliverer =
        (who: number) =>
        async (m: OutboxMessage): Promise<DeliveryResult> => {
          if (holding.has(m.id)) overlaps.push(m.id);
          holding.add(m.id);
          if (who === 1) secondHasOne();
          else await Promise.race([secondStarted, sleep(5000)]);
          await sleep(1 + (m.id % 3));
          holding.delete(m.id);
          delivered.push(m.idempotencyKey);
          byWhom[who] = (byWhom[who] ?? 0) + 1;
          return { kind: "delivered" };
        };
      const n = 300;
      const ds = [t.store, other].map((store, who) =>
        createOutboxDispatcher({
          store,
          topics: [topic("tickets", deliverer(who))],
          concurrency: 8,
          pollIntervalMs: 20,
          name: `d${who}`,
        }),
      );
      // Both are polling before the messages arrive: on a loaded machine the first one created
      // could otherwise drain the outbox before the second's first claim.
      await sleep(50);
      await t.store.enqueueOutbox(
        Array.from({ length: n }, (_, i) =>
          msg("tickets", `m${i}`, `prov:${i % 3}`, i % 4 === 0 ? `k${i % 10}` : null),
        ),
        Date.now(),
      );
      for (const d of ds) d.kick();
      try {
        await eventually(() => delivered.length >= n, 20_000, "all delivered");
        await sleep(100);
        assert.deepEqual(overlaps, [], "no message was held by both at once");
        assert.equal(delivered.length, n, "none delivered twice");
        assert.equal(new Set(delivered).size, n);
        assert.ok((byWhom[0] ?? 0) > 0 && (byWhom[1] ?? 0) > 0, `both took a share (${byWhom.join(" / ")})`);
      } finally {
        await Promise.all(ds.map((d) => d.close()));
        await t.cleanup();
      }
    });
  });
}
