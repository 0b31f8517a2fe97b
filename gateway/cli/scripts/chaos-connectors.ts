// npm run chaos:connectors — ticket sales invoiced through the hub's tax connector while the tax
// channel misbehaves and the gateways die (docs/connectors.md §5). The e-ticket federation runs
// as processes with invoicing on; the tax channel simulator is a process of its own with its own
// store. Stations upload a day (≥ 5,000 sales, with refunds, changes and voids) while the channel
// is made down for a long stretch, slow, failing, timing out after the effect and answering for
// other requests, at random, and the hub (which hosts the connector) and a province gateway are
// SIGKILLed and restarted. Then the faults stop, the outboxes drain, dead letters are replayed
// once with `hutong outbox replay`, and everything is counted at the channel's own store. The last
// line is one JSON object; the exit status is non-zero on any loss or duplicate.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { HutongClient } from "@hutong/client";
import { createSqliteOutbox } from "@hutong/gateway/outbox";
import {
  LegMismatchKind,
  Purpose,
  SaleStatus,
  ThroughTicketServiceService,
  type TicketEvent,
  TicketEventKind,
} from "@hutong/proto";
import { freePort } from "@hutong/service-kit/dev";
import { roadLegTicketNo, simulateStationDay, sqliteStorePath } from "@hutong/ticketing";
import {
  devClient,
  ministryParty,
  partnerConnector,
  planTicketFederation,
  reconciliationParty,
  uploadStationEvents,
} from "@hutong/ticketing/dev";
import Database from "better-sqlite3";
import { hutongBin, managed } from "../src/scenario/managed-process.js";
import { scanForPersonalData } from "../src/scenario/personal-data-scan.js";
import { chaosRandom, numberArg, say, sleep } from "../src/scenario/scenario-run.js";
import { planThroughJourneys } from "../src/scenario/through-journey-workload.js";
import { type ManagedProcess, startPlannedProcesses } from "../src/scenario/ticket-processes.js";
import { verifyAuditLogs } from "../src/scenario/verify-audit-logs.js";

const salesPerProvince = numberArg("sales", 1700);
const minSales = numberArg("min-sales", 5000);
const outageSeconds = numberArg("outage-s", 45);
const journeyCount = numberArg("journeys", 300);
const seed = numberArg("seed", Date.now() % 1_000_000);
const keep = process.argv.includes("--keep");
const random = chaosRandom(seed);
// A dozen processes, each with its exit hook on this one.
process.setMaxListeners(64);
const run = (file: string, args: readonly string[]) =>
  promisify(execFile)(file, args, { maxBuffer: 256 * 1024 * 1024 });

const dir = await mkdtemp(join(tmpdir(), "hutong-chaos-connectors-"));
say(`chaos:connectors — seed ${seed}, ${salesPerProvince} sales per province, in ${dir}`);

// The tax channel: a process of its own, on a port kept across its restarts.
const appKey = "hutong-chaos";
const appSecretHex = randomBytes(32).toString("hex");
const taxPort = await freePort();
const taxUrl = `http://127.0.0.1:${taxPort}`;
await mkdir(join(dir, "partners"), { recursive: true });
const taxConfig = join(dir, "partners", "tax-simulator.json");
await writeFile(
  taxConfig,
  JSON.stringify({ dbPath: "tax-channel.sqlite", port: taxPort, appKeys: { [appKey]: appSecretHex }, seed }),
);
const taxMain = fileURLToPath(import.meta.resolve("@hutong/connector-tax/simulator-main"));
const tax = await managed("tax-simulator", [taxMain, "--config", taxConfig], "stdout", /^listening /);

// The rail and air partners: processes of their own too, each with its own store; each asks the
// road legs through its connector's port at the hub.
const partnerMain = fileURLToPath(import.meta.resolve("@hutong/connector-through/simulator-main"));
const partners = await Promise.all(
  (
    [
      ["rail:cr", "rail"],
      ["air:ca", "air"],
    ] as const
  ).map(async ([party, protocol]) => {
    const port = await freePort();
    const inboundPort = await freePort();
    const config = join(dir, "partners", `${protocol}-simulator.json`);
    await writeFile(
      config,
      JSON.stringify({
        protocol,
        party,
        dbPath: `${protocol}.sqlite`,
        port,
        appKeys: { [appKey]: appSecretHex },
        seed,
        connector: { baseUrl: `http://127.0.0.1:${inboundPort}`, appKey, appSecretHex },
      }),
    );
    const process = await managed(`${protocol}-simulator`, [partnerMain, "--config", config], "stdout", /^listening /);
    return { party, protocol, url: `http://127.0.0.1:${port}`, inboundPort, process };
  }),
);
const partnerOf = (party: string) => partners.find((p) => p.party === party) ?? (partners[0] as (typeof partners)[0]);

