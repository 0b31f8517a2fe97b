import { createSqliteOutbox, sqliteOutboxStore } from "@hutong/gateway/outbox";
import {
  type AggregateLicenceEventsResponse,
  DataCheck,
  type DataCheckRun,
  type DataFinding,
  Licence,
  LicenceEvent,
  LicenceEventKind,
  type LicenceRates,
  type ProvinceAggregation,
  type ReportLicenceCountsRequest,
} from "@hutong/proto";
import { atRestSealer, beijingDay, openSqliteDatabase } from "@hutong/service-kit";
import type Database from "better-sqlite3";
import { checkAggregated, type LibraryLicence } from "../../library/check-aggregated.js";
import { findingsOfViolations, staleValidity } from "../../library/data-checks.js";
import { parsePeriod } from "../../library/period.js";
import { licenceRates } from "../../library/rates.js";
import { missingRanges, uncovered } from "../../library/sequence-gaps.js";
import { LicensingError } from "../../licensing-error.js";
import { maintenanceStatus } from "../../maintenance/maintenance-status.js";
import type {
  DataCheckResult,
  GapPolicy,
  LibraryCopy,
  LibraryStore,
  LibraryStoreOptions,
  ResendRequest,
} from "../port/library-store.js";
import { librarySchema } from "./library-schema.js";
import { sqliteMaintenance } from "./sqlite-maintenance.js";

export interface SqliteLibraryStore extends LibraryStore {
  readonly db: Database.Database;
}

interface CopyRow {
  licence_id: string;
  version: number;
  status: number;
  valid_to: string;
  updated_ms: number;
}

const copyOf = (r: CopyRow): LibraryCopy => ({
  licenceId: r.licence_id,
  version: r.version,
  status: r.status,
  validTo: r.valid_to,
  updatedMs: r.updated_ms,
});

interface HeldRow {
  seq: number;
  idempotency_key: string;
  sealed: Buffer;
}

interface GapRow {
  from_seq: number;
  to_seq: number;
  first_seen_ms: number;
  detected_ms: number | null;
  last_request_ms: number | null;
}

/** The checks in DataCheck order, as a run counts its findings. */
const dataChecks = [
  DataCheck.DATA_CHECK_TRUTHFULNESS,
  DataCheck.DATA_CHECK_COMPLETENESS,
  DataCheck.DATA_CHECK_VALIDITY,
  DataCheck.DATA_CHECK_TIMELINESS,
];

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0);

