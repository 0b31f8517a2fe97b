import type { Logger } from "../observability/logger.js";
import type { OutboxMessage, OutboxMessageInput } from "../store/port/outbox-store.js";
import type { OutboxTopic } from "./outbox-topic.js";
import type { TopicPolicy } from "./topic-policy.js";

// What a gateway needs of a connector it hosts (docs/connectors.md). The gateway never imports a
// connector: whoever starts it (the CLI) passes the kinds it has, and the config names which one
// each `connectors.<name>` entry is. A route to a connector makes it the owner's last hop, as a
// backend is, so calls to the partner are authenticated, ACL-checked and audited like any share.

/** What the hosting gateway lends a connector. */
export interface ConnectorHost {
  /** The connector's name in the config (`connectors.<name>`). */
  readonly name: string;
  /** The hosting gateway's party. */
  readonly gateway: string;
  /** The gateway's outbox: write a message, or find one still in it (pending, in flight, blocked or dead). */
  readonly outbox: {
    enqueue(messages: readonly OutboxMessageInput[]): Promise<number>;
    find(topic: string, destination: string, idempotencyKey: string): Promise<OutboxMessage | undefined>;
  };
  /** Wake the outbox after an enqueue. */
  kick(): void;
  /** The policy the config gives this connector's topics (outbox defaults, then `connectors.<name>.outbox`). */
  readonly policy: TopicPolicy;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly now: () => number;
}

/** The call a route brings to a connector: who asked (the origin party) and by when. */
export interface ConnectorCall {
  readonly origin: string;
  readonly deadline: number | undefined;
}

/** A started connector. */
export interface RunningConnector {
  /** The partner's party id ("tax:chinatax"): its outbox messages' destination. */
  readonly party: string;
  /** Its outbox topics, registered with the gateway's dispatcher. */
  readonly topics: readonly OutboxTopic[];
  /**
   * Answers one call of the partner's contract services (its full method path), as a backend
   * would: the response message, or a WireError with its status (INVALID_ARGUMENT, UNIMPLEMENTED, ...).
   */
  call(path: string, request: Uint8Array, call: ConnectorCall): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Settings as checked by a kind: the value, or each problem with its path under `settings`. */
export type SettingsCheck<S> =
  | { readonly ok: true; readonly settings: S }
  | { readonly ok: false; readonly problems: readonly string[] };

/** A kind of connector (one partner protocol), as its package exports it. */
export interface ConnectorKind<S = unknown> {
  /** "tax-einvoice", "through-ticket", ...: what `connectors.<name>.kind` says. */
  readonly kind: string;
  /** Checks `connectors.<name>.settings` once, at start; relative paths resolve against baseDir. */
  checkSettings(value: unknown, baseDir: string): SettingsCheck<S>;
  start(settings: S, host: ConnectorHost): Promise<RunningConnector>;
}

/** Erases a kind's settings type, so kinds of different settings fit one list. */
export function connectorKind<S>(kind: ConnectorKind<S>): ConnectorKind {
  return kind as unknown as ConnectorKind;
}
