// npm run scenario:licences — the licence federation as processes (the ministry's hub and licence
// library, two province gateways and their licence systems); each province's 运政 system issues and
// changes licences of every kind while the province gateway, the library and a licence system are
// SIGKILLed at random moments and started again; one province's licence system drops a range of
// its sequence on purpose, which the library must find and have resent; then a maintenance request
// filed, approved and applied, the data checks finding a copy corrupted on purpose, the rates,
// Sichuan's annual report, the audit logs, and a search for personal data in clear. The last line
// is one JSON object; the exit status is non-zero when any guarantee is off (docs/licences.md).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HutongClient, loadCredentialFiles } from "@hutong/client";
import {
  attachmentSm3,
  decideMaintenanceRequest,
  fileMaintenanceRequest,
  queryMaintenanceRequest,
  recordWorkload,
} from "@hutong/licensing";
import {
  hubParty,
  issuerParty,
  libraryParty,
  licenceWorkload,
  planLicenceFederation,
  supervisionParty,
  type Workload,
} from "@hutong/licensing/dev";
import { DataCheck, LicenceEventKind, LicenceLibraryServiceService, MaintenanceState, Purpose } from "@hutong/proto";
import { devClient } from "@hutong/service-kit/dev";
import Database from "better-sqlite3";
import { startPlannedLicenceProcesses } from "../src/scenario/licence-processes.js";
import { percentile, readIssuer, readLibrary } from "../src/scenario/licence-scenario-counts.js";
import { hutongBin, type ManagedProcess } from "../src/scenario/managed-process.js";
import { scanForPersonalData } from "../src/scenario/personal-data-scan.js";
import { chaosRandom, numberArg, say, sleep } from "../src/scenario/scenario-run.js";
import { verifyAuditLogs } from "../src/scenario/verify-audit-logs.js";

const licencesPerProvince = numberArg("licences", 2600);
// The issue's floor of licences; the CI spec runs a small workload with a lower one.
const minLicences = numberArg("min-licences", 5000);
const seed = numberArg("seed", Date.now() % 1_000_000);
const keep = process.argv.includes("--keep");
const year = "2026";
const random = chaosRandom(seed);

const provinces = ["510000", "440000"];
// A range of Sichuan's sequence its licence system does not send the first time: in the first
// third of its events, where later ones will show the hole.
const dropFrom = Math.max(2, Math.floor(licencesPerProvince * 0.4));
const dropRange = { from: dropFrom, to: dropFrom + Math.max(5, Math.floor(licencesPerProvince / 50)) };

const dir = await mkdtemp(join(tmpdir(), "hutong-scenario-licences-"));
say(`scenario:licences — seed ${seed}, ${licencesPerProvince} licences per province, in ${dir}`);
const { plan, fed } = await startPlannedLicenceProcesses(() =>
  planLicenceFederation(dir, {
    provinces,
    dropRanges: { "510000": dropRange },
    paperLicences: { LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE: Math.floor(licencesPerProvince / 20) },
    countsIntervalMs: 1000,
    gaps: { graceMs: 3000, retryMs: 4000, intervalMs: 500 },
    checks: { intervalMs: 5000, timelinessMs: 600_000 },
  }),
);
const clients: HutongClient[] = [];
async function clientFor(system: string, gatewayPort: number, gatewayParty: string): Promise<HutongClient> {
  const client = await devClient(plan.pki, system, gatewayPort, gatewayParty);
  clients.push(client);
  return client;
}

