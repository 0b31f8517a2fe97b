import type { HutongClient } from "@hutong/client";
import { isWireError, Status } from "@hutong/client";
import { defaultTopicPolicy, type OutboxTopic, type TopicPolicy } from "@hutong/gateway/outbox";
import { TicketEventServiceService, TicketStatisticsServiceService } from "@hutong/proto";
import { ticketEventsTopic, ticketStatisticsTopic } from "../emission/event-messages.js";

// The province's outbox topics: each message is a whole request (its RequestContext names the
// destination and the purpose), sent as is through the province's own gateway, which routes it,
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

function topic(name: string, path: string, client: () => HutongClient, policy: TopicPolicy): OutboxTopic {
  return {
    name,
    ordering: "per-key",
    policy,
    async deliver(message, context) {
      try {
        await client().session.call(path, Buffer.from(message.payload), {
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

/** The two topics, delivering through `client` (connected to the province's gateway). */
export function gatewayTopics(client: () => HutongClient, policy: TopicPolicy = defaultTopicPolicy): OutboxTopic[] {
  return [
    topic(ticketEventsTopic, TicketEventServiceService.deliverTicketEvents.path, client, policy),
    topic(ticketStatisticsTopic, TicketStatisticsServiceService.reportTicketStatistics.path, client, policy),
  ];
}
