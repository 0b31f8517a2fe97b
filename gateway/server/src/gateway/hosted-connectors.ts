import { ConfigError } from "../config/config-error.js";
import type { GatewayConfig } from "../config/gateway-config.js";
import { GatewayError } from "../gateway-error.js";
import type { Logger } from "../observability/logger.js";
import { policyWithOverride } from "../outbox/configured-policy.js";
import type { ConnectorKind, RunningConnector } from "../outbox/connector-kind.js";
import type { OutboxTopic } from "../outbox/outbox-topic.js";
import type { ConnectorCaller } from "../pipeline/forwarder.js";
import type { OutboxStore } from "../store/port/outbox-store.js";

/** The connectors a gateway runs (config `connectors:`), started. */
export interface HostedConnectors {
  /** Every connector's outbox topics, for the gateway's dispatcher. */
  readonly topics: readonly OutboxTopic[];
  /** What the forwarder calls for a route to a connector. */
  readonly call: ConnectorCaller;
  close(): Promise<void>;
}

export interface HostedConnectorOptions {
  readonly config: GatewayConfig;
  /** The kinds this gateway was started with (the CLI passes the connector packages it has). */
  readonly kinds: readonly ConnectorKind[];
  readonly store: Pick<OutboxStore, "enqueueOutbox" | "findOutboxMessage">;
  /** Wakes the dispatcher (bound late: the dispatcher needs the topics first). */
  readonly kick: () => void;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly now: () => number;
}

/**
 * Checks every `connectors.<name>` entry against its kind (all problems in one ConfigError, as the
 * config's own are) and starts each. A connector's topics must start with its name (so
 * `hutong outbox list --topic` shows whose a message is) and be no one else's.
 */
export async function startHostedConnectors(options: HostedConnectorOptions): Promise<HostedConnectors> {
  const { config, store, now } = options;
  const byKind = new Map(options.kinds.map((k) => [k.kind, k]));
  const problems: string[] = [];
  const planned: {
    name: string;
    kind: ConnectorKind;
    settings: unknown;
    policy: ReturnType<typeof policyWithOverride>;
  }[] = [];
  for (const [name, entry] of Object.entries(config.connectors)) {
    const kind = byKind.get(entry.kind);
    if (kind === undefined) {
      const known = [...byKind.keys()].join(", ") || "none";
      problems.push(`connectors.${name}.kind: no connector kind ${JSON.stringify(entry.kind)} here (known: ${known})`);
      continue;
    }
    const checked = kind.checkSettings(entry.settings, config.baseDir);
    if (!checked.ok) {
      for (const p of checked.problems) problems.push(`connectors.${name}.settings.${p}`);
      continue;
    }
    planned.push({ name, kind, settings: checked.settings, policy: policyWithOverride(config.outbox, entry.outbox) });
  }
  if (problems.length > 0) throw new ConfigError("invalid", "invalid gateway config", problems);

  const running = new Map<string, RunningConnector>();
  // Names can prefix each other ("tax", "tax-a"; "grant" and the gateway's grant-revocation): the
  // prefix rule says whose a topic is, this map that no two own one.
  const topicOwners = new Map<string, string>([["grant-revocation", "the gateway"]]);
  const closeAll = async () => {
    for (const c of [...running.values()].reverse()) await c.close().catch(() => {});
    running.clear();
  };
  try {
    for (const p of planned) {
      const connector = await p.kind.start(p.settings, {
        name: p.name,
        gateway: config.party,
        outbox: {
          enqueue: async (messages) => (await store.enqueueOutbox(messages, now())).enqueued,
          find: (topic, destination, key) => store.findOutboxMessage(topic, destination, key, now()),
        },
        kick: options.kick,
        policy: p.policy,
        env: options.env,
        logger: options.logger.child({ component: "connector", connector: p.name }),
        now,
      });
      running.set(p.name, connector);
      for (const t of connector.topics) {
        const clash = topicOwners.get(t.name);
        if (!t.name.startsWith(`${p.name}-`) || clash !== undefined) {
          throw new ConfigError("invalid", "invalid gateway config", [
            t.name.startsWith(`${p.name}-`)
              ? `connectors.${p.name}: its topic ${JSON.stringify(t.name)} is ${clash}'s already`
              : `connectors.${p.name}: its topic ${JSON.stringify(t.name)} must start with "${p.name}-"`,
          ]);
        }
        topicOwners.set(t.name, `connector ${p.name}`);
      }
    }
  } catch (e) {
    await closeAll();
    throw e;
  }
  return {
    topics: [...running.values()].flatMap((c) => c.topics),
    async call(name, path, body, call) {
      const connector = running.get(name);
      // This gateway's own failure, as a route to a backend that is not there: the one status mapping says how.
      if (connector === undefined) throw new GatewayError("target-unavailable", `connector ${name} is not running`);
      return connector.call(path, body, call);
    },
    close: closeAll,
  };
}
