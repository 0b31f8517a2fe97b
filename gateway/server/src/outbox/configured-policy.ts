import type { GatewayConfig } from "../config/gateway-config.js";
import type { TopicPolicy } from "./topic-policy.js";

/** The `outbox:` section of the gateway config, validated (docs/outbox.md, "Configuration"). */
export type OutboxConfig = GatewayConfig["outbox"];

/** A topic's policy from the config: its overrides over the defaults. */
export function configuredTopicPolicy(config: OutboxConfig, topic: keyof OutboxConfig["topics"]): TopicPolicy {
  return policyWithOverride(config, config.topics[topic]);
}

/** Overrides (a topic's, or a connector's `connectors.<name>.outbox`) over the outbox defaults. */
export function policyWithOverride(
  config: OutboxConfig,
  override: { readonly [K in keyof OutboxConfig["defaults"]]?: number | undefined } = {},
): TopicPolicy {
  const d = config.defaults;
  return {
    retryBaseMs: override.retryBaseMs ?? d.retryBaseMs,
    retryCapMs: override.retryCapMs ?? d.retryCapMs,
    maxAttempts: override.maxAttempts ?? d.maxAttempts,
    maxAgeMs: (override.maxAgeSeconds ?? d.maxAgeSeconds) * 1000,
    breakerThreshold: override.breakerThreshold ?? d.breakerThreshold,
    breakerCoolDownMs: override.breakerCoolDownMs ?? d.breakerCoolDownMs,
    timeoutMs: override.timeoutMs ?? d.timeoutMs,
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
