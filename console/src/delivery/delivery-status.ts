import {
  ListDeadLettersRequest,
  ListOutboxQueuesRequest,
  OutboxAdminServiceService,
  OutboxBreakerState,
  ReplayDeadLetterRequest,
} from "@hutong/proto";
import type { DeadLetterView, DeliveryView, ReplayResult } from "../api/api-types.js";
import { isConsoleError } from "../errors/console-error.js";
import type { GatewayPool } from "../gateways/gateway-pool.js";

// Delivery as each gateway's outbox reports it (OutboxAdminService): queues per topic and
// destination, dead letters (never their payloads), and replay, which the gateway records in its
// audit log with the console as the requester.

const breakers: Record<number, string> = {
  [OutboxBreakerState.OUTBOX_BREAKER_STATE_CLOSED]: "closed",
  [OutboxBreakerState.OUTBOX_BREAKER_STATE_HALF_OPEN]: "half-open",
  [OutboxBreakerState.OUTBOX_BREAKER_STATE_OPEN]: "open",
};
const iso = (d: Date | undefined) => (d ?? new Date(0)).toISOString();

export async function listDelivery(pool: GatewayPool, gateways: readonly string[]): Promise<DeliveryView> {
  return {
    gateways: await Promise.all(
      gateways.map(async (gateway) => {
        try {
          const [queues, dead] = await Promise.all([
            pool.call(gateway, OutboxAdminServiceService.listOutboxQueues, ListOutboxQueuesRequest.fromPartial({})),
            pool.call(
              gateway,
              OutboxAdminServiceService.listDeadLetters,
              ListDeadLettersRequest.fromPartial({ pageSize: 200 }),
            ),
          ]);
          return {
            gateway,
            queues: queues.queues.map((q) => ({
              topic: q.topic,
              destination: q.destination,
              pending: q.pending,
              oldestPendingAgeSeconds: q.oldestPendingAgeSeconds,
              dead: q.dead,
              breaker: breakers[q.breaker] ?? "unknown",
            })),
            deadLetters: dead.deadLetters.map(
              (d): DeadLetterView => ({
                id: d.id.toString(),
                topic: d.topic,
                destination: d.destination,
                attempts: d.attempts,
                lastError: d.lastError,
                createdAt: iso(d.createdAt),
                deadAt: iso(d.deadAt),
              }),
            ),
          };
        } catch (e) {
          if (!isConsoleError(e)) throw e;
          return { gateway, error: e.message, queues: [], deadLetters: [] };
        }
      }),
    ),
  };
}

export async function replayDeadLetter(pool: GatewayPool, gateway: string, id: bigint): Promise<ReplayResult> {
  await pool.call(gateway, OutboxAdminServiceService.replayDeadLetter, ReplayDeadLetterRequest.fromPartial({ id }));
  return { replayed: true };
}
