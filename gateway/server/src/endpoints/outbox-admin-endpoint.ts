import {
  type DeadLetter,
  ListDeadLettersRequest,
  ListDeadLettersResponse,
  ListOutboxQueuesRequest,
  ListOutboxQueuesResponse,
  OutboxAdminServiceService,
  OutboxBreakerState,
  type OutboxQueue,
  ReplayDeadLetterRequest,
  ReplayDeadLetterResponse,
} from "@hutong/proto";
import { type OutboxOperator, replayDeadLetter } from "../outbox/operator-actions.js";
import type { BreakerView } from "../outbox/outbox-dispatcher.js";
import { OutboxError } from "../outbox/outbox-error.js";
import { outboxOperatorEntry } from "../share/outbox-operator-entry.js";
import type { OutboxFilter, OutboxMessage, OutboxStats, OutboxStore } from "../store/port/outbox-store.js";
import { isStoreError } from "../store/port/store-error.js";
import { decodeRequest, encodeMessage } from "./message-codec.js";

/** Who called, as the session and the relay facts show it: what the ACL decided on. */
export interface OutboxAdminCaller {
  readonly party: string;
}

/** One OutboxAdminService method: the exact request bytes (already authorized) in, the response bytes out. */
export type OutboxAdminHandler = (requestBytes: Uint8Array, caller: OutboxAdminCaller) => Promise<Buffer>;

export interface OutboxAdminEndpointOptions {
  /** The gateway's store: its replay writes the audit entry in the replay's own transaction. */
  readonly store: OutboxOperator["store"] & Pick<OutboxStore, "listOutbox" | "outboxStats">;
  /** This gateway's party: the owner in the replay's audit entry. */
  readonly self: string;
  /** The breakers this process's dispatcher holds open or half-open; absent: breaker states are left unset. */
  readonly breakers?: () => readonly BreakerView[];
  /** Wakes the dispatcher, so a replayed message is tried now rather than at the next poll. */
  readonly kick: () => void;
  readonly now: () => number;
}

export const defaultDeadLetterPageSize = 100;
export const maxDeadLetterPageSize = 1000;
const maxUint32 = 0xffff_ffff;

const u32 = (n: number): number => Math.min(Math.max(0, Math.floor(n)), maxUint32);

const breakerStates: Readonly<Record<BreakerView["state"], OutboxBreakerState>> = {
  closed: OutboxBreakerState.OUTBOX_BREAKER_STATE_CLOSED,
  "half-open": OutboxBreakerState.OUTBOX_BREAKER_STATE_HALF_OPEN,
  open: OutboxBreakerState.OUTBOX_BREAKER_STATE_OPEN,
};

/** A dead letter as the service shows it: everything an operator tells messages apart by, never the payload. */
function deadLetterOf(m: OutboxMessage): DeadLetter {
  return {
    id: BigInt(m.id),
    topic: m.topic,
    destination: m.destination,
    attempts: u32(m.attempts),
    lastError: m.lastError ?? "",
    createdAt: new Date(m.createdMs),
    deadAt: m.deadMs === null ? undefined : new Date(m.deadMs),
  };
}

/**
 * The store's errors in the service's terms, as the audit endpoint does for its own: a caller's
 * mistake keeps the store's message (it names the field, never its value), a store that is down is
 * `unavailable`; anything else stays as it is and is answered INTERNAL.
 */
function fromStore(e: unknown): unknown {
  if (!isStoreError(e)) return e;
  switch (e.code) {
    case "invalid-argument":
      return new OutboxError("invalid-argument", e.message, { cause: e });
    case "unavailable":
    case "closed":
    case "overloaded":
      return new OutboxError("unavailable", "the outbox is unavailable", { cause: e });
    default:
      return e;
  }
}

function translated(handler: OutboxAdminHandler): OutboxAdminHandler {
  return async (bytes, caller) => {
    try {
      return await handler(bytes, caller);
    } catch (e) {
      throw fromStore(e);
    }
  };
}

/**
 * OutboxAdminService over the gateway's own outbox: what `hutong outbox list` and `replay` do on
 * the store, for a console that reaches the gateway only through a session. The ACL has admitted
 * the caller before these run. Breaker states are this process's dispatcher's (each replica keeps
 * its own); counts are the store's, the same on every replica.
 */
