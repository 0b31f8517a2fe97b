import { randomUUID } from "node:crypto";
import type { OutboxMessage, OutboxSettlement, OutboxStore } from "../store/port/outbox-store.js";
import {
  type BreakerState,
  breakerAdmit,
  breakerRecord,
  breakerRefuses,
  breakerWakeMs,
  closedBreaker,
} from "./circuit-breaker.js";
import { OutboxError } from "./outbox-error.js";
import type { DeliveryResult, OutboxTopic } from "./outbox-topic.js";
import { settlementAfterTry, settlementBeforeTry } from "./settlement-decision.js";
import { checkTopicPolicy } from "./topic-policy.js";

/** pino's Logger fits. Facts are topic names, destinations, message ids, attempts and reasons. */
export interface OutboxLogger {
  info(facts: Record<string, unknown>, message: string): void;
  warn(facts: Record<string, unknown>, message: string): void;
  debug(facts: Record<string, unknown>, message: string): void;
}

/** What metrics hear from a dispatcher (observability/outbox-metrics.ts). */
export interface OutboxObserver {
  /** One try ended: delivered, to be retried, or refused for good. */
  tried(event: {
    readonly topic: string;
    readonly destination: string;
    readonly result: DeliveryResult["kind"];
    readonly durationMs: number;
  }): void;
  /** A message became a dead letter (after a try, or expired unsent). */
  deadLettered(event: { readonly topic: string; readonly destination: string }): void;
}

/** One settled message, as flush() reports it. */
export interface OutboxDelivery {
  readonly id: number;
  readonly topic: string;
  readonly destination: string;
  readonly idempotencyKey: string;
  readonly outcome: "delivered" | "retry" | "dead";
  /** Tries made, this one included. */
  readonly attempts: number;
  /** Why it is retried or dead. */
  readonly reason?: string;
}

export interface BreakerView {
  readonly topic: string;
  readonly destination: string;
  readonly state: BreakerState["kind"];
}

export interface OutboxDispatcherOptions {
  readonly store: OutboxStore;
  readonly topics: readonly OutboxTopic[];
  /** Deliveries in flight at once, over all topics (default 16). */
  readonly concurrency?: number;
  /** How often the outbox is read when nothing wakes the dispatcher (default 1000 ms). */
  readonly pollIntervalMs?: number;
  /** A claim's lease outlasts the longest topic timeout by this much (default 5000 ms). */
  readonly leaseMarginMs?: number;
  readonly now?: () => number;
  /** [0, 1), for the backoff's jitter (tests pass a seeded one). */
  readonly random?: () => number;
  readonly logger?: OutboxLogger;
  readonly observer?: OutboxObserver;
  /** Starts lease tokens, so the store shows whose lease it is (a random part is added). */
  readonly name?: string;
}

export interface OutboxDispatcher {
  /** Wakes the dispatcher now: new messages are in the outbox (their transaction committed). */
  kick(): void;
  /**
   * Resolves once every message due now has been tried and settled and none is left due (retries
   * whose time has not come wait), with what was settled meanwhile. Never rejects.
   */
  flush(): Promise<readonly OutboxDelivery[]>;
  /** The breakers that are not closed (a closed one is the default and not kept). */
  breakers(): readonly BreakerView[];
  /**
   * Stops claiming, cancels the tries in flight (they settle as retries: the message may or may
   * not have arrived, and will be sent again), waits for their settlements, closes the topics.
   */
  close(): Promise<void>;
}

interface Breaker {
  readonly topic: string;
  readonly destination: string;
  state: BreakerState;
}

interface PendingSettlement {
  readonly token: string;
  readonly settlement: OutboxSettlement;
}

const breakerKey = (topic: string, destination: string) => `${topic} ${destination}`;

function errorReason(e: unknown): string {
  if (!(e instanceof Error)) return "error";
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" || typeof code === "number" ? `${e.name} (${code})` : e.name;
}

