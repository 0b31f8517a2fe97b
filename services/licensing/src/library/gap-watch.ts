import type { HutongClient } from "@hutong/client";
import { LicenceIssuanceServiceService, Purpose, ResendLicenceEventsRequest } from "@hutong/proto";
import type { ServiceLog } from "@hutong/service-kit";
import { maxResend } from "../issuer/resend-limit.js";
import type { GapPolicy, LibraryStore } from "../store/port/library-store.js";
import { rangeParts } from "./sequence-gaps.js";

export interface GapWatchOptions {
  readonly store: LibraryStore;
  readonly policy: GapPolicy;
  readonly intervalMs: number;
  /** The issuer party of a province, e.g. "prov:510000/licence". */
  readonly issuerOf: (province: string) => string;
  /** Connected to the library's own gateway. */
  readonly client: () => HutongClient;
  readonly log: ServiceLog;
  readonly now: () => number;
}

export interface GapWatch {
  /** One scan now (the tests drive it); resolves with the resends asked for. */
  scan(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The library's watch over every province's sequence: each interval it records the holes, calls
 * one that outlived the grace a gap, and asks the issuing province to send its range again
 * (ResendLicenceEvents through the gateways, audited like any call). A request that fails is
 * asked again after the policy's retry interval.
 */
export function startGapWatch(options: GapWatchOptions): GapWatch {
  let running: Promise<number> | undefined;
  const scan = async (): Promise<number> => {
    // A province resends at most maxResend numbers per call: a wider gap is asked for in parts.
    const requests = (await options.store.scanGaps(options.policy, options.now())).flatMap((r) =>
      rangeParts(r, maxResend).map((part) => ({ ...r, ...part })),
    );
    for (const r of requests) {
      const request = ResendLicenceEventsRequest.encode({
        context: {
          targetParty: options.issuerOf(r.province),
          purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
          grantId: "",
          correlationId: `resend-${r.province}-${r.from}-${r.to}`,
        },
        fromSeq: r.from,
        toSeq: r.to,
      }).finish();
      try {
        await options
          .client()
          .session.call(LicenceIssuanceServiceService.resendLicenceEvents.path, Buffer.from(request), {
            deadline: Date.now() + 10_000,
          });
      } catch (e) {
        options.log.error(`resend ${r.province} ${r.from}..${r.to} failed; asked again later`, e);
      }
    }
    return requests.length;
  };
  const once = (): Promise<number> => {
    running ??= scan().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    once().catch((e: unknown) => options.log.error("gap scan failed", e));
  }, options.intervalMs);
  timer.unref();
  return {
    scan: once,
    async close() {
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
