import type { HutongClient } from "@hutong/client";
import { type DataFinding, LicenceIssuanceServiceService, type LicenceState, Purpose } from "@hutong/proto";
import type { ServiceLog } from "@hutong/service-kit";
import type { DataCheckResult, LibraryStore } from "../store/port/library-store.js";
import { truthFinding } from "./data-checks.js";

export interface DataCheckJobOptions {
  readonly store: LibraryStore;
  /** Connected to the library's own gateway. */
  readonly client: () => HutongClient;
  /** The issuer party of a province, e.g. "prov:510000/licence". */
  readonly issuerOf: (province: string) => string;
  readonly intervalMs: number;
  /** An event aggregated later than this after the issuer recorded it is a timeliness finding. */
  readonly timelinessMs: number;
  readonly log: ServiceLog;
  readonly now: () => number;
}

export interface DataCheckJob {
  /** One run over every province now; resolves with the runs recorded. */
  run(): Promise<readonly DataCheckResult[]>;
  close(): Promise<void>;
}

/**
 * The library's scheduled data checks (第十一条): every interval, for each province, its licences
 * compared with the issuing province's own states (真实性: all of them, page by page through the
 * gateways, audited), then the checks the library makes alone (完整性, 有效性, 及时性), recorded as
 * one run. A province whose licence system cannot be reached is checked at the next interval.
 */
export function startDataCheckJob(options: DataCheckJobOptions): DataCheckJob {
  const { store } = options;

  async function issuerStates(province: string, after: string): Promise<{ states: LicenceState[]; next: string }> {
    const r = await options.client().unary(LicenceIssuanceServiceService.listLicenceStates, {
      context: {
        targetParty: options.issuerOf(province),
        purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
        grantId: "",
        correlationId: `data-check-${province}`,
      },
      afterLicenceId: after,
      limit: 1000,
    });
    return { states: r.states, next: r.nextAfter };
  }

  async function truthfulness(province: string): Promise<{ findings: DataFinding[]; sampled: number }> {
    // A copy the library changed after this instant may be newer than the issuer's page that
    // answered before it: compared next run, not called untrue now.
    const startedMs = options.now();
    const findings: DataFinding[] = [];
    let sampled = 0;
    let after = "";
    for (;;) {
      const page = await issuerStates(province, after);
      // The library's copies in the same stretch of ids as the page: (after, next], or all the rest.
      const copies = await store.copies(province, after, page.next);
      const theirs = new Map(page.states.map((s) => [s.licenceId, s]));
      for (const copy of copies) {
        if (copy.updatedMs >= startedMs) continue;
        sampled += 1;
        const f = truthFinding(copy, theirs.get(copy.licenceId));
        if (f !== undefined) findings.push(f);
      }
      if (page.next === "" || page.next <= after) break;
      after = page.next;
    }
    return { findings, sampled };
  }

  let running: Promise<readonly DataCheckResult[]> | undefined;
  const runAll = async (): Promise<readonly DataCheckResult[]> => {
    const results: DataCheckResult[] = [];
    for (const province of await store.provinces()) {
      const at = options.now();
      let truth: { findings: DataFinding[]; sampled: number };
      try {
        truth = await truthfulness(province);
      } catch (e) {
        options.log.error(`data checks of ${province}: its licence system did not answer; checked again later`, e);
        continue;
      }
      results.push(await store.recordDataChecks(province, truth, { timelinessMs: options.timelinessMs }, at));
    }
    return results;
  };
  const run = (): Promise<readonly DataCheckResult[]> => {
    running ??= runAll().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    run().catch((e: unknown) => options.log.error("data checks failed", e));
  }, options.intervalMs);
  timer.unref();
  return {
    run,
    async close() {
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
