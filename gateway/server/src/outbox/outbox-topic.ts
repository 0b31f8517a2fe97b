import type { OutboxMessage, OutboxMessageInput } from "../store/port/outbox-store.js";
import type { TopicPolicy } from "./topic-policy.js";

/**
 * What one try of one message came to. `delivered`: the destination has it (or already had it).
 * `retry`: no answer, or a transient one (unreachable, timeout, unavailable): try again later.
 * `reject`: the destination answered that it never will accept it: a dead letter now. Reasons
 * are status names and short texts for operators, never the payload.
 */
export type DeliveryResult =
  | { readonly kind: "delivered" }
  | { readonly kind: "retry"; readonly reason: string }
  | { readonly kind: "reject"; readonly reason: string };

export interface DeliveryContext {
  /** Aborted when the dispatcher gives up on this try (its deadline) or closes. */
  readonly signal: AbortSignal;
  /** Wall-clock epoch ms: the try must be over by then (the message's lease outlasts it). */
  readonly deadline: number;
  /** This try's number: 1 for the first. */
  readonly attempt: number;
}

/** Delivers one message of a topic. A throw counts as `retry` with the error's name. */
export type Deliverer = (message: OutboxMessage, context: DeliveryContext) => Promise<DeliveryResult>;

/**
 * A topic as registered with a dispatcher. The engine knows nothing of what a topic means: it
 * claims the topic's due messages, hands each to `deliver` and settles it by `policy`.
 */
export interface OutboxTopic {
  /** 1..63 lowercase letters, digits and "-". */
  readonly name: string;
  readonly deliver: Deliverer;
  /**
   * "per-key": messages with one ordering key (per destination) go one at a time, in enqueue
   * order, each only after the one before is delivered, dropped or replayed; "none": every
   * message independent (ordering keys are not written).
   */
  readonly ordering: "per-key" | "none";
  readonly policy: TopicPolicy;
  /** Called once by the dispatcher's close(), after the last try (sessions, channels). */
  close?(): void | Promise<void>;
}

/** A message of `topic` to write with the fact that causes it; its ordering key kept only on an ordered topic. */
export function topicMessage(
  topic: Pick<OutboxTopic, "name" | "ordering">,
  message: Omit<OutboxMessageInput, "topic" | "orderingKey"> & { readonly orderingKey?: string | null },
): OutboxMessageInput {
  return {
    topic: topic.name,
    destination: message.destination,
    idempotencyKey: message.idempotencyKey,
    orderingKey: topic.ordering === "per-key" ? (message.orderingKey ?? null) : null,
    payload: message.payload,
  };
}
