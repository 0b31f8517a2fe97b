import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  createOutboxDispatcher,
  createSqliteOutbox,
  type OutboxMessage,
  type OutboxMessageInput,
  sqliteOutboxSchema,
  sqliteOutboxStore,
} from "@hutong/gateway/outbox";
import { type Connector, connectorTopic, type DeliveryContext, defaultTopicPolicy } from "@hutong/gateway/ports";
import Database from "better-sqlite3";

// What every connector must do, whatever its partner's protocol (docs/connectors.md §1): deliver
// each request so that the partner applies it exactly once, through the partner being down,
// failing, timing out after it applied the request, and answering for another request. Each
// connector's spec runs this suite with a harness over its own partner simulator: a real server
// with its own store, which is where "applied" is counted.

/** The faults a partner simulator must be able to show. */
export type ConformanceFault =
  | "none"
  /** No connection is answered: nothing applied. */
  | "down"
  /** A 5xx (or the protocol's transient failure) with nothing applied. */
  | "error"
  /** Applied, then no answer until the connector gives up: the dangerous case. */
  | "timeout-after-effect"
  /** Applied, then answered with an earlier answer to another request. */
  | "stray-answer";

export interface ConformanceSubject {
  readonly connector: Connector;
  /** A new request (its outbox message, as the connector's service would write it); distinct per `i`. */
  request(i: number): Promise<OutboxMessageInput>;
  /** How many times the partner applied the request with this idempotency key, from its own store. */
  applied(idempotencyKey: string): Promise<number>;
  fault(f: ConformanceFault): void;
  close(): Promise<void>;
}

export interface ConformanceHarness {
  /** Starts a fresh partner simulator and a connector to it. */
  start(): Promise<ConformanceSubject>;
  /** How long one try may take with "timeout-after-effect" before the connector gives up (ms). */
  readonly tryTimeoutMs: number;
}

function asMessage(input: OutboxMessageInput, attempt: number): OutboxMessage {
  return {
    ...input,
    id: 1,
    state: "in-flight",
    attempts: attempt - 1,
    createdMs: Date.now(),
    nextAttemptMs: Date.now(),
    leaseUntilMs: null,
    lastError: null,
    deadMs: null,
  };
}

export function connectorConformance(name: string, harness: ConformanceHarness): void {
  describe(`connector conformance: ${name}`, () => {
    let s: ConformanceSubject;
    let n = 0;
    const context = (attempt: number): DeliveryContext => ({
      signal: AbortSignal.timeout(harness.tryTimeoutMs * 4),
      deadline: Date.now() + harness.tryTimeoutMs * 4,
      attempt,
    });
    const fresh = async () => s.request(++n);

    before(async () => {
      s = await harness.start();
    });
    after(async () => {
      await s?.close();
    });

    it("delivers a request once, and then says it took effect", async () => {
      s.fault("none");
      const m = await fresh();
      assert.equal(await s.connector.lookup(asMessage(m, 2), context(2)), "absent", "absent before");
      assert.deepEqual(await s.connector.deliver(asMessage(m, 1), context(1)), { kind: "delivered" });
      assert.equal(await s.applied(m.idempotencyKey), 1);
      assert.equal(await s.connector.lookup(asMessage(m, 2), context(2)), "applied");
    });

    it("sends again blind (attempt 1 after a crash) without the partner applying it twice", async () => {
      s.fault("none");
      const m = await fresh();
      assert.deepEqual(await s.connector.deliver(asMessage(m, 1), context(1)), { kind: "delivered" });
      assert.deepEqual(await s.connector.deliver(asMessage(m, 1), context(1)), { kind: "delivered" });
      assert.equal(await s.applied(m.idempotencyKey), 1);
    });

    it("is down: a retry, never delivered, nothing applied, lookup unknown", async () => {
      s.fault("down");
      const m = await fresh();
      assert.equal((await s.connector.deliver(asMessage(m, 1), context(1))).kind, "retry");
      assert.equal(await s.connector.lookup(asMessage(m, 2), context(2)), "unknown");
      s.fault("none");
      assert.equal(await s.applied(m.idempotencyKey), 0);
    });

    it("fails transiently: a retry, nothing applied", async () => {
      s.fault("error");
      const m = await fresh();
      assert.equal((await s.connector.deliver(asMessage(m, 1), context(1))).kind, "retry");
      s.fault("none");
      assert.equal(await s.applied(m.idempotencyKey), 0);
    });

    it("times out after the effect: a retry, and the lookup finds it applied", async () => {
      s.fault("timeout-after-effect");
      const m = await fresh();
      assert.equal((await s.connector.deliver(asMessage(m, 1), context(1))).kind, "retry");
      s.fault("none");
      assert.equal(await s.applied(m.idempotencyKey), 1);
      assert.equal(await s.connector.lookup(asMessage(m, 2), context(2)), "applied");
    });

    it("does not believe an answer for another request", async () => {
      s.fault("none");
      await s.connector.deliver(asMessage(await fresh(), 1), context(1));
      s.fault("stray-answer");
      const m = await fresh();
      assert.equal((await s.connector.deliver(asMessage(m, 1), context(1))).kind, "retry");
      s.fault("none");
      assert.equal(await s.applied(m.idempotencyKey), 1, "applied once, though the answer was another's");
      assert.equal(await s.connector.lookup(asMessage(m, 2), context(2)), "applied");
    });

    it("through the outbox, with faults changing under it: every request applied exactly once", async () => {
      const db = new Database(":memory:");
      db.exec(sqliteOutboxSchema);
      const outbox = createSqliteOutbox(db);
      const topic = connectorTopic({
        name: "conformance",
        connector: s.connector,
        ordering: "none",
        policy: {
          ...defaultTopicPolicy,
          retryBaseMs: 5,
          retryCapMs: 50,
          breakerThreshold: 1000,
          maxAttempts: 1000,
          timeoutMs: harness.tryTimeoutMs * 4,
        },
      });
      const requests = await Promise.all(Array.from({ length: 30 }, fresh));
      outbox.enqueueOutbox(
        requests.map((r) => ({ ...r, topic: "conformance" })),
        Date.now(),
      );
      const dispatcher = createOutboxDispatcher({ store: sqliteOutboxStore(db), topics: [topic], pollIntervalMs: 10 });
      const faults: ConformanceFault[] = ["down", "error", "timeout-after-effect", "stray-answer", "none"];
      try {
        for (let round = 0; round < 12; round += 1) {
          s.fault(faults[round % faults.length] ?? "none");
          await new Promise((r) => setTimeout(r, harness.tryTimeoutMs));
        }
        s.fault("none");
        const end = Date.now() + 60_000;
        while (outbox.listOutbox({ pageSize: 1 }, Date.now()).messages.length > 0) {
          assert.ok(Date.now() < end, "the outbox drains once the partner is healthy");
          await new Promise((r) => setTimeout(r, 20));
        }
      } finally {
        await dispatcher.close();
        db.close();
      }
      for (const r of requests) assert.equal(await s.applied(r.idempotencyKey), 1, `${r.idempotencyKey} exactly once`);
    });
  });
}