async function partnerAdmin(party: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const r = await fetch(`${partnerOf(party).url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  return { status: r.status, body: await r.json().catch(() => undefined) };
}

async function admin(path: string, body?: unknown): Promise<unknown> {
  const r = await fetch(`${taxUrl}${path}`, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}
const healthy = {
  down: false,
  slowMs: 0,
  error5xxRate: 0,
  timeoutAfterEffectRate: 0,
  duplicateAnswerRate: 0,
  reorderRate: 0,
};

const { plan, fed } = await startPlannedProcesses(() =>
  planTicketFederation(join(dir, "federation"), {
    stationsPerProvince: 8,
    seed,
    invoicing: {
      baseUrl: taxUrl,
      appKey,
      appSecretHex,
      followUpMs: 500,
      // A request older than a minute or tried 8 times is given up: the long outage leaves dead
      // letters (and the tickets' later requests blocked behind them) for the operator to replay.
      outbox: {
        retryBaseMs: 100,
        retryCapMs: 2000,
        maxAttempts: 8,
        maxAgeSeconds: 60,
        breakerCoolDownMs: 1000,
        timeoutMs: 12_000,
      },
    },
    through: {
      partners: partners.map((p) => ({
        party: p.party,
        protocol: p.protocol,
        baseUrl: p.url,
        appKey,
        appSecretHex,
        inboundPort: p.inboundPort,
      })),
      checkIntervalMs: 2000,
      minTransferMinutes: 30,
      pollIntervalMs: 300,
    },
  }),
);
const hubConfig = join(plan.dir, "mot.json");
const clients: HutongClient[] = [];
const kills: string[] = [];
const faultLog: string[] = [];
/** Faults each simulator injected, summed over its processes (its counts start again at a restart). */
const injected = new Map<string, Record<string, number>>();
async function countFaults(name: string, statsUrl: string) {
  const r = await fetch(statsUrl).catch(() => undefined);
  const faults = ((await r?.json().catch(() => undefined)) as { faults?: Record<string, number> } | undefined)?.faults;
  const sum = injected.get(name) ?? {};
  for (const [k, v] of Object.entries(faults ?? {})) sum[k] = (sum[k] ?? 0) + v;
  injected.set(name, sum);
}
const statsUrlOf = (victim: ManagedProcess): string | undefined =>
  victim.name === "tax-simulator"
    ? `${taxUrl}/admin/stats`
    : partners.find((p) => p.process === victim)?.url.concat("/admin/stats");

let failed = false;
try {
  const days = [...plan.provinces.values()].map((p) => ({
    plan: p,
    day: simulateStationDay(p.registry, p.party, "2026-12-04", salesPerProvince, seed + Number(p.province)),
  }));
  const sales = days.reduce(
    (n, d) => n + d.day.events.filter((e) => e.kind === TicketEventKind.TICKET_EVENT_KIND_SALE).length,
    0,
  );
  say(`${sales} sales in ${days.reduce((n, d) => n + d.day.events.length, 0)} station events`);

  const journeys = planThroughJourneys(
    journeyCount,
    [...plan.provinces.values()].map((p) => ({ code: p.province, registry: p.registry })),
    random,
    Date.parse("2026-12-20T00:00:00+08:00"),
  );

  // Chaos: the channel's and the partners' faults change every few seconds, with one long outage
  // of the channel; the hub (every connector's host), Sichuan's gateway, the channel and both
  // partners are SIGKILLed and restarted.
  let uploading = true;
  const chaos = (async () => {
    const victims: ManagedProcess[] = [
      fed.hub,
      fed.gateways.get("510000") as ManagedProcess,
      partners[0]?.process as ManagedProcess,
      fed.hub,
      tax,
      partners[1]?.process as ManagedProcess,
      fed.hub,
    ];
    let round = 0;
    while (uploading || round < victims.length) {
      round += 1;
      if (round === 3) {
        faultLog.push(`down ${outageSeconds}s`);
        await admin("/admin/faults", { ...healthy, down: true });
        await sleep(outageSeconds * 1000);
      }
      const profile = {
        ...healthy,
        slowMs: random() < 0.3 ? Math.floor(random() * 800) : 0,
        error5xxRate: random() < 0.5 ? 0.2 : 0,
        timeoutAfterEffectRate: random() < 0.5 ? 0.1 : 0,
        duplicateAnswerRate: random() < 0.4 ? 0.1 : 0,
        reorderRate: random() < 0.4 ? 0.1 : 0,
      };
      faultLog.push(JSON.stringify(profile));
      await admin("/admin/faults", profile).catch(() => {});
      for (const partner of partners) await partnerAdmin(partner.party, "/admin/faults", profile).catch(() => {});
      await sleep(1500 + random() * 2500);
      const victim = victims[(round - 1) % victims.length] as ManagedProcess;
      if (round <= victims.length) {
        const statsUrl = statsUrlOf(victim);
        if (statsUrl !== undefined) await countFaults(victim.name, statsUrl);
        await victim.kill("SIGKILL");
        kills.push(victim.name);
        await sleep(300 + random() * 1500);
        await victim.restart();
        if (victim === tax) await admin("/admin/faults", profile).catch(() => {});
        const partner = partners.find((p) => p.process === victim);
        if (partner !== undefined) await partnerAdmin(partner.party, "/admin/faults", profile).catch(() => {});
      }
    }
    await admin("/admin/faults", healthy);
    for (const partner of partners) await partnerAdmin(partner.party, "/admin/faults", healthy);
  })();

  // The partners sell their journeys while the stations upload; a few seconds later some are
  // changed or refunded (with their notices); the quiet changes come once everything has drained.
  const selling = (async () => {
    for (const j of journeys) {
      for (;;) {
        const r = await partnerAdmin(j.partner, "/admin/journeys", j.create).catch(() => ({ status: 0 }));
        if (r.status === 201 || r.status === 409) break;
        await sleep(200);
      }
    }
    await sleep(5000);
    for (const j of journeys) {
      const action =
        j.then.kind === "change"
          ? (["/admin/journeys/change", j.then.body] as const)
          : j.then.kind === "refund"
            ? (["/admin/journeys/refund", { journeyId: j.journeyId }] as const)
            : undefined;
      if (action === undefined) continue;
      for (;;) {
        const r = await partnerAdmin(j.partner, action[0], action[1]).catch(() => ({ status: 0 }));
        if (r.status === 200 || r.status === 409) break;
        await sleep(200);
      }
    }
  })();

  const uploads = days.flatMap(({ plan: p, day: d }) => {
    const bySource = new Map<string, TicketEvent[]>();
    for (const e of d.events) bySource.set(e.source, [...(bySource.get(e.source) ?? []), e]);
    return [...bySource].map(async ([source, events]) => {
      const client = await devClient(plan.pki, source, p.gatewayPort, p.party);
      clients.push(client);
      const r = await uploadStationEvents(client, p.service, source, events, {
        batch: 100,
        retryMs: 300,
        deadlineMs: 10_000,
      });
      return r.ackedSeq === BigInt(events.length);
    });
  });
  const complete = await Promise.all(uploads);
  await selling;
  uploading = false;
  await chaos;
  say(`uploaded; killed ${kills.join(", ")}; channel faults: ${faultLog.length} profiles`);
  if (complete.some((ok) => !ok)) throw new Error("a station's cursor is not at its last event");

  // Drain: the provinces' invoice topics, then the hub's connector topic down to its dead letters.
  const storeOf = (code: string) => sqliteStorePath(plan.provinceServiceConfig(code).store);
  const hubStore = join(plan.dir, "mot", "hutong.db");
  // Work left in an outbox: depth is what is not delivered and not dead; blocked messages wait
  // behind a dead letter of their ticket and move only once it is replayed.
  const outboxLeft = (path: string, topic: string) => {
    const db = new Database(path, { readonly: true });
    try {
      const stats = createSqliteOutbox(db)
        .outboxStats(Date.now())
        .filter((s) => s.topic === topic);
      return {
        moving: stats.reduce((n, s) => n + s.depth - s.blocked, 0),
        blocked: stats.reduce((n, s) => n + s.blocked, 0),
        dead: stats.reduce((n, s) => n + s.dead, 0),
      };
    } finally {
      db.close();
    }
  };
  const drain = async (what: string) => {
    const deadline = Date.now() + 300_000;
    for (;;) {
      const provinces = [...plan.provinces.keys()].map((c) => outboxLeft(storeOf(c), "ticket-invoices"));
      const hub = outboxLeft(hubStore, "tax-invoices");
      // The partners' notices: moving ones count; a dead one waits for the replay with the rest.
      const notices = partners.map((p) => outboxLeft(hubStore, `${partnerConnector(p.party)}-notices`));
      const feeds = await Promise.all(
        partners.map(async (p) => {
          const r = await partnerAdmin(p.party, "/admin/journeys").catch(() => ({ body: undefined }));
          const list = (r.body as { journeys?: { noticesPending: number }[] } | undefined)?.journeys;
          return list === undefined ? 1 : list.reduce((n, j) => n + j.noticesPending, 0);
        }),
      );
      const moving =
        provinces.reduce((n, l) => n + l.moving, 0) +
        hub.moving +
        notices.reduce((n, l) => n + l.moving, 0) +
        feeds.reduce((n, f) => n + f, 0);
      if (moving === 0) return { hub, provinceDead: provinces.reduce((n, l) => n + l.dead, 0) };
      if (Date.now() > deadline) throw new Error(`${what}: ${moving} deliveries still moving after 5 minutes`);
      await sleep(500);
    }
  };
  const drained = await drain("drain");
  say(
    `drained: ${drained.hub.dead} dead letters at the hub (${drained.hub.blocked} messages behind them), ${drained.provinceDead} at the provinces`,
  );

  // Dead letters replayed once, by an operator, with the real command (each replay audited).
  const listed = JSON.parse(
    (
      await run(process.execPath, [
        "--conditions=hutong-source",
        "--import",
        "tsx",
        hutongBin,
        "outbox",
        "list",
        "--config",
        hubConfig,
        "--state",
        "dead",
        "--all",
        "--limit",
        "1000",
        "--json",
      ])
    ).stdout,
  ) as { messages: { id: number }[] };
  const deadIds = listed.messages.map((m) => m.id);
  let replayed = 0;
  if (deadIds.length > 0) {
    const out = await run(process.execPath, [
      "--conditions=hutong-source",
      "--import",
      "tsx",
      hutongBin,
      "outbox",
      "replay",
      "--config",
      hubConfig,
      "--json",
      ...deadIds.map(String),
    ]);
    replayed = (JSON.parse(out.stdout) as { results: { outcome: string }[] }).results.filter(
      (r) => r.outcome === "replayed",
    ).length;
    await drain("after the replay");
  }
  say(`${deadIds.length} dead letters listed, ${replayed} replayed`);

  // The invoice numbers back on the tickets (the provinces' follow-up).
  const awaiting = () =>
    [...plan.provinces.keys()].reduce((n, c) => {
      const db = new Database(storeOf(c), { readonly: true });
      try {
        return n + (db.prepare("SELECT count(*) FROM invoice_request WHERE state != 'issued'").pluck().get() as number);
      } finally {
        db.close();
      }
    }, 0);
  const until = Date.now() + 120_000;
  while (awaiting() > 0 && Date.now() < until) await sleep(500);

  // Through journeys. First the quiet changes at the partners (no notice): what the leg checks must find.
  const planted = new Map<string, LegMismatchKind>();
  for (const j of journeys) {
    if (j.then.kind === "silent-refund") {
      await partnerAdmin(j.partner, "/admin/journeys/silent", { journeyId: j.journeyId, status: "REFUNDED" });
      planted.set(j.journeyId, LegMismatchKind.LEG_MISMATCH_KIND_PARTNER_REFUNDED);
    } else if (j.then.kind === "silent-delay") {
      await partnerAdmin(j.partner, "/admin/journeys/silent", {
        journeyId: j.journeyId,
        arriveTime: j.then.arriveTime,
      });
      planted.set(j.journeyId, LegMismatchKind.LEG_MISMATCH_KIND_CONNECTION_BROKEN);
    }
  }
  // Every journey's road leg as its partner's own store says it should be, read at the province.
  const atPartners = new Map<string, { status: string; seq: number }>();
  for (const partner of partners) {
    const r = await partnerAdmin(partner.party, "/admin/journeys");
    for (const j of (r.body as { journeys: { journeyId: string; status: string; seq: number }[] }).journeys) {
      atPartners.set(`${partner.party} ${j.journeyId}`, j);
    }
  }
  let legsWrong = 0;
  for (const j of journeys) {
    const at = atPartners.get(`${j.partner} ${j.journeyId}`);
    const refunded = j.then.kind === "refund";
    const seq = at === undefined ? 0 : refunded ? at.seq - 1 : at.seq;
    const db = new Database(storeOf(j.province), { readonly: true });
    const status = db
      .prepare("SELECT sale_status FROM ticket WHERE ticket_no = ?")
      .pluck()
      .get(roadLegTicketNo(j.province, j.partner, j.journeyId, seq)) as number | undefined;
    db.close();
    const expected = refunded
      ? [SaleStatus.SALE_STATUS_REFUNDED]
      : j.then.kind === "change"
        ? [SaleStatus.SALE_STATUS_CHANGED_IN]
        : [SaleStatus.SALE_STATUS_SOLD];
    if (at === undefined || status === undefined || !expected.includes(status)) legsWrong += 1;
  }
  // Status the other way: each partner asks a few road legs through its connector.
  let asksWrong = 0;
  for (const j of journeys.slice(0, 20)) {
    const r = await partnerAdmin(j.partner, "/admin/journeys/ask-road", {
      journeyId: j.journeyId,
      province: j.province,
    });
    const found = (r.body as { answer?: { data?: { found?: boolean } } } | undefined)?.answer?.data?.found;
    if (r.status !== 200 || found !== true) asksWrong += 1;
  }
  // The leg checks, as the ministry sees them, once they have had time to confirm.
  const mot = await devClient(plan.pki, reconciliationParty, plan.hubPort, ministryParty);
  clients.push(mot);
  const findings = async () => {
    const all = new Map<string, LegMismatchKind>();
    for (const p of plan.provinces.values()) {
      const r = await mot.unary(ThroughTicketServiceService.listLegMismatches, {
        context: { targetParty: p.service, purpose: Purpose.PURPOSE_RECONCILIATION, grantId: "", correlationId: "" },
      });
      for (const m of r.mismatches) all.set(m.journeyId, m.kind);
    }
    return all;
  };
  let found = new Map<string, LegMismatchKind>();
  const checksUntil = Date.now() + 60_000;
  while (Date.now() < checksUntil) {
    found = await findings();
    if ([...planted].every(([id, kind]) => found.get(id) === kind)) break;
    await sleep(1000);
  }
  const undetected = [...planted].filter(([id, kind]) => found.get(id) !== kind).length;
  const spurious = [...found.keys()].filter((id) => !planted.has(id)).length;
  say(
    `${journeys.length} through journeys: ${legsWrong} road legs not as their partner says, ${asksWrong} road-leg queries unanswered; ${planted.size} mismatches planted, ${undetected} undetected, ${spurious} reported that were not planted`,
  );

  // Counted at the channel's own store, against what the applied events call for.
  const fees = new Map<string, number>();
  for (const { day: d } of days) for (const e of d.events) fees.set(e.idempotencyKey, Number(e.refundFeeFen));
  const expectedBlue = new Set<string>();
  const expectedRed = new Set<string>();
  for (const code of plan.provinces.keys()) {
    const db = new Database(storeOf(code), { readonly: true });
    const rows = db
      .prepare(
        "SELECT e.kind AS kind, e.ticket_no AS ticketNo, e.idempotency_key AS key, t.fare_fen AS fare FROM event_log e JOIN ticket t USING (ticket_no)",
      )
      .all() as { kind: number; ticketNo: string; key: string; fare: number }[];
    db.close();
    for (const r of rows) {
      if (r.fare <= 0) continue;
      if (r.kind === TicketEventKind.TICKET_EVENT_KIND_SALE || r.kind === TicketEventKind.TICKET_EVENT_KIND_CHANGE_IN) {
        expectedBlue.add(r.ticketNo);
      } else if (
        r.kind === TicketEventKind.TICKET_EVENT_KIND_CHANGE_OUT ||
        r.kind === TicketEventKind.TICKET_EVENT_KIND_VOID ||
        (r.kind === TicketEventKind.TICKET_EVENT_KIND_REFUND && (fees.get(r.key) ?? 0) < r.fare)
      ) {
        expectedRed.add(r.ticketNo);
      }
    }
  }
  const invoices = ((await admin("/admin/invoices")) as { invoices: { sflzfp: string; dzkph: string; fphm: string }[] })
    .invoices;
  const count = (flag: string) => {
    const per = new Map<string, number>();
    for (const i of invoices) if (i.sflzfp === flag) per.set(i.dzkph, (per.get(i.dzkph) ?? 0) + 1);
    return per;
  };
  const blues = count("Y");
  const reds = count("N");
  let lost = 0;
  let duplicated = 0;
  for (const t of expectedBlue) if (!blues.has(t)) lost += 1;
  for (const t of expectedRed) if (!reds.has(t)) lost += 1;
  for (const n of [...blues.values(), ...reds.values()]) if (n > 1) duplicated += n - 1;
  const unexpected =
    [...blues.keys()].filter((t) => !expectedBlue.has(t)).length +
    [...reds.keys()].filter((t) => !expectedRed.has(t)).length;
  const stillAwaiting = awaiting();
  await countFaults("tax-simulator", `${taxUrl}/admin/stats`);
  for (const p of partners) await countFaults(p.process.name, `${p.url}/admin/stats`);
  say(
    `faults injected: ${JSON.stringify(Object.fromEntries(injected))}; ${stillAwaiting} invoice numbers not back on tickets`,
  );

  for (const c of clients) c.close();
  clients.length = 0;
  await fed.stop();
  await tax.kill("SIGTERM");
  for (const partner of partners) await partner.process.kill("SIGTERM");
  const auditOk = await verifyAuditLogs(plan.dir, [ministryParty, ...[...plan.provinces.values()].map((p) => p.party)]);

  // No traveller in clear anywhere hutong wrote (the channel's own store, the partner's, is not ours).
  const personal = new Set<string>();
  for (const { day: d } of days) {
    for (const e of d.events) {
      const p = e.ticket?.passenger;
      if (p !== undefined) for (const v of [p.idNo, p.phone, p.name]) personal.add(v);
    }
  }
  for (const j of journeys)
    for (const v of [j.create.road.passenger.idNo, j.create.road.passenger.name]) personal.add(v);
  for (const p of fed.all) await writeFile(join(plan.dir, `${p.name}.log`), p.output());
  const leaks = await scanForPersonalData(plan.dir, personal);
  if (leaks.length > 0)
    say(
      `personal data in clear: ${leaks
        .slice(0, 5)
        .map((l) => l.file)
        .join(", ")} …`,
    );
  else
    say(
      `no name, ID number or phone number of ${personal.size} in clear in any gateway or service store, audit log or log`,
    );

  const result = {
    invoices_expected: expectedBlue.size,
    invoices_issued: blues.size,
    reversals_expected: expectedRed.size,
    reversals_issued: reds.size,
    lost,
    duplicated,
    dead_lettered: deadIds.length,
    replayed,
    through_journeys: atPartners.size,
    leg_mismatches_undetected: undetected,
    audit_logs_verify: auditOk,
  };
  failed =
    sales < minSales ||
    atPartners.size !== journeys.length ||
    legsWrong !== 0 ||
    asksWrong !== 0 ||
    undetected !== 0 ||
    spurious !== 0 ||
    lost !== 0 ||
    duplicated !== 0 ||
    unexpected !== 0 ||
    replayed !== deadIds.length ||
    stillAwaiting !== 0 ||
    !auditOk ||
    leaks.length > 0;
  if (unexpected > 0) say(`${unexpected} invoices at the channel that no applied event called for`);
  console.log(JSON.stringify(result));
} catch (e) {
  failed = true;
  say(`chaos failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  for (const p of [...fed.all, tax, ...partners.map((x) => x.process)])
    say(`--- ${p.name} (${p.starts} starts)\n${p.output().slice(-2000)}`);
} finally {
  for (const c of clients) c.close();
  await fed.stop().catch(() => {});
  await tax.kill("SIGTERM").catch(() => {});
  for (const partner of partners) await partner.process.kill("SIGTERM").catch(() => {});
  if (!keep) await rm(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
