import type { ConnectorHost } from "@hutong/gateway/ports";
import { ApplyLegNoticeRequest, Purpose } from "@hutong/proto";
import { startRepeatingTask } from "@hutong/service-kit";
import type { PartnerProtocol } from "./partner-protocols.js";

// The partner's notice feed into the hosting gateway's outbox (docs/connectors.md §4): a page is
// pulled, each notice written as a message to its selling province's e-ticket service, and only
// then acknowledged to the partner. A crash in between pulls the page again; the outbox takes a
// message once while it holds it and the province applies each notice once, so "again" is safe.

export interface NoticePumpOptions {
  readonly party: string;
  readonly protocol: PartnerProtocol;
  readonly topic: string;
  readonly outbox: ConnectorHost["outbox"];
  readonly kick: () => void;
  /** The e-ticket service of a province ("prov:{province}/ticketing"). */
  readonly ticketing: string;
  readonly seal: (payload: Uint8Array, key: string) => Uint8Array;
  readonly pageSize: number;
  readonly pollIntervalMs: number;
  readonly requestTimeoutMs: number;
  readonly onProblem: (what: string) => void;
}

export interface NoticePump {
  /** One page: how many notices were handed on and acknowledged. */
  runOnce(): Promise<number>;
  close(): Promise<void>;
}

export function startNoticePump(options: NoticePumpOptions): NoticePump {
  const { protocol } = options;

  async function runOnce(): Promise<number> {
    const pulled = await protocol.pull(options.pageSize, AbortSignal.timeout(options.requestTimeoutMs));
    if (pulled.kind !== "ok") {
      if (pulled.kind === "no-answer") options.onProblem(`pull: ${pulled.reason}`);
      return 0;
    }
    const messages = [];
    const taken: string[] = [];
    // A journey's notices go in order: once one of them cannot be handed on, the rest of that
    // journey in this page wait too (unacknowledged, pulled again), and the operator is told.
    const held = new Set<string>();
    for (const u of pulled.value.unreadable) {
      held.add(u.journeyId);
      options.onProblem(`notice ${u.noticeId} of journey ${u.journeyId} cannot be read: ${u.why}`);
    }
    for (const notice of pulled.value.notices) {
      const journeyId = notice.partnerLeg?.journeyId ?? "";
      if (held.has(journeyId)) continue;
      const province = notice.roadLeg?.issuerProvince ?? "";
      const problem = !/^[\x21-\x7e]{1,64}$/.test(notice.noticeId)
        ? "a notice id of 1 to 64 printable characters"
        : !/^[0-9A-Za-z_-]{1,64}$/.test(journeyId)
          ? "a journey id of 1 to 64 of [0-9A-Za-z_-]"
          : !/^\d{2}0000$/.test(province)
            ? "the road leg's selling province"
            : undefined;
      if (problem !== undefined) {
        held.add(journeyId);
        options.onProblem(`notice ${notice.noticeId.slice(0, 64)} lacks ${problem}`);
        continue;
      }
      const destination = options.ticketing.replace("{province}", province);
      const key = `${options.party}#${notice.noticeId}`;
      const payload = ApplyLegNoticeRequest.encode({
        context: { targetParty: destination, purpose: Purpose.PURPOSE_THROUGH_TICKET, grantId: "", correlationId: key },
        notice,
      }).finish();
      messages.push({
        topic: options.topic,
        destination,
        idempotencyKey: key,
        orderingKey: journeyId,
        payload: options.seal(payload, key),
      });
      taken.push(notice.noticeId);
    }
    if (messages.length > 0) {
      await options.outbox.enqueue(messages);
      options.kick();
    }
    if (taken.length > 0) {
      const acked = await protocol.ack(taken, AbortSignal.timeout(options.requestTimeoutMs));
      if (acked.kind !== "ok") options.onProblem(`ack: ${acked.kind === "no-answer" ? acked.reason : "not found"}`);
    }
    return taken.length;
  }

  const task = startRepeatingTask(
    async () => (await runOnce()) >= options.pageSize,
    options.pollIntervalMs,
    (e) => options.onProblem(`pump: ${(e as Error).message}`),
  );
  return {
    runOnce,
    close: () => task.close(),
  };
}
