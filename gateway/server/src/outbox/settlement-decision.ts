import type { OutboxMessage, OutboxSettlement } from "../store/port/outbox-store.js";
import { backoffDelayMs } from "./backoff.js";
import { deadLetterReason } from "./dead-letter.js";
import type { DeliveryResult } from "./outbox-topic.js";
import type { TopicPolicy } from "./topic-policy.js";

/**
 * What to write after one try (pure): delivered → removed; reject → a dead letter now; retry → a
 * dead letter if that was the last try its numbers allow, else pending again after a backoff.
 */
export function settlementAfterTry(
  message: Pick<OutboxMessage, "id" | "attempts" | "createdMs">,
  result: DeliveryResult,
  nowMs: number,
  policy: TopicPolicy,
  random: () => number,
): OutboxSettlement {
  const { id } = message;
  if (result.kind === "delivered") return { id, outcome: "delivered" };
  if (result.kind === "reject") return { id, outcome: "dead", attempted: true, error: `rejected: ${result.reason}` };
  const attempts = message.attempts + 1;
  const dead = deadLetterReason({ attempts, createdMs: message.createdMs }, nowMs, policy);
  if (dead !== undefined) return { id, outcome: "dead", attempted: true, error: `${dead}; last: ${result.reason}` };
  const delay = backoffDelayMs(attempts, policy.retryBaseMs, policy.retryCapMs, random);
  return { id, outcome: "retry", nextAttemptMs: nowMs + delay, error: result.reason };
}

/** A message claimed already past its maximum age is a dead letter without a try. */
export function settlementBeforeTry(
  message: Pick<OutboxMessage, "id" | "attempts" | "createdMs">,
  nowMs: number,
  policy: TopicPolicy,
): OutboxSettlement | undefined {
  if (nowMs - message.createdMs < policy.maxAgeMs) return undefined;
  const why = deadLetterReason(message, nowMs, policy) ?? "expired";
  return { id: message.id, outcome: "dead", attempted: false, error: why };
}
