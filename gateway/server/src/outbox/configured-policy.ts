import type { GatewayConfig } from "../config/gateway-config.js";
import type { TopicPolicy } from "./topic-policy.js";

/** The `outbox:` section of the gateway config, validated (docs/outbox.md, "Configuration"). */
export type OutboxConfig = GatewayConfig["outbox"];

/** A topic's policy from the config: its overrides over the defaults. */
export function configuredTopicPolicy(config: OutboxConfig, topic: keyof OutboxConfig["topics"]): TopicPolicy {
  const d = config.defaults;
  const t = config.topics[topic] ?? {};
  return {
    retryBaseMs: t.retryBaseMs ?? d.retryBaseMs,
    retryCapMs: t.retryCapMs ?? d.retryCapMs,
    maxAttempts: t.maxAttempts ?? d.maxAttempts,
    maxAgeMs: (t.maxAgeSeconds ?? d.maxAgeSeconds) * 1000,
    breakerThreshold: t.breakerThreshold ?? d.breakerThreshold,
    breakerCoolDownMs: t.breakerCoolDownMs ?? d.breakerCoolDownMs,
    timeoutMs: t.timeoutMs ?? d.timeoutMs,
  };
}

/** The dispatcher's own numbers from the config. */
export function configuredDispatcher(config: OutboxConfig) {
  return {
    pollIntervalMs: config.pollIntervalMs,
    concurrency: config.concurrency,
    leaseMarginMs: config.leaseMarginMs,
  };
}
