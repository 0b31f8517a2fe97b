import type { Attributes, Meter } from "@opentelemetry/api";
import type { BreakerView, OutboxObserver } from "../outbox/outbox-dispatcher.js";
import type { OutboxStats } from "../store/port/outbox-store.js";

/**
 * The outbox's metrics (docs/outbox.md, "Metrics"). Labels are topic names and destinations
 * (party ids: who, never whose data), so cardinality is bounded by the federation's members and
 * no personal data can reach them. Gauges are read from the store at each collection (one
 * GROUP BY over the outbox), so every replica sharing a PostgreSQL outbox reports the same backlog.
 */
export const outboxMetricNames = {
  depth: "hutong.outbox.depth",
  oldestAge: "hutong.outbox.oldest_age",
  inFlight: "hutong.outbox.in_flight",
  blocked: "hutong.outbox.blocked",
  deadLetters: "hutong.outbox.dead_letters",
  breakerState: "hutong.outbox.breaker.state",
  attempts: "hutong.outbox.attempts",
  deliveries: "hutong.outbox.deliveries",
  failures: "hutong.outbox.failures",
  deadLettered: "hutong.outbox.dead_lettered",
} as const;

/** The breaker gauge's values. */
export const breakerStateValues = { closed: 0, "half-open": 1, open: 2 } as const;

export interface OutboxMetricsSource {
  /** The backlog per (topic, destination); a failure leaves the gauges out of that collection. */
  stats(): Promise<readonly OutboxStats[]>;
  /** The breakers that are not closed. */
  breakers(): readonly BreakerView[];
  now(): number;
}

export function createOutboxMetrics(meter: Meter, source: OutboxMetricsSource): OutboxObserver {
  const depth = meter.createObservableGauge(outboxMetricNames.depth, {
    description: "Messages not yet delivered and not dead, in flight and blocked ones included",
  });
  const oldestAge = meter.createObservableGauge(outboxMetricNames.oldestAge, {
    description: "Age of the oldest message not yet delivered",
    unit: "s",
  });
  const inFlight = meter.createObservableGauge(outboxMetricNames.inFlight, {
    description: "Messages a dispatcher holds a lease on",
  });
  const blocked = meter.createObservableGauge(outboxMetricNames.blocked, {
    description: "Messages waiting behind a dead letter of their ordering key",
  });
  const deadLetters = meter.createObservableGauge(outboxMetricNames.deadLetters, {
    description: "Dead letters waiting for an operator (hutong outbox replay | drop)",
  });
  const breakerState = meter.createObservableGauge(outboxMetricNames.breakerState, {
    description: "Circuit breaker per topic and destination: 0 closed, 1 half-open, 2 open",
  });
  const attempts = meter.createCounter(outboxMetricNames.attempts, {
    description: "Delivery tries, by topic, destination and result (delivered, retry, reject)",
  });
  const deliveries = meter.createCounter(outboxMetricNames.deliveries, {
    description: "Messages delivered",
  });
  const failures = meter.createCounter(outboxMetricNames.failures, {
    description: "Tries that failed, by kind: retry (no or a transient answer) or reject (refused for good)",
  });
  const deadLettered = meter.createCounter(outboxMetricNames.deadLettered, {
    description: "Messages that became dead letters",
  });

  // The SDK keeps exporting a series at its last value once a callback stops observing it, so a
  // (topic, destination) whose messages are all gone would show its last backlog for ever (and
  // keep an alert firing): pairs seen before and absent now are observed as empty.
  const seen = new Map<string, Attributes>();
  meter.addBatchObservableCallback(
    async (result) => {
      let stats: readonly OutboxStats[];
      try {
        stats = await source.stats();
      } catch {
        return; // the store is closing or down: no backlog figures this time
      }
      const nowMs = source.now();
      const breakers = new Map(source.breakers().map((b) => [`${b.topic} ${b.destination}`, b]));
      const gone = new Map(seen);
      for (const s of stats) {
        const key = `${s.topic} ${s.destination}`;
        const attributes: Attributes = { topic: s.topic, destination: s.destination };
        seen.set(key, attributes);
        gone.delete(key);
        result.observe(depth, s.depth, attributes);
        result.observe(
          oldestAge,
          s.oldestCreatedMs === null ? 0 : Math.max(0, (nowMs - s.oldestCreatedMs) / 1000),
          attributes,
        );
        result.observe(inFlight, s.inFlight, attributes);
        result.observe(blocked, s.blocked, attributes);
        result.observe(deadLetters, s.dead, attributes);
        const b = breakers.get(`${s.topic} ${s.destination}`);
        breakers.delete(`${s.topic} ${s.destination}`);
        result.observe(breakerState, breakerStateValues[b?.state ?? "closed"], attributes);
      }
      for (const [key, attributes] of gone) {
        for (const gauge of [depth, oldestAge, inFlight, blocked, deadLetters]) result.observe(gauge, 0, attributes);
        if (!breakers.has(key)) result.observe(breakerState, breakerStateValues.closed, attributes);
      }
      // A breaker open for a destination whose messages are all gone still shows.
      for (const [key, b] of breakers) {
        const attributes: Attributes = { topic: b.topic, destination: b.destination };
        seen.set(key, attributes);
        result.observe(breakerState, breakerStateValues[b.state], attributes);
      }
    },
    [depth, oldestAge, inFlight, blocked, deadLetters, breakerState],
  );

  return {
    tried({ topic, destination, result }) {
      attempts.add(1, { topic, destination, result });
      if (result === "delivered") deliveries.add(1, { topic, destination });
      else failures.add(1, { topic, destination, kind: result });
    },
    deadLettered({ topic, destination }) {
      deadLettered.add(1, { topic, destination });
    },
  };
}
