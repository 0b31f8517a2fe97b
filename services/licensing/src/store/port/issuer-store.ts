import type { OutboxStore } from "@hutong/gateway/outbox";
import type {
  Licence,
  LicenceKind,
  LicenceState,
  Purpose,
  RecordedLicenceEvent,
  RecordedLicenceResult,
} from "@hutong/proto";
import type { IssuerSeal } from "../../issuer/seal-file.js";

/** What the issuer's store is opened with. */
export interface IssuerStoreOptions {
  /** GB/T 2260 code of the province, and the licence system's party (the QR payloads' issuer). */
  readonly province: string;
  readonly party: string;
  /** The ministry's licence library, where every event goes (e.g. "mot/licence"). */
  readonly library: string;
  readonly purpose: Purpose;
  /** SM4 key (32 bytes) for licences and events at rest. */
  readonly sealKey: Uint8Array;
  /** The issuing authority's seal over each licence file. */
  readonly seal: IssuerSeal;
  /**
   * A fault to inject, for the scenario: events of this range of the province's sequence are
   * recorded but not queued for the library the first time, as if lost on the way, so the library
   * must find the gap and ask for them.
   */
  readonly dropRange?: { readonly from: bigint; readonly to: bigint };
}

export interface RecordResult {
  readonly results: readonly RecordedLicenceResult[];
  /** Outbox messages written. */
  readonly enqueued: number;
}

/** E-licences of one kind the province holds, any status. */
export interface HeldCount {
  readonly kind: LicenceKind;
  readonly electronic: number;
  /** Of which valid: status valid and within their validity. */
  readonly valid: number;
}

/** A province licence system's store: licences, the event sequence, the outbox to the library. */
export interface IssuerStore {
  readonly outbox: OutboxStore;
  /** Decides and writes a batch from the 运政 system in one transaction; answers after the commit. */
  record(events: readonly RecordedLicenceEvent[], nowMs: number): Promise<RecordResult>;
  /**
   * Applies an approved maintenance request: each licence's corrections as one CHANGED event (key
   * `maint-<request>-<licence>`, so applying it again is a duplicate), all or nothing.
   */
  applyMaintenance(
    requestId: string,
    corrections: ReadonlyMap<string, readonly { readonly field: string; readonly correctedValue: string }[]>,
    nowMs: number,
  ): Promise<RecordResult>;
  /** Queues the events of [from, to] for the library again; `queued` counts those queued now. */
  resend(from: bigint, to: bigint, nowMs: number): Promise<{ readonly queued: number; readonly headSeq: bigint }>;
  /** Queues the province's counts for the library (one message per `key`). */
  enqueueCounts(key: string, payload: Uint8Array, nowMs: number): Promise<number>;
  licence(licenceId: string): Promise<Licence | undefined>;
  /** Licences' versions, statuses and validity, by licence id after `after`, at most `limit`. */
  states(after: string, limit: number): Promise<readonly LicenceState[]>;
  headSeq(): Promise<bigint>;
  /** E-licences by kind, and of those the ones valid on `today` ("YYYY-MM-DD", Beijing time). */
  held(today: string): Promise<readonly HeldCount[]>;
  close(): Promise<void>;
}
