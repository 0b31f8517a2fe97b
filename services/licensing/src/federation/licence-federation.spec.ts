// The licence federation end to end, in one process: two provinces' 运政 systems record a
// workload at their licence systems through their gateways; the licence systems aggregate through
// the hub to the ministry's library; Sichuan's system drops a range of its sequence on purpose,
// and the library must find the gap, ask for it, and get it. Counted at the library's store.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseCertificate } from "@hutong/certs";
import { isWireError, loadCredentialFiles, Status } from "@hutong/client";
import {
  AggregateLicenceEventsRequest,
  DataCheck,
  Licence,
  LicenceEvent,
  LicenceEventKind,
  LicenceIssuanceServiceService,
  LicenceLibraryServiceService,
  LicenceServiceService,
  MaintenanceState,
  Purpose,
  QueryAggregationStatusRequest,
  QueryAggregationStatusResponse,
  QueryLicenceRatesRequest,
  QueryLicenceRatesResponse,
  RecordLicenceEventsRequest,
  RecordLicenceEventsResponse,
  VerifyLicenceRequest,
  VerifyLicenceResponse,
} from "@hutong/proto";
import { atRestSealer } from "@hutong/service-kit";
import { licenceFileSignatureValid } from "../issuer/seal-file.js";
import {
  decideMaintenanceRequest,
  fileMaintenanceRequest,
  queryMaintenanceRequest,
} from "../maintenance/maintenance-calls.js";
import type { StatementSigner } from "../maintenance/signed-statement.js";
import { licenceWorkload, type Workload } from "../simulator/licence-workload.js";
import { recordWorkload } from "../simulator/yunzheng-uploader.js";
import { type LicenceFederation, startLicenceFederation } from "./licence-federation.js";
import { issuerParty, libraryParty, supervisionParty, yunzhengParty } from "./licence-federation-plan.js";

const provinces = ["510000", "440000"] as const;
const context = (target: string) => ({
  targetParty: target,
  purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
  grantId: "",
  correlationId: "spec",
});

