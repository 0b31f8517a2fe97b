import type { HutongClient } from "@hutong/client";
import { defaultTopicPolicy, type OutboxTopic, type TopicPolicy } from "@hutong/gateway/outbox";
import { TicketEventServiceService, TicketStatisticsServiceService } from "@hutong/proto";
import { gatewayTopic } from "@hutong/service-kit";
import { ticketEventsTopic, ticketStatisticsTopic } from "../emission/event-messages.js";

/** The province's two topics, delivering through `client` (connected to the province's gateway). */
export function gatewayTopics(client: () => HutongClient, policy: TopicPolicy = defaultTopicPolicy): OutboxTopic[] {
  return [
    gatewayTopic(ticketEventsTopic, TicketEventServiceService.deliverTicketEvents.path, client, policy),
    gatewayTopic(ticketStatisticsTopic, TicketStatisticsServiceService.reportTicketStatistics.path, client, policy),
  ];
}
