import type { OutboxMessage } from "../store/port/outbox-store.js";
import type { DeliveryContext, DeliveryResult, OutboxTopic } from "./outbox-topic.js";
import type { TopicPolicy } from "./topic-policy.js";

/**
 * Whether a request already took effect at the partner, as the partner says when asked by its
 * idempotency key (a tax platform's request serial, a rail partner's order number): `applied`,
 * `absent` (never received, or refused), or `unknown` (it cannot say now: down, slow, no answer).
 */
export type PartnerLookup = "applied" | "absent" | "unknown";

/**
 * The port a connector implements: an adapter from an outbox message to one partner's own protocol
 * (docs/architecture.md §6). A partner that does not run a hutong gateway (the tax e-invoice
 * platform, rail and air ticketing) is reached through one.
 */
export interface Connector {
  /** The partner's party id ("tax:chinatax", "rail:cr"): the outbox destination its messages carry. */
  readonly party: string;
  /**
   * Sends one request, carrying `message.idempotencyKey` in the partner's own de-duplication field
   * so that a repeat is recognised there. `delivered` only on the partner's acceptance; `reject` when
   * the partner refuses for good; `retry` on anything that may be transient.
   */
  deliver(message: OutboxMessage, context: DeliveryContext): Promise<DeliveryResult>;
  /** Asks the partner whether the request with this idempotency key took effect. */
  lookup(message: OutboxMessage, context: DeliveryContext): Promise<PartnerLookup>;
  close?(): void | Promise<void>;
}

/**
 * An outbox topic delivering through a connector, exactly once at the partner whatever fails:
 * the first try sends; every later try first asks the partner whether an earlier one took effect
 * (the dangerous case: a timeout after the partner applied the request), and sends again only on
 * `absent`. `unknown` is a retry, never a blind resend. A lookup that throws is `unknown`.
 */
export function connectorTopic(options: {
  readonly name: string;
  readonly connector: Connector;
  readonly ordering: OutboxTopic["ordering"];
  readonly policy: TopicPolicy;
}): OutboxTopic {
  const { connector } = options;
  return {
    name: options.name,
    ordering: options.ordering,
    policy: options.policy,
    async deliver(message, context) {
      if (message.destination !== connector.party) {
        return { kind: "reject", reason: `no connector for ${message.destination} on this topic` };
      }
      if (context.attempt > 1) {
        const said = await connector.lookup(message, context).catch((): PartnerLookup => "unknown");
        if (said === "applied") return { kind: "delivered" };
        if (said === "unknown") return { kind: "retry", reason: "partner-unsure" };
      }
      return connector.deliver(message, context);
    },
    ...(connector.close === undefined ? {} : { close: () => connector.close?.() }),
  };
}
