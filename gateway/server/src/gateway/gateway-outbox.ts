import type { Meter } from "@opentelemetry/api";
import type { GatewayConfig } from "../config/gateway-config.js";
import type { PeerSessionFactory, RevocationPeer } from "../grants/peer-session-factory.js";
import { createRevocationTopic } from "../grants/revocation-topic.js";
import type { Logger } from "../observability/logger.js";
import { createOutboxMetrics } from "../observability/outbox-metrics.js";
import { configuredDispatcher, configuredTopicPolicy } from "../outbox/configured-policy.js";
import { createOutboxDispatcher, type OutboxDispatcher } from "../outbox/outbox-dispatcher.js";
import type { OutboxTopic } from "../outbox/outbox-topic.js";
import type { OutboxStore } from "../store/port/outbox-store.js";

export interface GatewayOutboxOptions {
  readonly store: OutboxStore;
  readonly config: GatewayConfig["outbox"];
  /** The peer gateways revocations go to, as of the last reload. */
  readonly revocationPeers: () => readonly RevocationPeer[];
  readonly connect: PeerSessionFactory;
  readonly logger: Logger;
  /** Where the outbox metrics go (the gateway's telemetry meter). */
  readonly meter?: Meter;
  readonly now: () => number;
  /** Topics of the connectors this gateway hosts. */
  readonly topics?: readonly OutboxTopic[];
}

/**
 * The gateway's outbox dispatcher with its topics (grant-revocation, and its connectors') and metrics. It
 * starts at once, so messages left by a previous run go out; kick() it after a transaction that
 * wrote messages, close() it before the store.
 */
export function startGatewayOutbox(options: GatewayOutboxOptions): OutboxDispatcher {
  const { store, config, now } = options;
  const logger = options.logger.child({ component: "outbox" });
  let dispatcher: OutboxDispatcher | undefined;
  const observer =
    options.meter === undefined
      ? undefined
      : createOutboxMetrics(options.meter, {
          stats: () => store.outboxStats(now()),
          breakers: () => dispatcher?.breakers() ?? [],
          now,
        });
  dispatcher = createOutboxDispatcher({
    store,
    topics: [
      createRevocationTopic({
        peers: options.revocationPeers,
        connect: options.connect,
        policy: configuredTopicPolicy(config, "grant-revocation"),
        logger: options.logger.child({ component: "revocations" }),
      }),
      ...(options.topics ?? []),
    ],
    ...configuredDispatcher(config),
    now,
    logger,
    ...(observer === undefined ? {} : { observer }),
  });
  return dispatcher;
}
