import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { OutboxMessage } from "../store/port/outbox-store.js";
import { type StoreUnderTest, sqliteMainAdapter } from "../testing.js";
import { type Connector, connectorTopic, type PartnerLookup } from "./connector.js";
import { createOutboxDispatcher, type OutboxDispatcher } from "./outbox-dispatcher.js";
import type { DeliveryResult } from "./outbox-topic.js";
import { seededRandom } from "./testing-random.js";
import { defaultTopicPolicy } from "./topic-policy.js";

const partnerParty = "tax:chinatax";
const policy = { ...defaultTopicPolicy, retryBaseMs: 1, retryCapMs: 5, maxAttempts: 20, breakerThreshold: 100 };

/**
 * A partner as the connector sees it: it applies each request once per idempotency key (as a tax
 * platform de-duplicates by request serial), and the test decides, per try, whether the request
 * reaches it and whether its answer comes back.
 */
function partner() {
  const applied = new Map<string, number>();
  const script = {
    /** Per try of deliver: "ok", "lost-answer" (applied, answer lost), "unreachable" (never arrived). */
    deliveries: [] as ("ok" | "lost-answer" | "unreachable")[],
    /** Per lookup: true to answer from the partner's state, false when it cannot be asked. */
    lookups: [] as boolean[],
  };
  const calls = { deliver: 0, lookup: 0 };
  const connector: Connector = {
    party: partnerParty,
    async deliver(message: OutboxMessage): Promise<DeliveryResult> {
      calls.deliver += 1;
      const how = script.deliveries.shift() ?? "ok";
      if (how === "unreachable") return { kind: "retry", reason: "UNAVAILABLE" };
      applied.set(message.idempotencyKey, (applied.get(message.idempotencyKey) ?? 0) + 1);
      return how === "ok" ? { kind: "delivered" } : { kind: "retry", reason: "DEADLINE_EXCEEDED" };
    },
    async lookup(message: OutboxMessage): Promise<PartnerLookup> {
      calls.lookup += 1;
      if (script.lookups.shift() === false) throw new Error("connect ECONNREFUSED");
      return applied.has(message.idempotencyKey) ? "applied" : "absent";
    },
  };
  return { connector, applied, script, calls };
}

describe("connectorTopic: exactly once at a partner through lost answers and outages", () => {
  let t: StoreUnderTest;
  let dispatcher: OutboxDispatcher | undefined;
  beforeEach(async () => {
    t = await sqliteMainAdapter.open();
  });
  afterEach(async () => {
    await dispatcher?.close();
    await t.cleanup();
  });

  async function run(p: ReturnType<typeof partner>, destination = partnerParty) {
    const topic = connectorTopic({ name: "invoice", connector: p.connector, ordering: "none", policy });
    await t.store.enqueueOutbox(
      [{ topic: "invoice", destination, idempotencyKey: "fpqqlsh-0001", orderingKey: null, payload: Buffer.from("x") }],
      Date.now(),
    );
    dispatcher = createOutboxDispatcher({
      store: t.store,
      topics: [topic],
      pollIntervalMs: 10,
      random: seededRandom(3),
    });
    for (let i = 0; i < 50; i += 1) {
      await dispatcher.flush();
      if ((await t.store.outboxStats(Date.now())).some((s) => s.dead > 0)) break;
      if ((await t.store.listOutbox({ pageSize: 10 }, Date.now())).messages.length === 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it("a request applied whose answer was lost is found by lookup, never sent twice", async () => {
    const p = partner();
    p.script.deliveries.push("lost-answer");
    await run(p);
    assert.equal(p.applied.get("fpqqlsh-0001"), 1, "applied once at the partner");
    assert.deepEqual(p.calls, { deliver: 1, lookup: 1 });
    assert.equal((await t.store.listOutbox({ pageSize: 10 }, Date.now())).messages.length, 0, "settled as delivered");
  });

  it("a request that never arrived is sent again after the partner says it is absent", async () => {
    const p = partner();
    p.script.deliveries.push("unreachable", "unreachable");
    await run(p);
    assert.equal(p.applied.get("fpqqlsh-0001"), 1);
    assert.deepEqual(p.calls, { deliver: 3, lookup: 2 });
  });

  it("while the partner cannot say, it waits rather than resending blind", async () => {
    const p = partner();
    p.script.deliveries.push("lost-answer");
    p.script.lookups.push(false, false, false);
    await run(p);
    assert.equal(p.applied.get("fpqqlsh-0001"), 1, "no resend while the lookup failed");
    assert.deepEqual(p.calls, { deliver: 1, lookup: 4 });
  });

  it("a message for another partner is a dead letter, not a delivery", async () => {
    const p = partner();
    await run(p, "rail:cr");
    assert.equal(p.calls.deliver + p.calls.lookup, 0);
    const [dead] = (await t.store.listOutbox({ state: "dead", pageSize: 10 }, Date.now())).messages;
    assert.match(dead?.lastError ?? "", /no connector for rail:cr/);
  });
});
