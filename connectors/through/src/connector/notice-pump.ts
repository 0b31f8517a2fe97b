import type { ConnectorHost } from "@hutong/gateway/ports";
import { ApplyLegNoticeRequest, Purpose } from "@hutong/proto";
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
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  async function runOnce(): Promise<number> {
    const pulled = await protocol.pull(options.pageSize, AbortSignal.timeout(options.requestTimeoutMs));
    if (pulled.kind !== "ok") {
      if (pulled.kind === "no-answer") options.onProblem(`pull: ${pulled.reason}`);
      return 0;
    }
    const messages = [];
    const taken: string[] = [];
    for (const notice of pulled.value) {
      const journeyId = notice.partnerLeg?.journeyId ?? "";
      const province = notice.roadLeg?.issuerProvince;
      if (province === undefined || !/^\d{6}$/.test(province)) {
        // A notice that names no selling province cannot be handed on; it stays unacknowledged
        // (and is pulled again) until an operator sees it.
        options.onProblem(`notice ${notice.noticeId.slice(0, 64)} names no selling province`);
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

  const tick = () => {
    if (closed) return;
    running = runOnce()
      .catch((e: unknown) => {
        options.onProblem(`pump: ${(e as Error).message}`);
        return 0;
      })
      .then((n) => {
        if (!closed) timer = setTimeout(tick, n >= options.pageSize ? 0 : options.pollIntervalMs);
      });
  };
  timer = setTimeout(tick, options.pollIntervalMs);
  return {
    runOnce,
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}