export function createOutboxAdminEndpoint(
  options: OutboxAdminEndpointOptions,
): ReadonlyMap<string, OutboxAdminHandler> {
  const { store, self, now } = options;

  const listQueues: OutboxAdminHandler = async (bytes) => {
    decodeRequest(ListOutboxQueuesRequest, bytes, "ListOutboxQueuesRequest");
    const nowMs = now();
    const stats = await store.outboxStats(nowMs);
    const breakers = options.breakers?.();
    const key = (topic: string, destination: string) => `${topic}\0${destination}`;
    const open = new Map((breakers ?? []).map((b) => [key(b.topic, b.destination), b.state]));
    const queue = (s: OutboxStats): OutboxQueue => ({
      topic: s.topic,
      destination: s.destination,
      pending: u32(s.depth),
      inFlight: u32(s.inFlight),
      blocked: u32(s.blocked),
      dead: u32(s.dead),
      oldestPendingAgeSeconds: s.oldestCreatedMs === null ? 0 : u32((nowMs - s.oldestCreatedMs) / 1000),
      // A breaker the dispatcher does not hold is closed (closed is its default and is not kept).
      breaker:
        breakers === undefined
          ? OutboxBreakerState.OUTBOX_BREAKER_STATE_UNSPECIFIED
          : breakerStates[open.get(key(s.topic, s.destination)) ?? "closed"],
    });
    const queues = stats.map(queue);
    // A breaker still open for a destination whose messages are all gone (delivered elsewhere, dropped).
    const listed = new Set(stats.map((s) => key(s.topic, s.destination)));
    for (const b of breakers ?? []) {
      if (listed.has(key(b.topic, b.destination))) continue;
      queues.push(
        queue({
          topic: b.topic,
          destination: b.destination,
          depth: 0,
          inFlight: 0,
          blocked: 0,
          dead: 0,
          oldestCreatedMs: null,
        }),
      );
    }
    queues.sort((a, b) => (a.topic === b.topic ? compare(a.destination, b.destination) : compare(a.topic, b.topic)));
    return encodeMessage(ListOutboxQueuesResponse, { queues });
  };

  const listDeadLetters: OutboxAdminHandler = async (bytes) => {
    const req = decodeRequest(ListDeadLettersRequest, bytes, "ListDeadLettersRequest");
    const filter: OutboxFilter = {
      state: "dead",
      pageSize: req.pageSize === 0 ? defaultDeadLetterPageSize : Math.min(req.pageSize, maxDeadLetterPageSize),
      ...(req.topic === "" ? {} : { topic: req.topic }),
      ...(req.destination === "" ? {} : { destination: req.destination }),
      ...(req.pageToken === "" ? {} : { pageToken: req.pageToken }),
    };
    const page = await store.listOutbox(filter, now());
    return encodeMessage(ListDeadLettersResponse, {
      deadLetters: page.messages.map(deadLetterOf),
      nextPageToken: page.nextPageToken ?? "",
    });
  };

  const replay: OutboxAdminHandler = async (bytes, caller) => {
    const req = decodeRequest(ReplayDeadLetterRequest, bytes, "ReplayDeadLetterRequest");
    if (req.id === 0n) throw new OutboxError("invalid-argument", "id must be an outbox message id (1 or more)");
    // Ids are assigned from 1 up; none reaches 2^53.
    if (req.id > BigInt(Number.MAX_SAFE_INTEGER)) throw new OutboxError("not-found", `no outbox message ${req.id}`);
    // Exactly `hutong outbox replay`: the same store call, the same audit entry in its transaction,
    // with the calling system (the console) as the operator who acted.
    const operator: OutboxOperator = {
      store,
      now,
      auditEntry: (action, message) =>
        outboxOperatorEntry(action, message, { self, operator: caller.party, timeMs: now() }),
    };
    const done = await replayDeadLetter(operator, Number(req.id));
    options.kick();
    return encodeMessage(ReplayDeadLetterResponse, {
      replayed: deadLetterOf(done.message),
      auditIndex: done.auditIndex === undefined ? undefined : BigInt(done.auditIndex),
    });
  };

  return new Map<string, OutboxAdminHandler>([
    [OutboxAdminServiceService.listOutboxQueues.path, translated(listQueues)],
    [OutboxAdminServiceService.listDeadLetters.path, translated(listDeadLetters)],
    [OutboxAdminServiceService.replayDeadLetter.path, translated(replay)],
  ]);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