/**
 * The outbox engine (docs/outbox.md): claims due messages of its topics with a lease, delivers
 * each through its topic's deliverer with bounded concurrency, and settles it by the topic's
 * policy (removed; retried after a jittered backoff; a dead letter). A circuit breaker per
 * (topic, destination) stops tries to a destination that does not answer, and lets one probe
 * through after a cool-down. Settlements are written in batches, one transaction at a time, so a
 * busy outbox amortises its commits; each commit wakes the claimer, since it may have made an
 * ordered message's successor eligible.
 */
export function createOutboxDispatcher(options: OutboxDispatcherOptions): OutboxDispatcher {
  const { store } = options;
  const concurrency = options.concurrency ?? 16;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const leaseMarginMs = options.leaseMarginMs ?? 5000;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const logger = options.logger;
  const observer = options.observer;
  // The name for logs, plus this instance's own part: a token is never one another process used.
  const tokenPrefix = `${options.name ?? "outbox"}/${randomUUID().slice(0, 8)}`;
  for (const [field, value] of [
    ["concurrency", concurrency],
    ["pollIntervalMs", pollIntervalMs],
    ["leaseMarginMs", leaseMarginMs],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new OutboxError("invalid-policy", `${field} must be an integer ≥ 1`);
    }
  }
  const topics = new Map<string, OutboxTopic>();
  for (const topic of options.topics) {
    if (topics.has(topic.name)) throw new OutboxError("duplicate-topic", `topic ${topic.name} is given twice`);
    checkTopicPolicy(topic.name, topic.policy);
    topics.set(topic.name, topic);
  }
  const topicNames = [...topics.keys()];
  const longestTimeoutMs = Math.max(0, ...[...topics.values()].map((t) => t.policy.timeoutMs));

  const breakers = new Map<string, Breaker>();
  const inFlight = new Set<Promise<void>>();
  /** The tries in flight, cancelled by close(). */
  const tries = new Set<AbortController>();
  const collectors = new Set<OutboxDelivery[]>();
  const idleWaiters: { readonly generation: number; resolve(): void }[] = [];
  const wakeTimes: number[] = [];
  const closing = new AbortController();
  let claims = 0;
  let generation = 0;
  let settleCommits = 0;
  let settleQueue: PendingSettlement[] = [];
  let settling: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  let woken = false;
  let closed: Promise<void> | undefined;

  function wake(): void {
    woken = true;
    wakeUp?.();
  }

  function sleep(ms: number): Promise<void> {
    if (woken) {
      woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      // An idle dispatcher never keeps the process alive; deliveries in flight hold their sockets.
      timer.unref();
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        woken = false;
        resolve();
      }
      wakeUp = done;
    });
  }

  function breakerOf(topic: string, destination: string): Breaker {
    const key = breakerKey(topic, destination);
    let b = breakers.get(key);
    if (b === undefined) {
      b = { topic, destination, state: closedBreaker };
      breakers.set(key, b);
    }
    return b;
  }

  function setBreaker(b: Breaker, next: BreakerState): void {
    const before = b.state.kind;
    b.state = next;
    if (next.kind === "closed" && next.failures === 0) breakers.delete(breakerKey(b.topic, b.destination));
    if (before !== "open" && next.kind === "open") {
      logger?.warn(
        { topic: b.topic, destination: b.destination, untilMs: next.untilMs },
        "outbox destination not answering: breaker open",
      );
    } else if (before !== "closed" && next.kind === "closed") {
      logger?.info({ topic: b.topic, destination: b.destination }, "outbox destination answers again: breaker closed");
    }
  }

  function report(delivery: OutboxDelivery): void {
    for (const c of collectors) c.push(delivery);
  }

  function settle(token: string, settlement: OutboxSettlement): void {
    settleQueue.push({ token, settlement });
    settling ??= writeSettlements().finally(() => {
      settling = undefined;
    });
  }

  /** Group commit of settlements: whatever queued while one transaction ran goes in the next. */
  async function writeSettlements(): Promise<void> {
    while (settleQueue.length > 0) {
      const batch = settleQueue;
      settleQueue = [];
      const byToken = new Map<string, OutboxSettlement[]>();
      for (const p of batch) byToken.set(p.token, [...(byToken.get(p.token) ?? []), p.settlement]);
      for (const [token, settlements] of byToken) {
        try {
          await store.settleOutbox(token, settlements, now());
        } catch (err) {
          // Not written: the leases run out and the messages are claimed again (a delivered one
          // is sent once more, which the receiver's inbox absorbs).
          logger?.warn({ err, messages: settlements.length }, "outbox settlement failed; the leases will expire");
        }
      }
      settleCommits += 1;
      wake();
    }
  }

  function deliver(topic: OutboxTopic, message: OutboxMessage, token: string): void {
    const attempt = message.attempts + 1;
    const { policy } = topic;
    const started = now();
    const controller = new AbortController();
    tries.add(controller);
    const timer = setTimeout(() => controller.abort(new Error("deadline exceeded")), policy.timeoutMs);
    const gaveUp = new Promise<DeliveryResult>((resolve) => {
      controller.signal.addEventListener(
        "abort",
        () =>
          resolve({
            kind: "retry",
            reason: closing.signal.aborted ? "cancelled: the dispatcher closed" : "deadline exceeded",
          }),
        { once: true },
      );
    });
    const facts = { topic: topic.name, destination: message.destination, id: message.id, attempt };
    const p = (async () => {
      let result: DeliveryResult;
      try {
        result = await Promise.race([
          // The deadline is wall-clock time (it goes on the wire as grpc-timeout), whatever `now` says.
          topic.deliver(message, { signal: controller.signal, deadline: Date.now() + policy.timeoutMs, attempt }),
          gaveUp,
        ]);
      } catch (e) {
        result = { kind: "retry", reason: errorReason(e) };
      } finally {
        clearTimeout(timer);
        tries.delete(controller);
      }
      if (closing.signal.aborted && result.kind === "retry") {
        // Cut short by close(), not the destination's doing: not counted as a try. It may have
        // arrived all the same; it is sent again later and the receiver's inbox absorbs it.
        settle(token, { id: message.id, outcome: "release" });
        return;
      }
      const ended = now();
      const b = breakerOf(topic.name, message.destination);
      setBreaker(b, breakerRecord(b.state, result.kind === "retry" ? "failure" : "success", ended, policy));
      const settlement = settlementAfterTry(message, result, ended, policy, random);
      observer?.tried({
        topic: topic.name,
        destination: message.destination,
        result: result.kind,
        durationMs: ended - started,
      });
      const base = { id: message.id, topic: topic.name, destination: message.destination, attempts: attempt };
      if (settlement.outcome === "delivered") {
        logger?.debug(facts, "outbox message delivered");
        report({ ...base, idempotencyKey: message.idempotencyKey, outcome: "delivered" });
      } else if (settlement.outcome === "retry") {
        wakeTimes.push(settlement.nextAttemptMs);
        logger?.warn(
          { ...facts, reason: settlement.error, retryInMs: settlement.nextAttemptMs - ended },
          "outbox message not delivered; retrying",
        );
        report({ ...base, idempotencyKey: message.idempotencyKey, outcome: "retry", reason: settlement.error });
      } else if (settlement.outcome === "dead") {
        observer?.deadLettered({ topic: topic.name, destination: message.destination });
        logger?.warn({ ...facts, reason: settlement.error }, "outbox message is a dead letter");
        report({ ...base, idempotencyKey: message.idempotencyKey, outcome: "dead", reason: settlement.error });
      }
      settle(token, settlement);
    })();
    inFlight.add(p);
    void p.finally(() => {
      inFlight.delete(p);
      wake();
    });
  }

  /** One claim: leases up to `room` due messages and starts them; how many it claimed. */
  async function claimAndStart(room: number): Promise<number> {
    const nowMs = now();
    const skip = [...breakers.values()]
      .filter((b) => breakerRefuses(b.state, nowMs))
      .map((b) => ({ topic: b.topic, destination: b.destination }));
    claims += 1;
    const token = `${tokenPrefix}:${claims}`;
    const messages = await store.claimOutbox({
      leaseToken: token,
      nowMs,
      leaseUntilMs: nowMs + longestTimeoutMs + leaseMarginMs,
      limit: Math.min(room, 1000),
      topics: topicNames,
      skip,
    });
    const startedMs = now();
    for (const message of messages) {
      const topic = topics.get(message.topic);
      if (topic === undefined) {
        settle(token, { id: message.id, outcome: "release" });
        continue;
      }
      const expired = settlementBeforeTry(message, startedMs, topic.policy);
      if (expired !== undefined) {
        observer?.deadLettered({ topic: topic.name, destination: message.destination });
        const reason = expired.outcome === "dead" ? expired.error : "expired";
        logger?.warn(
          { topic: topic.name, destination: message.destination, id: message.id, reason },
          "outbox message is a dead letter",
        );
        report({
          id: message.id,
          topic: topic.name,
          destination: message.destination,
          idempotencyKey: message.idempotencyKey,
          outcome: "dead",
          attempts: message.attempts,
          reason,
        });
        settle(token, expired);
        continue;
      }
      const b = breakerOf(topic.name, message.destination);
      const { admit, state } = breakerAdmit(b.state, startedMs);
      setBreaker(b, state);
      if (admit) deliver(topic, message, token);
      else settle(token, { id: message.id, outcome: "release" });
    }
    return messages.length;
  }

  /** How long to sleep: until the next retry or breaker cool-down we know of, at most the poll interval. */
  function nextWakeDelay(): number {
    const nowMs = now();
    let next = nowMs + pollIntervalMs;
    let kept = 0;
    for (const t of wakeTimes) {
      if (t > nowMs) {
        wakeTimes[kept++] = t;
        next = Math.min(next, t);
      }
    }
    wakeTimes.length = kept;
    for (const b of breakers.values()) {
      const t = breakerWakeMs(b.state);
      if (t !== undefined) next = Math.min(next, Math.max(t, nowMs));
    }
    return Math.max(0, next - nowMs);
  }

  function resolveIdle(upTo: number): void {
    for (let i = idleWaiters.length - 1; i >= 0; i--) {
      const w = idleWaiters[i];
      if (w !== undefined && w.generation < upTo) {
        idleWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  async function pump(): Promise<void> {
    while (!closing.signal.aborted) {
      const room = concurrency - inFlight.size;
      const current = ++generation;
      const commitsBefore = settleCommits;
      let claimed = 0;
      let failed = false;
      if (room > 0) {
        try {
          claimed = await claimAndStart(room);
        } catch (err) {
          failed = true;
          logger?.warn({ err }, "outbox unavailable; trying again at the next poll");
        }
      }
      if (closing.signal.aborted) break;
      if (!failed && room > 0 && claimed === room) continue;
      const idle =
        failed ||
        (room > 0 &&
          claimed === 0 &&
          inFlight.size === 0 &&
          settling === undefined &&
          settleQueue.length === 0 &&
          settleCommits === commitsBefore);
      if (idle) resolveIdle(current);
      await sleep(failed ? pollIntervalMs : nextWakeDelay());
    }
  }

  const pumping = pump();

  return {
    kick: wake,

    async flush() {
      if (closed !== undefined) return [];
      const records: OutboxDelivery[] = [];
      collectors.add(records);
      try {
        await new Promise<void>((resolve) => {
          idleWaiters.push({ generation, resolve });
          wake();
        });
      } finally {
        collectors.delete(records);
      }
      return records;
    },

    breakers() {
      return [...breakers.values()]
        .filter((b) => b.state.kind !== "closed")
        .map((b) => ({ topic: b.topic, destination: b.destination, state: b.state.kind }));
    },

    close() {
      closed ??= (async () => {
        closing.abort();
        for (const c of tries) c.abort(new Error("the dispatcher is closing"));
        wake();
        await pumping;
        await Promise.allSettled([...inFlight]);
        while (settling !== undefined) await settling;
        resolveIdle(Number.POSITIVE_INFINITY);
        for (const topic of topics.values()) {
          try {
            await topic.close?.();
          } catch (err) {
            logger?.warn({ err, topic: topic.name }, "closing an outbox topic failed");
          }
        }
      })();
      return closed;
    },
  };
}
