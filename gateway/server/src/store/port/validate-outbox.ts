import type { OutboxClaim, OutboxFilter, OutboxMessageInput, OutboxSettlement } from "./outbox-store.js";
import { outboxMessageStates } from "./outbox-store.js";
import { StoreError } from "./store-error.js";
import { maxPageSize } from "./validate-input.js";

// Argument checks of the outbox operations, shared by both adapters (and by the reusable SQL
// helpers other stores call), done before any SQL. Messages name the field, never its value.

/** Topic names: what metrics label and configs key by, so a closed, plain alphabet. */
export const outboxTopicPattern = /^[a-z][a-z0-9-]{0,62}$/;
/** Largest payload: a gRPC message's default limit. */
export const maxOutboxPayloadBytes = 4 * 1024 * 1024;
const maxKeyLength = 512;
/** Longest stored error text; longer reasons are cut. */
export const maxOutboxErrorLength = 500;

function invalid(message: string): StoreError {
  return new StoreError("invalid-argument", message);
}

function checkKey(value: unknown, what: string): void {
  if (typeof value !== "string" || value.length === 0 || value.length > maxKeyLength) {
    throw invalid(`${what} must be a string of 1 to ${maxKeyLength} characters`);
  }
}

function checkTime(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw invalid(`${what} must be a non-negative integer of ms`);
}

export function checkOutboxTopic(topic: unknown, what = "topic"): void {
  if (typeof topic !== "string" || !outboxTopicPattern.test(topic)) {
    throw invalid(`${what} must be 1 to 63 lowercase letters, digits or "-", starting with a letter`);
  }
}

export function checkOutboxMessage(message: OutboxMessageInput, position: number): void {
  const at = `outbox message ${position}`;
  checkOutboxTopic(message.topic, `${at}: topic`);
  checkKey(message.destination, `${at}: destination`);
  checkKey(message.idempotencyKey, `${at}: idempotencyKey`);
  if (message.orderingKey !== null) checkKey(message.orderingKey, `${at}: orderingKey`);
  if (!(message.payload instanceof Uint8Array) || message.payload.length > maxOutboxPayloadBytes) {
    throw invalid(`${at}: payload must be at most ${maxOutboxPayloadBytes} bytes`);
  }
}

export function checkOutboxMessages(messages: readonly OutboxMessageInput[], nowMs?: number): void {
  if (!Array.isArray(messages)) throw invalid("outbox messages must be an array");
  messages.forEach(checkOutboxMessage);
  if (nowMs !== undefined) checkTime(nowMs, "nowMs");
}

export function checkOutboxId(id: number): void {
  if (!Number.isSafeInteger(id) || id < 1) throw invalid("an outbox message id is a positive integer");
}

export function checkOutboxClaim(claim: OutboxClaim): void {
  checkKey(claim.leaseToken, "leaseToken");
  checkTime(claim.nowMs, "nowMs");
  checkTime(claim.leaseUntilMs, "leaseUntilMs");
  if (claim.leaseUntilMs <= claim.nowMs) throw invalid("leaseUntilMs must be after nowMs");
  if (!Number.isSafeInteger(claim.limit) || claim.limit < 1 || claim.limit > maxPageSize) {
    throw invalid(`limit must be an integer from 1 to ${maxPageSize}`);
  }
  for (const topic of claim.topics) checkOutboxTopic(topic);
  for (const s of claim.skip) {
    checkOutboxTopic(s.topic);
    checkKey(s.destination, "skip destination");
  }
}

export function checkOutboxSettlements(leaseToken: string, settlements: readonly OutboxSettlement[]): void {
  checkKey(leaseToken, "leaseToken");
  for (const s of settlements) {
    checkOutboxId(s.id);
    if (s.outcome === "retry") checkTime(s.nextAttemptMs, "nextAttemptMs");
    else if (s.outcome !== "delivered" && s.outcome !== "dead" && s.outcome !== "release") {
      throw invalid("a settlement's outcome is delivered, retry, dead or release");
    }
  }
}

export function checkOutboxFilter(filter: OutboxFilter): void {
  if (!Number.isSafeInteger(filter.pageSize) || filter.pageSize < 1 || filter.pageSize > maxPageSize) {
    throw invalid(`pageSize must be an integer from 1 to ${maxPageSize}`);
  }
  if (filter.topic !== undefined) checkOutboxTopic(filter.topic);
  if (filter.destination !== undefined) checkKey(filter.destination, "destination");
  if (filter.state !== undefined && !outboxMessageStates.includes(filter.state)) {
    throw invalid(`state must be one of ${outboxMessageStates.join(", ")}`);
  }
}

/** A failure reason as stored: cut to a bounded length. */
export function outboxErrorText(error: string): string {
  return error.length <= maxOutboxErrorLength ? error : `${error.slice(0, maxOutboxErrorLength - 1)}…`;
}
