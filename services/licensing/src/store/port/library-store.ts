import type { OutboxStore } from "@hutong/gateway/outbox";
import type {
  AggregateLicenceEventsResponse,
  DataCheckRun,
  DataFinding,
  LicenceEvent,
  LicenceRates,
  MaintenanceDecision,
  MaintenanceRequest,
  MaintenanceRequestStatus,
  MaintenanceStateCount,
  ProvinceAggregation,
  ReportLicenceCountsRequest,
  SignedStatement,
} from "@hutong/proto";
import type { SeqRange } from "../../library/sequence-gaps.js";

export interface LibraryStoreOptions {
  /** SM4 key (32 bytes) for licences, events and maintenance requests at rest. */
  readonly sealKey: Uint8Array;
  /** The licence system of a province (e.g. "prov:510000/licence"): where an approved request goes. */
  readonly issuerOf: (province: string) => string;
  /** The lag alert: the p99 of the events applied in the last `windowS` seconds over `alertMs`. */
  readonly lag?: { readonly windowS: number; readonly alertMs: number };
}

/** A licence as the library holds it, for the truthfulness check. */
export interface LibraryCopy {
  readonly licenceId: string;
  readonly version: number;
  readonly status: number;
  readonly validTo: string;
  /** When the library last applied an event of it. */
  readonly updatedMs: number;
}

/** One run of the data checks over one province, and what it found. */
export interface DataCheckResult {
  readonly run: DataCheckRun;
  readonly findings: readonly DataFinding[];
}

/** A resend the library asks a province for. */
export interface ResendRequest extends SeqRange {
  readonly province: string;
}

export interface GapPolicy {
  /** A hole younger than this is events overtaking each other on the way, not yet a gap. */
  readonly graceMs: number;
  /** A gap still open this long after its last request is asked for again. */
  readonly retryMs: number;
}

/** The ministry's licence library. */
export interface LibraryStore {
  /** Messages to the provinces (approved maintenance requests). */
  readonly outbox: OutboxStore;
  /** Records a filed request (its signature checked by the caller), checking what it names; idempotent per body. */
  fileMaintenance(
    statement: SignedStatement,
    request: MaintenanceRequest,
    party: string,
    nowMs: number,
  ): Promise<MaintenanceRequestStatus>;
  /** Records a decision on a filed request; an approval is queued for the province with it. */
  decideMaintenance(
    statement: SignedStatement,
    decision: MaintenanceDecision,
    party: string,
    nowMs: number,
  ): Promise<{ readonly status: MaintenanceRequestStatus; readonly enqueued: number }>;
  maintenance(province: string, requestId: string): Promise<MaintenanceRequestStatus | undefined>;
  /**
   * How many requests stand in each state: one row per province and state that has any, by
   * province then state; `province` undefined: every province.
   */
  countMaintenance(province: string | undefined): Promise<readonly MaintenanceStateCount[]>;
  /** Takes a province's events in one transaction: each exactly once, applied in sequence, the rest held. */
  aggregate(province: string, events: readonly LicenceEvent[], nowMs: number): Promise<AggregateLicenceEventsResponse>;
  /** Records a province's counts; answers its applied sequence. */
  report(province: string, request: ReportLicenceCountsRequest, nowMs: number): Promise<bigint>;
  /** Finds the gaps in every province's sequence and says which ranges to ask for now. */
  scanGaps(policy: GapPolicy, nowMs: number): Promise<readonly ResendRequest[]>;
  rates(province: string, period: string): Promise<LicenceRates>;
  status(province: string): Promise<readonly ProvinceAggregation[]>;
  /** Provinces the library has heard from. */
  provinces(): Promise<readonly string[]>;
  /** The library's copies of a province's licences, by licence id in (from, to] (to "": no end). */
  copies(province: string, from: string, to: string): Promise<readonly LibraryCopy[]>;
  /**
   * The checks the library can make alone (completeness, validity, timeliness of the events
   * applied since the province's previous run), with `truthfulness` findings the caller made
   * against the issuer, recorded as one run.
   */
  recordDataChecks(
    province: string,
    truthfulness: { readonly findings: readonly DataFinding[]; readonly sampled: number },
    policy: { readonly timelinessMs: number },
    nowMs: number,
  ): Promise<DataCheckResult>;
  /** A run's findings: the latest run when `runId` is "". */
  dataFindings(province: string, runId: string, limit: number): Promise<DataCheckResult | undefined>;
  close(): Promise<void>;
}
