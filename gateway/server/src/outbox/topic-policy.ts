import { OutboxError } from "./outbox-error.js";

/** How one topic retries, gives up and protects its destinations (docs/outbox.md). */
export interface TopicPolicy {
  /** The first retry waits up to this long; each further one up to twice as long. */
  readonly retryBaseMs: number;
  /** No retry waits longer than this. */
  readonly retryCapMs: number;
  /** A message becomes a dead letter once this many tries have failed. */
  readonly maxAttempts: number;
  /** ... or once it is this old (since it was enqueued), tried or not. */
  readonly maxAgeMs: number;
  /** A destination's breaker opens after this many failures in a row. */
  readonly breakerThreshold: number;
  /** An open breaker lets one probe through after this long. */
  readonly breakerCoolDownMs: number;
  /** Deadline of one delivery. */
  readonly timeoutMs: number;
}

/** The defaults: a peer down for an hour is retried every few minutes; a message gives up after a day. */
export const defaultTopicPolicy: TopicPolicy = Object.freeze({
  retryBaseMs: 500,
  retryCapMs: 300_000,
  maxAttempts: 50,
  maxAgeMs: 7 * 24 * 3_600_000,
  breakerThreshold: 5,
  breakerCoolDownMs: 30_000,
  timeoutMs: 10_000,
});

/** Throws OutboxError("invalid-policy") naming the first field outside its domain. */
export function checkTopicPolicy(topic: string, policy: TopicPolicy): void {
  const fields: [keyof TopicPolicy, number][] = [
    ["retryBaseMs", 1],
    ["retryCapMs", 1],
    ["maxAttempts", 1],
    ["maxAgeMs", 1],
    ["breakerThreshold", 1],
    ["breakerCoolDownMs", 1],
    ["timeoutMs", 1],
  ];
  for (const [field, min] of fields) {
    const value = policy[field];
    if (!Number.isSafeInteger(value) || value < min) {
      throw new OutboxError("invalid-policy", `topic ${topic}: ${field} must be an integer ≥ ${min}`);
    }
  }
  if (policy.retryCapMs < policy.retryBaseMs) {
    throw new OutboxError("invalid-policy", `topic ${topic}: retryCapMs must be ≥ retryBaseMs`);
  }
}
