import type { TopicPolicy } from "./topic-policy.js";

/**
 * Why a message is dead by its own numbers, or undefined while it may still be tried: it has
 * failed `maxAttempts` tries, or it was enqueued `maxAgeMs` ago or longer. `attempts` counts the
 * tries made, the one just finished included.
 */
export function deadLetterReason(
  message: { readonly attempts: number; readonly createdMs: number },
  nowMs: number,
  policy: Pick<TopicPolicy, "maxAttempts" | "maxAgeMs">,
): string | undefined {
  if (nowMs - message.createdMs >= policy.maxAgeMs) {
    return `expired: enqueued ${Math.round((nowMs - message.createdMs) / 1000)} s ago (max age ${Math.round(policy.maxAgeMs / 1000)} s)`;
  }
  if (message.attempts >= policy.maxAttempts) return `gave up after ${message.attempts} attempts`;
  return undefined;
}
