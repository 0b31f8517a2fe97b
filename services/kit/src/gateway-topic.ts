import type { HutongClient } from "@hutong/client";
import { isWireError, Status } from "@hutong/client";
import { defaultTopicPolicy, type OutboxMessage, type OutboxTopic, type TopicPolicy } from "@hutong/gateway/outbox";

// A service's outbox topic: each message is a whole request (its RequestContext names the
// destination and the purpose), sent as is through the member's own gateway, which routes it,
// checks it against its ACL and audits the share.

/** Statuses that say the destination will never take the message: a dead letter now. */
const final = new Set<number>([
  Status.INVALID_ARGUMENT,
  Status.PERMISSION_DENIED,
  Status.FAILED_PRECONDITION,
  Status.NOT_FOUND,
  Status.UNIMPLEMENTED,
  Status.UNAUTHENTICATED,
]);

const statusNames = new Map<number, string>(Object.entries(Status).map(([name, code]) => [code, name]));

/**
 * The topic `name`, delivering each message to the method at `path` (or the path `path` names for
 * the message, where one topic carries calls of several methods that must keep one order) through
 * `client` (connected to the member's gateway), in order per key. `open` turns a stored payload into the request
 * (a service that keeps its outbox sealed at rest opens it here); by default it is sent as stored.
 */
export function gatewayTopic(
  name: string,
  path: string | ((message: OutboxMessage) => string),
  client: () => HutongClient,
  policy: TopicPolicy = defaultTopicPolicy,
  open: (payload: Uint8Array, idempotencyKey: string) => Uint8Array = (payload) => payload,
): OutboxTopic {
  return {
    name,
    ordering: "per-key",
    policy,
    async deliver(message, context) {
      try {
        const method = typeof path === "string" ? path : path(message);
        await client().session.call(method, Buffer.from(open(message.payload, message.idempotencyKey)), {
          deadline: context.deadline,
          signal: context.signal,
        });
        return { kind: "delivered" };
      } catch (e) {
        if (isWireError(e)) {
          const reason = `${statusNames.get(e.code) ?? e.code}: ${e.message}`.slice(0, 200);
          return final.has(e.code) ? { kind: "reject", reason } : { kind: "retry", reason };
        }
        throw e;
      }
    },
  };
}