/** The ministry's licence library on SQLite (WAL, synchronous = FULL, one writer). */
export function openSqliteLibraryStore(path: string, options: LibraryStoreOptions): SqliteLibraryStore {
  const db = openSqliteDatabase(path, librarySchema);
  const sealer = atRestSealer(options.sealKey);
  const outbox = createSqliteOutbox(db);
  const maintenance = sqliteMaintenance(db, sealer, outbox);
  const q = {
    ensureProvince: db.prepare("INSERT INTO province (province) VALUES (?) ON CONFLICT DO NOTHING"),
    province: db.prepare("SELECT applied_seq, reported_head, counts FROM province WHERE province = ?"),
    provinces: db.prepare("SELECT province FROM province ORDER BY province").pluck(),
    setApplied: db.prepare("UPDATE province SET applied_seq = ? WHERE province = ?"),
    setReport: db.prepare(
      "UPDATE province SET reported_head = max(reported_head, ?), report_ms = ?, counts = ? WHERE province = ?",
    ),
    byKey: db.prepare("SELECT province, seq FROM lib_event WHERE idempotency_key = ?"),
    bySeq: db.prepare("SELECT idempotency_key FROM lib_event WHERE province = ? AND seq = ?").pluck(),
    receipt: db.prepare("UPDATE lib_event SET receipts = receipts + 1 WHERE idempotency_key = ?"),
    insertEvent: db.prepare(
      `INSERT INTO lib_event (province, seq, idempotency_key, licence_id, version, kind, status, valid_to, occurred_ms, recorded_ms, received_ms, maintenance_id, sealed)
       VALUES (@province, @seq, @key, @licenceId, @version, @kind, @status, @validTo, @occurredMs, @recordedMs, @receivedMs, @maintenanceId, @sealed)`,
    ),
    next: db.prepare(
      "SELECT seq, idempotency_key, sealed FROM lib_event WHERE province = ? AND seq = ? AND applied_ms IS NULL",
    ),
    markApplied: db.prepare(
      "UPDATE lib_event SET applied_ms = ?, in_order = ?, compliant = ?, violations = ? WHERE province = ? AND seq = ?",
    ),
    licence: db.prepare("SELECT version, status FROM licence WHERE licence_id = ?"),
    upsertLicence: db.prepare(
      `INSERT INTO licence (licence_id, province, kind, version, status, valid_to, updated_ms, sealed)
       VALUES (@id, @province, @kind, @version, @status, @validTo, @updatedMs, @sealed)
       ON CONFLICT (licence_id) DO UPDATE SET version = excluded.version, status = excluded.status,
         valid_to = excluded.valid_to, updated_ms = excluded.updated_ms, sealed = excluded.sealed`,
    ),
    licenceProvince: db.prepare("SELECT province FROM licence WHERE licence_id = ?").pluck(),
    heldSeqs: db.prepare("SELECT seq FROM lib_event WHERE province = ? AND applied_ms IS NULL").pluck(),
    openGaps: db.prepare(
      "SELECT from_seq, to_seq, first_seen_ms, detected_ms, last_request_ms FROM gap WHERE province = ? AND repaired_ms IS NULL",
    ),
    insertGap: db.prepare(
      "INSERT INTO gap (province, from_seq, to_seq, first_seen_ms) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
    ),
    extendGap: db.prepare("UPDATE gap SET to_seq = ? WHERE province = ? AND from_seq = ? AND to_seq = ?"),
    detectGap: db.prepare("UPDATE gap SET detected_ms = ? WHERE province = ? AND from_seq = ? AND to_seq = ?"),
    requestGap: db.prepare(
      "UPDATE gap SET requests = requests + 1, last_request_ms = ? WHERE province = ? AND from_seq = ? AND to_seq = ?",
    ),
    // A detected gap is repaired once the sequence is applied past it; a hole that closed before
    // it was ever detected was events overtaking each other, not a gap, and is forgotten.
    repairGaps: db.prepare(
      "UPDATE gap SET repaired_ms = ? WHERE province = ? AND repaired_ms IS NULL AND detected_ms IS NOT NULL AND to_seq <= ?",
    ),
    forgetGaps: db.prepare("DELETE FROM gap WHERE province = ? AND detected_ms IS NULL AND to_seq <= ?"),
    gapCounts: db.prepare(
      "SELECT count(detected_ms) AS detected, count(CASE WHEN detected_ms IS NOT NULL THEN repaired_ms END) AS repaired FROM gap WHERE province = ?",
    ),
    lags: db
      .prepare(
        "SELECT applied_ms - recorded_ms FROM lib_event WHERE province = ? AND applied_ms IS NOT NULL ORDER BY 1",
      )
      .pluck(),
    electronicValid: db
      .prepare(
        `SELECT count(*) FROM lib_event e WHERE e.province = @province AND e.applied_ms IS NOT NULL AND e.occurred_ms < @end
           AND e.status = 1 AND e.valid_to >= @lastDay
           AND e.version = (SELECT max(x.version) FROM lib_event x
                            WHERE x.licence_id = e.licence_id AND x.applied_ms IS NOT NULL AND x.occurred_ms < @end)`,
      )
      .pluck(),
    kindCount: db
      .prepare(
        "SELECT count(DISTINCT licence_id) FROM lib_event WHERE province = @province AND applied_ms IS NOT NULL AND kind = @kind AND occurred_ms < @end",
      )
      .pluck(),
    periodEvents: db.prepare(
      `SELECT count(*) AS events, coalesce(sum(compliant), 0) AS compliant FROM lib_event
       WHERE province = @province AND applied_ms IS NOT NULL AND occurred_ms >= @start AND occurred_ms < @end`,
    ),
    aggregated: db.prepare("SELECT count(*) FROM licence WHERE province = ?").pluck(),
    recentLags: db
      .prepare("SELECT applied_ms - recorded_ms FROM lib_event WHERE province = ? AND applied_ms >= ? ORDER BY 1")
      .pluck(),
    copies: db.prepare(
      `SELECT licence_id, version, status, valid_to, updated_ms FROM licence
       WHERE province = @province AND licence_id > @from AND (@to = '' OR licence_id <= @to) ORDER BY licence_id`,
    ),
    noncompliantLatest: db.prepare(
      `SELECT e.licence_id, e.violations FROM lib_event e JOIN licence l ON l.licence_id = e.licence_id AND l.version = e.version
       WHERE e.province = ? AND e.compliant = 0`,
    ),
    late: db.prepare(
      `SELECT licence_id, max(applied_ms - recorded_ms) AS lag FROM lib_event
       WHERE province = ? AND applied_ms >= ? AND applied_ms < ? AND applied_ms - recorded_ms > ?
       GROUP BY licence_id ORDER BY licence_id`,
    ),
    licenceCount: db.prepare("SELECT count(*) FROM licence WHERE province = ?").pluck(),
    insertRun: db.prepare(
      "INSERT INTO check_run (run_id, province, at_ms, checked, sampled, counts) VALUES (?, ?, ?, ?, ?, ?)",
    ),
    insertFinding: db.prepare("INSERT INTO finding (run_id, licence_id, data_check, detail) VALUES (?, ?, ?, ?)"),
    latestRun: db.prepare("SELECT * FROM check_run WHERE province = ? ORDER BY at_ms DESC, run_id DESC LIMIT 1"),
    run: db.prepare("SELECT * FROM check_run WHERE province = ? AND run_id = ?"),
    findings: db.prepare("SELECT licence_id, data_check, detail FROM finding WHERE run_id = ? ORDER BY rowid LIMIT ?"),
  };
  const lagPolicy = options.lag ?? { windowS: 300, alertMs: 60_000 };

  interface RunRow {
    run_id: string;
    province: string;
    at_ms: number;
    checked: number;
    sampled: number;
    counts: string;
  }
  const runOf = (r: RunRow): DataCheckRun => ({
    runId: r.run_id,
    province: r.province,
    at: new Date(r.at_ms),
    licencesChecked: r.checked,
    licencesSampled: r.sampled,
    findingsByCheck: JSON.parse(r.counts) as number[],
  });

  const checksTx = db.transaction(
    (
      province: string,
      truth: { readonly findings: readonly DataFinding[]; readonly sampled: number },
      policy: { readonly timelinessMs: number },
      nowMs: number,
    ): DataCheckResult => {
      const today = beijingDay(nowMs);
      const findings: DataFinding[] = [...truth.findings];
      for (const r of q.noncompliantLatest.all(province) as { licence_id: string; violations: string }[]) {
        findings.push(...findingsOfViolations(r.licence_id, JSON.parse(r.violations) as string[]));
      }
      for (const c of q.copies.all({ province, from: "", to: "" }) as CopyRow[]) {
        const stale = staleValidity(copyOf(c), today);
        if (stale !== undefined) findings.push(stale);
      }
      // Since the previous run (recorded in the store, so a restart does not report again), up to now.
      const previous = q.latestRun.get(province) as RunRow | undefined;
      for (const r of q.late.all(province, previous?.at_ms ?? 0, nowMs, policy.timelinessMs) as {
        licence_id: string;
        lag: number;
      }[]) {
        findings.push({
          licenceId: r.licence_id,
          check: DataCheck.DATA_CHECK_TIMELINESS,
          detail: `aggregated ${Math.round(r.lag / 1000)} s after the issuer recorded it (threshold ${Math.round(policy.timelinessMs / 1000)} s)`,
        });
      }
      const counts = dataChecks.map((c) => findings.filter((f) => f.check === c).length);
      const runId = `${province}-${nowMs}`;
      const checked = q.licenceCount.get(province) as number;
      q.insertRun.run(runId, province, nowMs, checked, truth.sampled, JSON.stringify(counts));
      for (const f of findings) q.insertFinding.run(runId, f.licenceId, f.check, f.detail);
      return {
        run: runOf({
          run_id: runId,
          province,
          at_ms: nowMs,
          checked,
          sampled: truth.sampled,
          counts: JSON.stringify(counts),
        }),
        findings,
      };
    },
  );

  function drain(province: string, nowMs: number): { applied: number; noncompliant: number } {
    const row = q.province.get(province) as { applied_seq: number };
    let seq = row.applied_seq;
    let applied = 0;
    let noncompliant = 0;
    for (;;) {
      const next = q.next.get(province, seq + 1) as HeldRow | undefined;
      if (next === undefined) break;
      const event = LicenceEvent.decode(sealer.open(next.sealed, next.idempotency_key));
      const licence = event.licence as Licence;
      const before = q.licence.get(licence.licenceId) as { version: number; status: number } | undefined;
      const held: LibraryLicence | undefined =
        before === undefined ? undefined : { version: before.version, state: { status: before.status } };
      const check = checkAggregated(event, held);
      const compliant = check.violations.length === 0;
      if (!compliant) noncompliant += 1;
      q.markApplied.run(
        nowMs,
        check.inOrder ? 1 : 0,
        compliant ? 1 : 0,
        compliant ? null : JSON.stringify(check.violations),
        province,
        next.seq,
      );
      if (before === undefined || event.licenceVersion > before.version) {
        q.upsertLicence.run({
          id: licence.licenceId,
          province,
          kind: licence.kind,
          version: event.licenceVersion,
          status: licence.status,
          validTo: licence.validTo,
          updatedMs: nowMs,
          sealed: sealer.seal(Licence.encode(licence).finish(), licence.licenceId),
        });
      }
      if (event.maintenanceRequestId !== "") {
        maintenance.noteApplied(province, event.maintenanceRequestId, options.issuerOf(province), nowMs);
      }
      seq = next.seq;
      applied += 1;
    }
    q.setApplied.run(seq, province);
    q.repairGaps.run(nowMs, province, seq);
    q.forgetGaps.run(province, seq);
    return { applied, noncompliant };
  }

  const aggregateTx = db.transaction(
    (province: string, events: readonly LicenceEvent[], nowMs: number): AggregateLicenceEventsResponse => {
      q.ensureProvince.run(province);
      let duplicates = 0;
      const received: bigint[] = [];
      for (const e of events) {
        if (q.byKey.get(e.idempotencyKey) !== undefined) {
          q.receipt.run(e.idempotencyKey);
          duplicates += 1;
          continue;
        }
        const other = q.bySeq.get(province, Number(e.provinceSeq)) as string | undefined;
        if (other !== undefined) {
          throw new LicensingError(
            "sequence-conflict",
            `province ${province}'s sequence number ${e.provinceSeq} is taken by another event`,
          );
        }
        const licence = e.licence as Licence;
        // A licence id is one licence nationwide: a province cannot write another's.
        const holder = q.licenceProvince.get(licence.licenceId) as string | undefined;
        if (holder !== undefined && holder !== province) {
          throw new LicensingError(
            "wrong-province",
            `licence ${licence.licenceId} is province ${holder}'s at the library, not ${province}'s`,
          );
        }
        q.insertEvent.run({
          province,
          seq: Number(e.provinceSeq),
          key: e.idempotencyKey,
          licenceId: licence.licenceId,
          version: e.licenceVersion,
          kind: e.kind,
          status: licence.status,
          validTo: licence.validTo,
          occurredMs: e.occurredAt?.getTime() ?? nowMs,
          recordedMs: e.recordedAt?.getTime() ?? e.occurredAt?.getTime() ?? nowMs,
          receivedMs: nowMs,
          maintenanceId: e.maintenanceRequestId,
          sealed: sealer.seal(LicenceEvent.encode(e).finish(), e.idempotencyKey),
        });
        received.push(e.provinceSeq);
      }
      const { applied, noncompliant } = drain(province, nowMs);
      const appliedSeq = BigInt((q.province.get(province) as { applied_seq: number }).applied_seq);
      const held = received.filter((s) => s > appliedSeq).length;
      return { applied, held, duplicates, noncompliant };
    },
  );

  const reportTx = db.transaction((province: string, r: ReportLicenceCountsRequest, nowMs: number): bigint => {
    q.ensureProvince.run(province);
    const counts = r.counts.map((c) => ({
      kind: c.kind,
      registryValid: Number(c.registryValid),
      electronic: Number(c.electronic),
    }));
    q.setReport.run(Number(r.headSeq), nowMs, JSON.stringify(counts), province);
    return BigInt((q.province.get(province) as { applied_seq: number }).applied_seq);
  });

  const scanTx = db.transaction((policy: GapPolicy, nowMs: number): ResendRequest[] => {
    const requests: ResendRequest[] = [];
    for (const province of q.provinces.all() as string[]) {
      const p = q.province.get(province) as { applied_seq: number; reported_head: number };
      const applied = BigInt(p.applied_seq);
      const heldSeqs = q.heldSeqs.all(province) as number[];
      const held = heldSeqs.map(BigInt);
      const head = BigInt(heldSeqs.reduce((a, b) => Math.max(a, b), p.reported_head));
      const open = (q.openGaps.all(province) as GapRow[]).map((g) => ({
        ...g,
        from: BigInt(g.from_seq),
        to: BigInt(g.to_seq),
      }));
      // A hole an open gap already covers is that gap; only the part no gap covers is new (a
      // trailing hole that grows with the reported head adds its new part, not a second gap).
      for (const hole of missingRanges(applied, held, head)) {
        for (const part of uncovered(hole, open)) {
          // A hole not yet called a gap that grows at its end stays one hole.
          const before = open.find((g) => g.detected_ms === null && g.to + 1n === part.from);
          if (before !== undefined) {
            q.extendGap.run(Number(part.to), province, before.from_seq, before.to_seq);
            before.to_seq = Number(part.to);
            before.to = part.to;
            continue;
          }
          q.insertGap.run(province, Number(part.from), Number(part.to), nowMs);
          open.push({
            from_seq: Number(part.from),
            to_seq: Number(part.to),
            first_seen_ms: nowMs,
            detected_ms: null,
            last_request_ms: null,
            from: part.from,
            to: part.to,
          });
        }
      }
      for (const g of open) {
        if (g.detected_ms === null && nowMs - g.first_seen_ms >= policy.graceMs) {
          q.detectGap.run(nowMs, province, g.from_seq, g.to_seq);
          g.detected_ms = nowMs;
        }
        if (g.detected_ms !== null && (g.last_request_ms === null || nowMs - g.last_request_ms >= policy.retryMs)) {
          q.requestGap.run(nowMs, province, g.from_seq, g.to_seq);
          requests.push({ province, from: g.from, to: g.to });
        }
      }
    }
    return requests;
  });

  const fileTx = db.transaction(maintenance.file);
  const decideTx = db.transaction(maintenance.decide);

  return {
    db,
    outbox: sqliteOutboxStore(db),
    async fileMaintenance(statement, request, party, nowMs) {
      return maintenanceStatus(fileTx.immediate(statement, request, party, nowMs));
    },
    async decideMaintenance(statement, decision, party, nowMs) {
      const r = decideTx.immediate(statement, decision, party, options.issuerOf(decision.province), nowMs);
      return { status: maintenanceStatus(r.record), enqueued: r.enqueued };
    },
    async maintenance(province, requestId) {
      const r = maintenance.get(province, requestId);
      return r === undefined ? undefined : maintenanceStatus(r);
    },
    async countMaintenance(province) {
      return maintenance.count(province);
    },
    async aggregate(province, events, nowMs) {
      return aggregateTx.immediate(province, events, nowMs);
    },
    async report(province, request, nowMs) {
      return reportTx.immediate(province, request, nowMs);
    },
    async scanGaps(policy, nowMs) {
      return scanTx.immediate(policy, nowMs);
    },
    async rates(province, label): Promise<LicenceRates> {
      const period = parsePeriod(label);
      const p = q.province.get(province) as { counts: string | null } | undefined;
      const counts = (p?.counts === null || p === undefined ? [] : JSON.parse(p.counts)) as {
        registryValid: number;
        electronic: number;
      }[];
      const at = { province, start: period.startMs, end: period.endMs, lastDay: period.lastDay };
      const ev = q.periodEvents.get(at) as { events: number; compliant: number };
      return licenceRates(province, label, {
        electronicValid: q.electronicValid.get(at) as number,
        registryValid: counts.reduce((a, c) => a + c.registryValid, 0),
        activated: q.kindCount.get({ ...at, kind: LicenceEventKind.LICENCE_EVENT_KIND_ACTIVATED }) as number,
        issued: q.kindCount.get({ ...at, kind: LicenceEventKind.LICENCE_EVENT_KIND_ISSUED }) as number,
        compliantEvents: ev.compliant,
        events: ev.events,
        aggregated: q.aggregated.get(province) as number,
        reported: counts.reduce((a, c) => a + c.electronic, 0),
      });
    },
    async provinces() {
      return q.provinces.all() as string[];
    },
    async copies(province, from, to) {
      return (q.copies.all({ province, from, to }) as CopyRow[]).map(copyOf);
    },
    async recordDataChecks(province, truth, policy, nowMs) {
      return checksTx.immediate(province, truth, policy, nowMs);
    },
    async dataFindings(province, runId, limit) {
      const r = (runId === "" ? q.latestRun.get(province) : q.run.get(province, runId)) as RunRow | undefined;
      if (r === undefined) return undefined;
      const findings = (
        q.findings.all(r.run_id, limit) as { licence_id: string; data_check: number; detail: string }[]
      ).map((f) => ({ licenceId: f.licence_id, check: f.data_check as DataCheck, detail: f.detail }));
      return { run: runOf(r), findings };
    },
    async status(only): Promise<readonly ProvinceAggregation[]> {
      const provinces = only === "" ? (q.provinces.all() as string[]) : [only];
      return provinces.flatMap((province) => {
        const p = q.province.get(province) as { applied_seq: number; reported_head: number } | undefined;
        if (p === undefined) return [];
        const gaps = q.gapCounts.get(province) as { detected: number; repaired: number };
        const open = q.openGaps.all(province) as GapRow[];
        const lags = q.lags.all(province) as number[];
        const recent = q.recentLags.all(province, Date.now() - lagPolicy.windowS * 1000) as number[];
        const recentP99 = Math.max(0, percentile(recent, 99));
        return [
          {
            province,
            appliedSeq: BigInt(p.applied_seq),
            reportedHeadSeq: BigInt(p.reported_head),
            held: (q.heldSeqs.all(province) as number[]).length,
            gapsDetected: gaps.detected,
            gapsRepaired: gaps.repaired,
            openGaps: open
              .filter((g) => g.detected_ms !== null)
              .map((g) => ({ fromSeq: BigInt(g.from_seq), toSeq: BigInt(g.to_seq) })),
            lagP50Ms: Math.max(0, percentile(lags, 50)),
            lagP99Ms: Math.max(0, percentile(lags, 99)),
            lagMaxMs: Math.max(0, lags.at(-1) ?? 0),
            recentLagP99Ms: recentP99,
            lagWindowS: lagPolicy.windowS,
            lagAlertMs: lagPolicy.alertMs,
            lagging: recentP99 > lagPolicy.alertMs,
          },
        ];
      });
    },
    async close() {
      db.close();
    },
  };
}
