import type { AuditEntryInput } from "../store/port/audit-store.js";
import type { OutboxAction, OutboxMessage, OutboxStore } from "../store/port/outbox-store.js";
import { OutboxError } from "./outbox-error.js";

/** What an operator's action needs: the store, how to word its audit entry, a clock. */
export interface OutboxOperator {
  readonly store: Pick<OutboxStore, "getOutboxMessage" | "replayOutboxMessage" | "dropOutboxMessage">;
  /** The audit entry of the action; written in the action's own transaction. */
  readonly auditEntry: (action: "replayed" | "dropped", message: OutboxMessage) => AuditEntryInput;
  readonly now: () => number;
}

/** A done action: the message as it was before it, and where its audit entry landed. */
export interface OperatorActionDone {
  readonly message: OutboxMessage;
  readonly auditIndex: number | undefined;
}

function settled(id: number, result: OutboxAction): OperatorActionDone {
  switch (result.outcome) {
    case "done":
      return { message: result.message, auditIndex: result.auditIndex };
    case "not-found":
      throw new OutboxError("not-found", `no outbox message ${id} (delivered, dropped, or never there)`);
    case "in-flight":
      throw new OutboxError("in-flight", `outbox message ${id} is being delivered now; try again once it has settled`);
    case "not-dead":
      throw new OutboxError("not-dead", `outbox message ${id} is ${result.message.state}, not a dead letter`);
  }
}

/**
 * Ids are never reused and a message's topic and destination never change, so the entry can be
 * worded from a read before the action: the store writes it only if the action is done.
 */
async function act(operator: OutboxOperator, action: "replayed" | "dropped", id: number): Promise<OperatorActionDone> {
  const nowMs = operator.now();
  const before = await operator.store.getOutboxMessage(id, nowMs);
  if (before === undefined) return settled(id, { outcome: "not-found" });
  const entry = operator.auditEntry(action, before);
  const result =
    action === "replayed"
      ? await operator.store.replayOutboxMessage(id, nowMs, entry)
      : await operator.store.dropOutboxMessage(id, nowMs, entry);
  return settled(id, result);
}

/** Puts a dead letter back to pending (due now, attempts 0), recording it in the audit log; OutboxError if it cannot. */
export function replayDeadLetter(operator: OutboxOperator, id: number): Promise<OperatorActionDone> {
  return act(operator, "replayed", id);
}

/** Removes a message for good (it will never be delivered), recording it in the audit log; OutboxError if it cannot. */
export function dropMessage(operator: OutboxOperator, id: number): Promise<OperatorActionDone> {
  return act(operator, "dropped", id);
}