let failed = false;
try {
  // 1. Each province's workload: licences of every kind over the year, and what happens to them.
  const workloads = new Map<string, Workload>(
    provinces.map((code, i) => [
      code,
      licenceWorkload({
        province: code,
        licences: licencesPerProvince,
        seed: seed + i,
        startMs: Date.parse(`${year}-01-01T00:00:00+08:00`),
        spanDays: 330,
        defectRate: 0.02,
      }),
    ]),
  );
  const recorded = [...workloads.values()].reduce((n, w) => n + w.events.length, 0);
  say(
    `${recorded} licence events for ${licencesPerProvince * provinces.length} licences; drop ${dropRange.from}..${dropRange.to} of 510000`,
  );

  // 2. Chaos while the 运政 systems record: SIGKILL, wait, start again on the same port.
  const victims: ManagedProcess[] = [
    fed.gateways.get("510000") as ManagedProcess,
    fed.library,
    fed.issuers.get("440000") as ManagedProcess,
  ];
  const kills: string[] = [];
  let recording = true;
  const chaos = (async () => {
    let i = 0;
    while (recording || i < victims.length) {
      await sleep(1000 + random() * 3000);
      const victim = victims[i % victims.length] as ManagedProcess;
      i += 1;
      await victim.kill("SIGKILL");
      kills.push(victim.name);
      await sleep(300 + random() * 1500);
      await victim.restart();
    }
  })();
  const tallies = await Promise.all(
    [...plan.provinces.values()].map(async (p) => {
      const client = await clientFor(p.yunzheng, p.gatewayPort, p.party);
      const w = workloads.get(p.province) as Workload;
      return recordWorkload(w.events, { client: () => client, issuer: issuerParty(p.province), batchSize: 100 });
    }),
  );
  recording = false;
  await chaos;
  say(
    `recorded: ${tallies.reduce((n, t) => n + t.applied, 0)} applied, ${tallies.reduce((n, t) => n + t.duplicates, 0)} duplicates of resent batches, ${tallies.reduce((n, t) => n + t.refused, 0)} refused, ${tallies.reduce((n, t) => n + t.retries, 0)} retries; killed ${kills.join(", ")}`,
  );

  // 3. Aggregation settles: every licence system's outbox drained, the library's sequence at each head, no gap open.
  const issuerStore = (code: string) => plan.issuerConfig(code).store;
  const libraryStore = plan.libraryConfig().store;
  const deadline = Date.now() + 300_000;
  for (;;) {
    const issuers = provinces.map((c) => ({ code: c, ...readIssuer(issuerStore(c)) }));
    const library = readLibrary(libraryStore);
    const settled = issuers.every(
      (i) =>
        i.outboxLeft === 0 &&
        library.provinces.get(i.code)?.appliedSeq === i.headSeq &&
        library.provinces.get(i.code)?.held === 0,
    );
    if (settled && library.gapsOpen === 0) break;
    if (issuers.some((i) => i.deadLetters > 0)) throw new Error("a licence system dead-lettered an event");
    if (Date.now() > deadline) {
      throw new Error(
        `aggregation not settled after 5 minutes: ${JSON.stringify(issuers.map((i) => ({ code: i.code, head: i.headSeq, left: i.outboxLeft })))} ${JSON.stringify([...library.provinces])}`,
      );
    }
    await sleep(500);
  }

  // 4. Counted at the receiving ends: the licence systems' stores and the library's.
  const issuers = new Map(provinces.map((c) => [c, readIssuer(issuerStore(c))]));
  const library = readLibrary(libraryStore);
  let events = 0;
  let aggregated = 0;
  for (const i of issuers.values()) {
    for (const key of i.keys) {
      events += 1;
      if (library.applied.has(key)) aggregated += 1;
    }
  }
  const lost = events - aggregated;
  const planted = new Set([...workloads.values()].flatMap((w) => [...w.defective]));
  const complianceMatches =
    planted.size === library.noncompliant.size && [...planted].every((k) => library.noncompliant.has(k));
  say(
    `${aggregated} of ${events} events aggregated; ${library.gapsDetected} gaps detected, ${library.gapsRepaired} repaired; ${library.noncompliant.size} noncompliant (${planted.size} planted)`,
  );

  const mot = await clientFor(supervisionParty, plan.hubPort, hubParty);

  // 5. A data-maintenance request (附表1): Sichuan's licence system files a correction of one
  // permit's address, the ministry approves it, Sichuan applies it as a change event, the library
  // aggregates it; every step signed and audited, its state queried through the gateways.
  const sichuan = plan.provinces.get("510000");
  if (sichuan === undefined) throw new Error("no Sichuan in the plan");
  const signerOf = async (party: string) => {
    const c = await loadCredentialFiles({ ...plan.pki.party(party), anchors: [plan.pki.rootCert] });
    return { key: c.privateKey, chain: c.chain };
  };
  const permit = (workloads.get("510000") as Workload).events.find(
    (e) =>
      e.kind === LicenceEventKind.LICENCE_EVENT_KIND_ISSUED &&
      e.licence?.details?.$case === "operatingPermit" &&
      !planted.has(e.idempotencyKey),
  )?.licence;
  if (permit === undefined) throw new Error("the workload issued no operating permit");
  const issuerClient = await clientFor(sichuan.issuer, sichuan.gatewayPort, sichuan.party);
  const requestId = `WH-${year}-${seed}`;
  const filed = await fileMaintenanceRequest(issuerClient, await signerOf(sichuan.issuer), {
    requestId,
    province: "510000",
    applicantUnit: "四川省道路运输事务中心",
    operatorId: "SC-0001",
    corrections: [
      { licenceId: permit.licenceId, field: "operating_permit.address", correctedValue: "成都市武侯区人民南路四段1号" },
    ],
    reason: "经营地址录入错误，依营业执照更正",
    attachments: [
      {
        name: "营业执照.pdf",
        mediaType: "application/pdf",
        size: 4096n,
        sm3: attachmentSm3(Buffer.from(`licence ${requestId}`)),
      },
    ],
    filedAt: new Date(),
  });
  await decideMaintenanceRequest(mot, await signerOf(supervisionParty), filed, {
    approved: true,
    reason: "同意更正",
    at: new Date(),
  });
  let maintenance = "filed";
  const maintenanceDeadline = Date.now() + 60_000;
  while (Date.now() < maintenanceDeadline) {
    const s = await queryMaintenanceRequest(issuerClient, "510000", requestId);
    maintenance = MaintenanceState[s.state].replace("MAINTENANCE_STATE_", "").toLowerCase();
    if (s.state === MaintenanceState.MAINTENANCE_STATE_APPLIED) break;
    await sleep(300);
  }
  say(`maintenance request ${requestId}: ${maintenance}`);

  // 6. The data checks (第十一条): a copy at the library corrupted on purpose must be found untrue
  // against its issuer at the library's next run.
  const victim = (() => {
    const db = new Database(libraryStore);
    db.pragma("busy_timeout = 10000");
    try {
      const v = db
        .prepare("SELECT licence_id FROM licence WHERE province = '440000' AND status = 1 ORDER BY licence_id LIMIT 1")
        .pluck()
        .get() as string;
      db.prepare("UPDATE licence SET status = 3 WHERE licence_id = ?").run(v);
      return v;
    } finally {
      db.close();
    }
  })();
  const plantedAt = Date.now();
  let untrueFound = false;
  const checksDeadline = Date.now() + 60_000;
  while (!untrueFound && Date.now() < checksDeadline) {
    await sleep(1000);
    const r = await mot
      .unary(LicenceLibraryServiceService.listDataFindings, {
        context: {
          targetParty: libraryParty,
          purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
          grantId: "",
          correlationId: "",
        },
        province: "440000",
        runId: "",
        limit: 1000,
      })
      .catch(() => undefined);
    if (r?.run?.at !== undefined && r.run.at.getTime() > plantedAt) {
      untrueFound = r.findings.some((f) => f.check === DataCheck.DATA_CHECK_TRUTHFULNESS && f.licenceId === victim);
      say(
        `data checks of 440000 (run ${r.run.runId}): ${r.run.licencesChecked} licences, findings by check [truthfulness, completeness, validity, timeliness] = [${r.run.findingsByCheck.join(", ")}]; the corrupted copy ${untrueFound ? "found" : "NOT found"}`,
      );
      break;
    }
  }

  // 7. The rates, asked of the library through the hub by the ministry's supervision system.
  const sum = { ev: 0n, rv: 0n, act: 0n, iss: 0n, ce: 0n, e: 0n, agg: 0n, rep: 0n };
  for (const code of provinces) {
    const r = await mot.unary(LicenceLibraryServiceService.queryLicenceRates, {
      context: {
        targetParty: libraryParty,
        purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
        grantId: "",
        correlationId: "",
      },
      province: code,
      period: year,
    });
    const x = r.rates;
    if (x === undefined) throw new Error(`no rates for ${code}`);
    say(
      `${code} ${year}: 制证率 ${x.issuanceBp / 100}%, 激活率 ${x.activationBp / 100}%, 数据合规率 ${x.complianceBp / 100}%, 归集率 ${x.aggregationBp / 100}%`,
    );
    sum.ev += x.electronicValid;
    sum.rv += x.registryValid;
    sum.act += x.activated;
    sum.iss += x.issued;
    sum.ce += x.compliantEvents;
    sum.e += x.events;
    sum.agg += x.aggregated;
    sum.rep += x.reported;
  }
  const ratio = (a: bigint, b: bigint) => (b === 0n ? 0 : Math.round((Number(a) / Number(b)) * 10_000) / 10_000);
  const rates = {
    issuance: ratio(sum.ev, sum.rv),
    activation: ratio(sum.act, sum.iss),
    compliance: ratio(sum.ce, sum.e),
    aggregation: ratio(sum.agg, sum.rep),
  };

  // 8. Sichuan's annual report (第二十三条), from the library's figures, through the hub.
  const profile = join(dir, "mot-supervision-profile.json");
  await writeFile(
    profile,
    JSON.stringify({
      address: `127.0.0.1:${plan.hubPort}`,
      gateway: hubParty,
      ...plan.pki.party(supervisionParty),
      trust: [plan.pki.rootCert],
      crl: plan.pki.crls,
    }),
  );
  const reportDir = join(dir, "report");
  const report = spawnSync(
    process.execPath,
    [
      "--conditions=hutong-source",
      "--import",
      "tsx",
      hutongBin,
      "report",
      "annual",
      "--province",
      "510000",
      "--year",
      year,
      "--out",
      reportDir,
      "--profile",
      profile,
    ],
    { encoding: "utf8" },
  );
  const pdf = join(reportDir, `annual-510000-${year}.pdf`);
  const reportOk = report.status === 0 && existsSync(pdf);
  say(reportOk ? `annual report: ${pdf}` : `annual report failed (${report.status}): ${report.stderr}`);

  // 9. Every gateway's audit log, after a clean stop.
  for (const c of clients) c.close();
  clients.length = 0;
  await fed.stop();
  const auditOk = await verifyAuditLogs(dir, [hubParty, ...[...plan.provinces.values()].map((p) => p.party)]);

  // 10. No practitioner's or legal representative's name, nor ID number, in clear anywhere.
  const personal = new Set<string>();
  for (const w of workloads.values()) {
    for (const e of w.events) {
      const d = e.licence?.details;
      if (d?.$case === "practitionerQualification") for (const v of [d.value.idNo, d.value.name]) personal.add(v);
      if (d?.$case === "operatingPermit") personal.add(d.value.legalRepresentative);
    }
  }
  for (const p of fed.all) await writeFile(join(dir, `${p.name}.log`), p.output());
  const leaks = await scanForPersonalData(dir, personal);
  if (leaks.length > 0)
    say(
      `personal data in clear: ${leaks
        .slice(0, 5)
        .map((l) => `${l.file}`)
        .join(", ")} …`,
    );
  else say(`no name or ID number of ${personal.size} in clear in any store, audit log or log`);

  const licences = licencesPerProvince * provinces.length;
  const result = {
    licence_events: events,
    aggregated,
    lost,
    applied_twice: library.appliedTwice,
    out_of_order: library.outOfOrder,
    gaps_detected: library.gapsDetected,
    gaps_repaired: library.gapsRepaired,
    aggregation_p99_ms: percentile(library.lagsMs, 99),
    rates,
    maintenance_request: maintenance,
    audit_logs_verify: auditOk,
  };
  failed =
    licences < minLicences ||
    events !== recorded ||
    lost !== 0 ||
    library.appliedTwice !== 0 ||
    library.outOfOrder !== 0 ||
    library.gapsDetected < 1 ||
    library.gapsDetected !== library.gapsRepaired ||
    !complianceMatches ||
    maintenance !== "applied" ||
    !reportOk ||
    !untrueFound ||
    !auditOk ||
    leaks.length > 0;
  console.log(JSON.stringify(result));
} catch (e) {
  failed = true;
  say(`scenario failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  for (const p of fed.all) say(`--- ${p.name} (${p.starts} starts)\n${p.output().slice(-2000)}`);
} finally {
  for (const c of clients) c.close();
  await fed.stop().catch(() => {});
  if (!keep) await rm(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