async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("licence aggregation across the federation", () => {
  let dir: string;
  let fed: LicenceFederation;
  const workloads = new Map<string, Workload>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-licences-"));
    fed = await startLicenceFederation(dir, {
      provinces,
      dropRanges: { "510000": { from: 20, to: 29 } },
      paperLicences: { LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE: 10 },
      countsIntervalMs: 300,
      gaps: { graceMs: 300, retryMs: 1000, intervalMs: 100 },
    });
    for (const [i, code] of provinces.entries()) {
      const w = licenceWorkload({
        province: code,
        licences: 60,
        seed: 7 + i,
        startMs: Date.parse("2026-01-05T02:00:00Z"),
        spanDays: 300,
        defectRate: 0.05,
      });
      workloads.set(code, w);
      const client = await fed.client(yunzhengParty(code));
      const tally = await recordWorkload(w.events, { client: () => client, issuer: issuerParty(code), batchSize: 50 });
      // Under load a batch can outlive the gateway's 5 s route timeout: the uploader sends it again
      // and the idempotency keys answer the events already applied as duplicates, not new events.
      const seen = JSON.stringify(tally);
      assert.equal(tally.applied + tally.duplicates, w.events.length, `${code}: every event recorded once (${seen})`);
      assert.ok(
        tally.duplicates === 0 || tally.retries > 0,
        `${code}: duplicates only from a batch sent again (${seen})`,
      );
      assert.equal(tally.refused, 0);
    }
  });

  after(async () => {
    await fed?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const libraryDb = () => fed.library.store.db;

  it("aggregates every event exactly once and in order, repairing the dropped range", async () => {
    for (const code of provinces) {
      const head = Number(await fed.provinces.get(code)?.issuer.store.headSeq());
      await until(`${code} aggregated to ${head}`, async () => {
        const [s] = await fed.library.store.status(code);
        return Number(s?.appliedSeq ?? 0) === head;
      });
      const rows = libraryDb()
        .prepare(
          "SELECT count(*) AS n, sum(in_order) AS ordered, max(receipts) AS receipts FROM lib_event WHERE province = ?",
        )
        .get(code) as { n: number; ordered: number; receipts: number };
      assert.equal(rows.n, head, `${code}: one row per event`);
      assert.equal(rows.ordered, head, `${code}: every licence's versions in order`);
      // Versions of a licence are each applied once.
      const twice = libraryDb()
        .prepare("SELECT count(*) FROM (SELECT licence_id, version FROM lib_event GROUP BY 1, 2 HAVING count(*) > 1)")
        .pluck()
        .get();
      assert.equal(twice, 0);
    }
    const [sichuan] = await fed.library.store.status("510000");
    assert.ok((sichuan?.gapsDetected ?? 0) >= 1, "the dropped range was detected");
    assert.equal(sichuan?.gapsRepaired, sichuan?.gapsDetected, "and repaired");
    assert.deepEqual(sichuan?.openGaps, []);
    const [guangdong] = await fed.library.store.status("440000");
    assert.equal(guangdong?.gapsDetected, guangdong?.gapsRepaired);
  });

  it("stores a noncompliant record with its reasons: exactly the planted defects", async () => {
    for (const code of provinces) {
      const w = workloads.get(code) as Workload;
      const found = new Set(
        (
          libraryDb()
            .prepare("SELECT idempotency_key FROM lib_event WHERE province = ? AND compliant = 0")
            .pluck()
            .all(code) as string[]
        ).map(String),
      );
      assert.ok(w.defective.size > 0, "the workload planted defects");
      assert.deepEqual([...found].sort(), [...w.defective].sort(), `${code}: noncompliant = planted`);
      const reasons = libraryDb()
        .prepare("SELECT violations FROM lib_event WHERE province = ? AND compliant = 0 LIMIT 1")
        .pluck()
        .get(code) as string;
      assert.match(reasons, /is required|GB 32100|civil date|date/);
    }
  });

  it("answers the rates through the gateways, computed from what the library holds", async () => {
    const client = await fed.client(yunzhengParty("510000"));
    const w = workloads.get("510000") as Workload;
    const reply = await client.session.call(
      LicenceLibraryServiceService.queryLicenceRates.path,
      Buffer.from(
        QueryLicenceRatesRequest.encode({
          context: context(libraryParty),
          province: "510000",
          period: "2026",
        }).finish(),
      ),
    );
    const rates = QueryLicenceRatesResponse.decode(reply.body).rates;
    assert.ok(rates !== undefined);
    const inYear = w.events.filter((e) => (e.occurredAt?.getTime() ?? 0) < Date.parse("2026-12-31T16:00:00Z"));
    const defectsInYear = inYear.filter((e) => w.defective.has(e.idempotencyKey)).length;
    assert.equal(Number(rates.events), inYear.length);
    assert.equal(Number(rates.compliantEvents), inYear.length - defectsInYear);
    assert.equal(rates.complianceBp, Math.floor(((inYear.length - defectsInYear) * 10_000) / inYear.length));
    assert.equal(Number(rates.issued), 60);
    const activated = new Set(
      inYear.filter((e) => e.kind === LicenceEventKind.LICENCE_EVENT_KIND_ACTIVATED).map((e) => e.licence?.licenceId),
    ).size;
    assert.equal(Number(rates.activated), activated);
    await until("the counts report", async () => {
      const again = QueryLicenceRatesResponse.decode(
        (
          await client.session.call(
            LicenceLibraryServiceService.queryLicenceRates.path,
            Buffer.from(
              QueryLicenceRatesRequest.encode({
                context: context(libraryParty),
                province: "510000",
                period: "2026",
              }).finish(),
            ),
          )
        ).body,
      ).rates;
      return Number(again?.reported) === 60 && again?.aggregationBp === 10_000;
    });
    const status = QueryAggregationStatusResponse.decode(
      (
        await client.session.call(
          LicenceLibraryServiceService.queryAggregationStatus.path,
          Buffer.from(
            QueryAggregationStatusRequest.encode({ context: context(libraryParty), province: "510000" }).finish(),
          ),
        )
      ).body,
    );
    assert.equal(status.provinces.length, 1);
    assert.ok((status.provinces[0]?.lagP99Ms ?? -1) >= 0);
  });

  it("keeps the licence file sealed by the issuer, verifiable offline, and the store sealed at rest", async () => {
    const row = libraryDb()
      .prepare("SELECT idempotency_key, sealed FROM lib_event WHERE province = '510000' AND kind = 1 LIMIT 1")
      .get() as { idempotency_key: string; sealed: Buffer };
    const key = Buffer.from(readFileSync(fed.plan.libraryConfig().sealKeyFile, "utf8").trim(), "hex");
    const event = LicenceEvent.decode(atRestSealer(key).open(row.sealed, row.idempotency_key));
    assert.ok(event.file !== undefined);
    assert.equal(licenceFileSignatureValid(event.file), true);
    assert.equal(parseCertificate(event.file.signerCertificate).partyId, issuerParty("510000"));
    const tampered = { ...event.file, content: Buffer.from(event.file.content) };
    tampered.content[10] = (tampered.content[10] ?? 0) ^ 1;
    assert.equal(licenceFileSignatureValid(tampered), false);
    // No holder's name or ID number in clear in the library's file.
    const practitioner = workloads
      .get("510000")
      ?.events.find((e) => e.licence?.details?.$case === "practitionerQualification")?.licence?.details;
    assert.ok(practitioner?.$case === "practitionerQualification");
    const file = readFileSync(fed.plan.libraryConfig().store);
    assert.equal(file.includes(Buffer.from(practitioner.value.idNo)), false);
    assert.equal(file.includes(Buffer.from(practitioner.value.name)), false);
  });

  it("verifies a licence of one province from another, through the hub", async () => {
    const w = workloads.get("510000") as Workload;
    const issued = w.events.find((e) => e.licence?.details?.$case === "transportCertificate");
    const licence = issued?.licence;
    assert.ok(licence !== undefined && licence.details?.$case === "transportCertificate");
    const client = await fed.client(yunzhengParty("440000"));
    const reply = await client.session.call(
      LicenceServiceService.verifyLicence.path,
      Buffer.from(
        VerifyLicenceRequest.encode({
          context: context(issuerParty("510000")),
          lookup: { key: { $case: "licenceId", value: licence.licenceId }, kind: licence.kind },
          holderIdNo: "",
          holderName: "",
          holderUscc: licence.details.value.ownerUscc,
          plateNo: licence.details.value.plateNo,
        }).finish(),
      ),
    );
    const answer = VerifyLicenceResponse.decode(reply.body);
    assert.equal(answer.holderMatches, true);
    assert.equal(answer.kind, licence.kind);
    // By the QR payload scanned from it, as an inspector would: the issuer checks its own signature.
    const held = await fed.provinces.get("510000")?.issuer.store.licence(licence.licenceId);
    assert.ok(held !== undefined);
    assert.ok(held.qrPayload.startsWith("HTQR1."));
    const byQr = await client.unary(LicenceServiceService.verifyLicence, {
      context: context(issuerParty("510000")),
      lookup: { key: { $case: "qrPayload", value: held.qrPayload }, kind: 0 },
      holderIdNo: "",
      holderName: "",
      holderUscc: licence.details.value.ownerUscc,
      plateNo: "",
    });
    assert.deepEqual([byQr.holderMatches, byQr.kind], [true, licence.kind]);
    const forged = `${held.qrPayload.slice(0, -4)}AAAA`;
    await assert.rejects(
      client.unary(LicenceServiceService.verifyLicence, {
        context: context(issuerParty("510000")),
        lookup: { key: { $case: "qrPayload", value: forged }, kind: 0 },
        holderIdNo: "",
        holderName: "",
        holderUscc: "",
        plateNo: "",
      }),
      (e) => isWireError(e) && e.code === Status.INVALID_ARGUMENT,
    );
  });

  it("refuses what a province may not do, with a clear status", async () => {
    // Guangdong's 运政 system cannot record at Sichuan's licence system.
    const gd = await fed.client(yunzhengParty("440000"));
    const request = (target: string, kind: LicenceEventKind, id: string) =>
      Buffer.from(
        RecordLicenceEventsRequest.encode({
          context: context(target),
          events: [
            {
              idempotencyKey: `neg-${id}`,
              kind,
              occurredAt: new Date(),
              licence: workloads.get("510000")?.events[0]?.licence,
              reason: "",
              maintenanceRequestId: "",
            },
          ],
        }).finish(),
      );
    await assert.rejects(
      gd.session.call(
        LicenceIssuanceServiceService.recordLicenceEvents.path,
        request(issuerParty("510000"), LicenceEventKind.LICENCE_EVENT_KIND_CHANGED, "x"),
      ),
      (e) => isWireError(e) && e.code === Status.PERMISSION_DENIED,
    );
    // A second issue of an existing licence is refused, as an event's result.
    const sc = await fed.client(yunzhengParty("510000"));
    const answer = RecordLicenceEventsResponse.decode(
      (
        await sc.session.call(
          LicenceIssuanceServiceService.recordLicenceEvents.path,
          request(issuerParty("510000"), LicenceEventKind.LICENCE_EVENT_KIND_ISSUED, "again"),
        )
      ).body,
    );
    assert.equal(answer.results[0]?.code, "FAILED_PRECONDITION");
    assert.match(answer.results[0]?.reason ?? "", /exists already/);
    // The 运政 system cannot aggregate to the library itself.
    await assert.rejects(
      sc.session.call(
        LicenceLibraryServiceService.aggregateLicenceEvents.path,
        Buffer.from(AggregateLicenceEventsRequest.encode({ context: context(libraryParty), events: [] }).finish()),
      ),
      (e) => isWireError(e) && e.code === Status.PERMISSION_DENIED,
    );
  });

  it("files, approves and applies a data-maintenance request, every step signed, audited and queryable", async () => {
    const signer = async (party: string): Promise<StatementSigner> => {
      const c = await loadCredentialFiles({ ...fed.plan.pki.party(party), anchors: [fed.plan.pki.rootCert] });
      return { key: c.privateKey, chain: c.chain };
    };
    const permit = workloads
      .get("510000")
      ?.events.find(
        (e) =>
          e.licence?.details?.$case === "operatingPermit" && !workloads.get("510000")?.defective.has(e.idempotencyKey),
      )?.licence;
    assert.ok(permit !== undefined);
    const issuer = await fed.client(issuerParty("510000"));
    const mot = await fed.client(supervisionParty);
    const request = {
      requestId: "WH-2026-0001",
      province: "510000",
      applicantUnit: "四川省道路运输事务中心",
      operatorId: "SC-0042",
      corrections: [
        {
          licenceId: permit.licenceId,
          field: "operating_permit.address",
          correctedValue: "成都市武侯区人民南路四段1号",
        },
      ],
      reason: "地址录入错误",
      attachments: [{ name: "营业执照.pdf", mediaType: "application/pdf", size: 1024n, sm3: Buffer.alloc(32, 7) }],
      filedAt: new Date(),
    };
    const filed = await fileMaintenanceRequest(issuer, await signer(issuerParty("510000")), request);
    assert.equal(filed.state, MaintenanceState.MAINTENANCE_STATE_FILED);
    assert.deepEqual(filed.fields, ["operating_permit.address"]);
    // Filing the same signed request again is the same request; another under its id is refused.
    await assert.rejects(
      fileMaintenanceRequest(issuer, await signer(issuerParty("510000")), { ...request, reason: "另一理由" }),
      (e) => isWireError(e) && e.code === Status.ALREADY_EXISTS,
    );
    // A request about another province's licence, or an item that does not exist, is refused.
    const foreign = workloads.get("440000")?.events[0]?.licence?.licenceId ?? "";
    await assert.rejects(
      fileMaintenanceRequest(issuer, await signer(issuerParty("510000")), {
        ...request,
        requestId: "WH-2026-0002",
        corrections: [{ licenceId: foreign, field: "issuer_name", correctedValue: "x" }],
      }),
      (e) => isWireError(e) && e.code === Status.NOT_FOUND,
    );
    await assert.rejects(
      fileMaintenanceRequest(issuer, await signer(issuerParty("510000")), {
        ...request,
        requestId: "WH-2026-0003",
        corrections: [{ licenceId: permit.licenceId, field: "status", correctedValue: "3" }],
      }),
      (e) => isWireError(e) && e.code === Status.INVALID_ARGUMENT,
    );
    // A licence a CHANGED event cannot apply to (revoked, cancelled) cannot be corrected.
    const ended = libraryDb()
      .prepare("SELECT licence_id FROM licence WHERE province = '510000' AND status IN (3, 4) LIMIT 1")
      .pluck()
      .get() as string | undefined;
    if (ended !== undefined) {
      await assert.rejects(
        fileMaintenanceRequest(issuer, await signer(issuerParty("510000")), {
          ...request,
          requestId: "WH-2026-0004",
          corrections: [{ licenceId: ended, field: "issuer_name", correctedValue: "x" }],
        }),
        (e) => isWireError(e) && e.code === Status.FAILED_PRECONDITION,
      );
    }
    // A decision signed by anyone but the calling ministry system is refused.
    await assert.rejects(
      decideMaintenanceRequest(mot, await signer(issuerParty("510000")), filed, {
        approved: true,
        reason: "",
        at: new Date(),
      }),
      (e) => isWireError(e) && e.code === Status.PERMISSION_DENIED,
    );
    const approved = await decideMaintenanceRequest(mot, await signer(supervisionParty), filed, {
      approved: true,
      reason: "同意",
      at: new Date(),
    });
    assert.equal(approved.state, MaintenanceState.MAINTENANCE_STATE_APPROVED);
    await assert.rejects(
      decideMaintenanceRequest(mot, await signer(supervisionParty), filed, {
        approved: false,
        reason: "",
        at: new Date(),
      }),
      (e) => isWireError(e) && e.code === Status.FAILED_PRECONDITION,
    );
    await until("the request applied", async () => {
      const s = await queryMaintenanceRequest(issuer, "510000", request.requestId);
      return s.state === MaintenanceState.MAINTENANCE_STATE_APPLIED;
    });
    const done = await queryMaintenanceRequest(mot, "510000", request.requestId);
    assert.deepEqual(
      done.history.map((h) => [h.state, h.party]),
      [
        [MaintenanceState.MAINTENANCE_STATE_FILED, issuerParty("510000")],
        [MaintenanceState.MAINTENANCE_STATE_APPROVED, supervisionParty],
        [MaintenanceState.MAINTENANCE_STATE_APPLIED, issuerParty("510000")],
      ],
    );
    // The corrected licence, at its issuer and at the library.
    const atIssuer = await fed.provinces.get("510000")?.issuer.store.licence(permit.licenceId);
    assert.ok(atIssuer?.details?.$case === "operatingPermit");
    assert.equal(atIssuer.details.value.address, "成都市武侯区人民南路四段1号");
    const key = Buffer.from(readFileSync(fed.plan.libraryConfig().sealKeyFile, "utf8").trim(), "hex");
    const sealed = libraryDb()
      .prepare("SELECT sealed FROM licence WHERE licence_id = ?")
      .pluck()
      .get(permit.licenceId) as Buffer;
    const atLibrary = Licence.decode(atRestSealer(key).open(sealed, permit.licenceId));
    assert.ok(atLibrary.details?.$case === "operatingPermit");
    assert.equal(atLibrary.details.value.address, "成都市武侯区人民南路四段1号");
    await assert.rejects(
      queryMaintenanceRequest(mot, "510000", "WH-NONE"),
      (e) => isWireError(e) && e.code === Status.NOT_FOUND,
    );
  });

  it("runs the data checks: a copy that differs from the issuer, the defects, listed per province", async () => {
    const w = workloads.get("510000") as Workload;
    // A copy at the library that says another thing than its issuer (a planted corruption).
    const victim = libraryDb()
      .prepare(
        "SELECT licence_id, status FROM licence WHERE province = '510000' AND status = 1 ORDER BY licence_id LIMIT 1",
      )
      .get() as { licence_id: string; status: number };
    libraryDb().prepare("UPDATE licence SET status = 3 WHERE licence_id = ?").run(victim.licence_id);
    try {
      const runs = await fed.library.checks.run();
      const sichuan = runs.find((r) => r.run.province === "510000");
      assert.ok(sichuan !== undefined);
      const truth = sichuan.findings.filter((f) => f.check === DataCheck.DATA_CHECK_TRUTHFULNESS);
      assert.deepEqual(
        truth.map((f) => [f.licenceId, f.detail]),
        [[victim.licence_id, "status LICENCE_STATUS_REVOKED at the library, LICENCE_STATUS_VALID at the issuer"]],
      );
      assert.equal(sichuan.run.licencesSampled, sichuan.run.licencesChecked, "every licence compared with the issuer");
      // Completeness and validity: exactly the licences whose latest record carries a planted defect.
      const latestKey = new Map<string, string>();
      for (const e of w.events) if (e.licence !== undefined) latestKey.set(e.licence.licenceId, e.idempotencyKey);
      const defectiveNow = [...latestKey].filter(([, key]) => w.defective.has(key)).map(([id]) => id);
      const flagged = new Set(
        sichuan.findings
          .filter((f) => f.check === DataCheck.DATA_CHECK_COMPLETENESS || f.check === DataCheck.DATA_CHECK_VALIDITY)
          .filter((f) => !f.detail.startsWith("marked valid"))
          .map((f) => f.licenceId),
      );
      assert.deepEqual([...flagged].sort(), defectiveNow.sort());
      // The findings through the gateways: Sichuan's own systems see them, Guangdong's do not.
      const mine = await fed.client(issuerParty("510000"));
      const listed = await mine.unary(LicenceLibraryServiceService.listDataFindings, {
        context: context(libraryParty),
        province: "510000",
        runId: "",
        limit: 0,
      });
      assert.equal(listed.run?.runId, sichuan.run.runId);
      assert.equal(listed.findings.length, sichuan.findings.length);
      const theirs = await fed.client(issuerParty("440000"));
      await assert.rejects(
        theirs.unary(LicenceLibraryServiceService.listDataFindings, {
          context: context(libraryParty),
          province: "510000",
          runId: "",
          limit: 0,
        }),
        (e) => isWireError(e) && e.code === Status.PERMISSION_DENIED,
      );
    } finally {
      libraryDb().prepare("UPDATE licence SET status = ? WHERE licence_id = ?").run(victim.status, victim.licence_id);
    }
  });
});
