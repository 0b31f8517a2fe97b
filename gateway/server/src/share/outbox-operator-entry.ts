import { Purpose, RecordKind } from "@hutong/proto";
import type { AuditEntryInput } from "../store/port/audit-store.js";
import type { OutboxMessage } from "../store/port/outbox-store.js";
import { auditEntryInput } from "./audit-entry.js";

/** What an operator did to an outbox message (hutong outbox replay | drop). */
export type OutboxOperatorAction = "replayed" | "dropped";

const methods: Record<OutboxOperatorAction, string> = {
  replayed: "hutong.outbox/Replay",
  dropped: "hutong.outbox/Drop",
};

/**
 * The audit entry of an operator's replay or drop: either changes what this gateway will deliver,
 * so the log keeps it like a share. Requester: the operator's id, a party id, never a person's name
 * (`hutong outbox --operator`, or the calling system's verified party through OutboxAdminService);
 * peer: the message's destination; correlation id "outbox/<topic>/<id>". Nothing of the payload.
 */
export function outboxOperatorEntry(
  action: OutboxOperatorAction,
  message: Pick<OutboxMessage, "id" | "topic" | "destination">,
  call: { readonly self: string; readonly operator: string; readonly timeMs: number },
): AuditEntryInput {
  return auditEntryInput({
    timeMs: call.timeMs,
    gatewayParty: call.self,
    role: "owner",
    method: methods[action],
    requesterParty: call.operator,
    peerParty: message.destination,
    peerCertSerial: "",
    ownerParty: call.self,
    recordKind: RecordKind.RECORD_KIND_UNSPECIFIED,
    recordDigest: null,
    subjectDigest: null,
    grantId: null,
    purpose: Purpose.PURPOSE_UNSPECIFIED,
    decision: "allow",
    reason: `outbox-${action}`,
    hops: [],
    releasedSm3: null,
    fieldsReleased: [],
    traceId: "",
    correlationId: `outbox/${message.topic}/${message.id}`,
  });
}
