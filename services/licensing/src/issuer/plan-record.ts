import {
  EventOutcome,
  type Licence,
  type LicenceEvent,
  LicenceEventKind,
  type LicenceKind,
  type RecordedLicenceEvent,
  type RecordedLicenceResult,
  type SealedLicenceFile,
} from "@hutong/proto";
import { applyTransition, type LifecycleState } from "@hutong/service-kit";
import { licenceLifecycle } from "../licence-lifecycle.js";
import { licensingStatus } from "../licensing-error.js";

// The issuer's decision on a batch of events from its 运政 system, pure: which are applied (and
// with which place in the province's sequence and which licence version), which are duplicates
// of an idempotency key taken before, which are refused and why. The store reads the facts,
// calls planRecord and writes the plan in one transaction.

/** A licence as the issuer holds it. */
export interface StoredLicence {
  readonly version: number;
  readonly kind: LicenceKind;
  readonly state: LifecycleState;
  readonly statusUpdatedAt?: Date | undefined;
}

/** What planRecord needs from the store, read in the transaction. */
export interface RecordReads {
  /** The last sequence number the province assigned. */
  readonly headSeq: bigint;
  /** Idempotency keys applied before: their sequence number and licence version. */
  readonly takenKeys: ReadonlyMap<string, { readonly seq: bigint; readonly version: number }>;
  /** The licences the batch names that exist. */
  readonly licences: ReadonlyMap<string, StoredLicence>;
}

export interface RecordContext {
  /** GB/T 2260 code of the issuing province. */
  readonly province: string;
  /** The sealed file of a licence as it stands (the issuing authority's signature). */
  readonly seal: (licence: Licence) => SealedLicenceFile;
  /** The licence's signed QR payload as it stands (its id, kind and validity). */
  readonly qr: (licence: Licence) => string;
}

/** A licence after the batch: what the store writes to its row. */
export interface PlannedLicence {
  readonly licenceId: string;
  readonly version: number;
  readonly kind: LicenceKind;
  readonly status: number;
  readonly insert: boolean;
  readonly licence: Licence;
}

export interface RecordPlan {
  readonly results: readonly RecordedLicenceResult[];
  /** Applied events, in sequence order, each with its sealed file where it carries one. */
  readonly events: readonly LicenceEvent[];
  readonly licences: readonly PlannedLicence[];
  readonly headSeq: bigint;
}

/** The keys and licence ids a batch needs read. */
export function recordReads(events: readonly RecordedLicenceEvent[]): {
  readonly keys: readonly string[];
  readonly licenceIds: readonly string[];
} {
  return {
    keys: [...new Set(events.map((e) => e.idempotencyKey))],
    licenceIds: [...new Set(events.flatMap((e) => (e.licence?.licenceId ? [e.licence.licenceId] : [])))],
  };
}

/** Kinds whose event leaves the licence file unchanged: no new seal. */
const fileUnchanged = new Set<number>([LicenceEventKind.LICENCE_EVENT_KIND_ACTIVATED]);

const refused = (key: string, code: keyof typeof licensingStatus, reason: string): RecordedLicenceResult => ({
  idempotencyKey: key,
  outcome: EventOutcome.EVENT_OUTCOME_REFUSED,
  provinceSeq: 0n,
  licenceVersion: 0,
  code: licensingStatus[code],
  reason,
});

function malformation(e: RecordedLicenceEvent): string | undefined {
  if (e.idempotencyKey === "" || e.idempotencyKey.length > 128) return "idempotency_key must be 1 to 128 characters";
  if (e.licence === undefined) return "the event carries no licence";
  if (e.licence.licenceId === "" || e.licence.licenceId.length > 64)
    return "licence.licence_id must be 1 to 64 characters";
  if (e.occurredAt === undefined) return "occurred_at is missing";
  if (!Number.isFinite(e.occurredAt.getTime())) return "occurred_at is out of range";
  if (e.reason.length > 500) return "reason is longer than 500 characters";
  return undefined;
}

/** Decides `events` in their order against `reads`. */
export function planRecord(
  context: RecordContext,
  events: readonly RecordedLicenceEvent[],
  reads: RecordReads,
  nowMs: number,
): RecordPlan {
  let head = reads.headSeq;
  const taken = new Map(reads.takenKeys);
  const current = new Map<string, StoredLicence & { readonly insert: boolean; readonly licence?: Licence }>(
    [...reads.licences].map(([id, l]) => [id, { ...l, insert: false }]),
  );
  const touched = new Set<string>();
  const results: RecordedLicenceResult[] = [];
  const applied: LicenceEvent[] = [];

  for (const e of events) {
    const before = taken.get(e.idempotencyKey);
    if (before !== undefined) {
      results.push({
        idempotencyKey: e.idempotencyKey,
        outcome: EventOutcome.EVENT_OUTCOME_DUPLICATE,
        provinceSeq: before.seq,
        licenceVersion: before.version,
        code: "",
        reason: "",
      });
      continue;
    }
    const bad = malformation(e);
    if (bad !== undefined) {
      results.push(refused(e.idempotencyKey, "malformed", bad));
      continue;
    }
    const licence = e.licence as Licence;
    const id = licence.licenceId;
    const held = current.get(id);
    if (held !== undefined && held.kind !== licence.kind) {
      results.push(
        refused(e.idempotencyKey, "kind-changed", `licence ${id} is of kind ${held.kind}, not ${licence.kind}`),
      );
      continue;
    }
    const outcome = applyTransition(licenceLifecycle, e.kind, held?.state);
    if (!outcome.ok) {
      results.push(refused(e.idempotencyKey, outcome.code, outcome.reason));
      continue;
    }
    head += 1n;
    const version = (held?.version ?? 0) + 1;
    // The lifecycle's one axis is the licence's status, and every kind leaves it set.
    const status = outcome.state.status ?? 0;
    const statusChanged = held?.state.status !== status;
    const statusUpdatedAt = statusChanged ? e.occurredAt : (held?.statusUpdatedAt ?? e.occurredAt);
    const stated: Licence = { ...licence, status, statusUpdatedAt, ofdFile: Buffer.alloc(0) };
    // The issuer signs the QR payload; whatever the 运政 system sent in its place is replaced.
    const left: Licence = { ...stated, qrPayload: context.qr(stated) };
    applied.push({
      idempotencyKey: e.idempotencyKey,
      province: context.province,
      provinceSeq: head,
      licenceVersion: version,
      kind: e.kind,
      occurredAt: e.occurredAt,
      licence: left,
      file: fileUnchanged.has(e.kind) ? undefined : context.seal(left),
      reason: e.reason,
      maintenanceRequestId: e.maintenanceRequestId,
      recordedAt: new Date(nowMs),
    });
    taken.set(e.idempotencyKey, { seq: head, version });
    current.set(id, {
      version,
      kind: licence.kind,
      state: outcome.state,
      statusUpdatedAt,
      insert: held === undefined || held.insert,
      licence: left,
    });
    touched.add(id);
    results.push({
      idempotencyKey: e.idempotencyKey,
      outcome: EventOutcome.EVENT_OUTCOME_APPLIED,
      provinceSeq: head,
      licenceVersion: version,
      code: "",
      reason: "",
    });
  }

  const licences = [...touched].map((id): PlannedLicence => {
    const l = current.get(id) as StoredLicence & { readonly insert: boolean; readonly licence: Licence };
    return {
      licenceId: id,
      version: l.version,
      kind: l.kind,
      status: l.state.status ?? 0,
      insert: l.insert,
      licence: l.licence,
    };
  });
  return { results, events: applied, licences, headSeq: head };
}
