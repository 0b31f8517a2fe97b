import { sm3 } from "@hutong/certs";
import type { OutboxMessage, OutboxStats } from "@hutong/gateway/outbox";

export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86_400)}d${String(Math.floor((s % 86_400) / 3600)).padStart(2, "0")}h`;
}

export const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * A message as JSON: everything but the payload, which is shown by size and SM3 digest only (a
 * future topic's payload may carry personal data; the operator needs to tell messages apart, not
 * read them).
 */
export function messageJson(m: OutboxMessage) {
  return {
    id: m.id,
    topic: m.topic,
    destination: m.destination,
    state: m.state,
    idempotencyKey: m.idempotencyKey,
    orderingKey: m.orderingKey,
    attempts: m.attempts,
    created: iso(m.createdMs),
    nextAttempt: iso(m.nextAttemptMs),
    leaseUntil: iso(m.leaseUntilMs),
    dead: iso(m.deadMs),
    lastError: m.lastError,
    payloadBytes: m.payload.length,
    payloadSm3: Buffer.from(sm3(m.payload)).toString("hex"),
  };
}

export function statsLine(s: OutboxStats, nowMs: number): string {
  const oldest = s.oldestCreatedMs === null ? "" : `, oldest ${age(nowMs - s.oldestCreatedMs)}`;
  return (
    `${s.topic} → ${s.destination}: ${s.depth} to deliver (${s.inFlight} in flight, ${s.blocked} blocked), ` +
    `${s.dead} dead${oldest}`
  );
}

export function statsJson(s: OutboxStats, nowMs: number) {
  const { oldestCreatedMs, ...counts } = s;
  return {
    ...counts,
    oldestCreated: iso(oldestCreatedMs),
    oldestAgeSeconds: oldestCreatedMs === null ? null : Math.max(0, (nowMs - oldestCreatedMs) / 1000),
  };
}
