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
import { type TicketEvent, TicketEventKind } from "@hutong/proto";
import { freePort } from "@hutong/service-kit/dev";
import { simulateStationDay, sqliteStorePath } from "@hutong/ticketing";
import { devClient, ministryParty, planTicketFederation, uploadStationEvents } from "@hutong/ticketing/dev";
import Database from "better-sqlite3";
import { hutongBin, managed } from "../src/scenario/managed-process.js";
import { scanForPersonalData } from "../src/scenario/personal-data-scan.js";
import { chaosRandom, numberArg, say, sleep } from "../src/scenario/scenario-run.js";
import { type ManagedProcess, startPlannedProcesses } from "../src/scenario/ticket-processes.js";
import { verifyAuditLogs } from "../src/scenario/verify-audit-logs.js";

const salesPerProvince = numberArg("sales", 1700);
const minSales = numberArg("min-sales", 5000);
const outageSeconds = numberArg("outage-s", 45);
const seed = numberArg("seed", Date.now() % 1_000_000);
const keep = process.argv.includes("--keep");
const random = chaosRandom(seed);
const run = promisify(execFile);

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
      // Few tries, quickly: a long outage leaves dead letters for the operator to replay.
      outbox: { retryBaseMs: 100, retryCapMs: 2000, maxAttempts: 8, breakerCoolDownMs: 1000, timeoutMs: 12_000 },
    },
  }),
);
const hubConfig = join(plan.dir, "mot.json");
const clients: HutongClient[] = [];
const kills: string[] = [];
const faultLog: string[] = [];

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

  // Chaos: the channel's faults change every few seconds, with one long outage; the hub (the
  // connector's host) and Sichuan's gateway are SIGKILLed and restarted, the channel once too.
  let uploading = true;
  const chaos = (async () => {
    const victims: ManagedProcess[] = [fed.hub, fed.gateways.get("510000") as ManagedProcess, fed.hub, tax, fed.hub];
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
      await sleep(1500 + random() * 2500);
      const victim = victims[(round - 1) % victims.length] as ManagedProcess;
      if (round <= victims.length) {
        await victim.kill("SIGKILL");
        kills.push(victim.name);
        await sleep(300 + random() * 1500);
        await victim.restart();
        if (victim === tax) await admin("/admin/faults", profile).catch(() => {});
      }
    }
    await admin("/admin/faults", healthy);
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
  uploading = false;
  await chaos;
  say(`uploaded; killed ${kills.join(", ")}; channel faults: ${faultLog.length} profiles`);
  if (complete.some((ok) => !ok)) throw new Error("a station's cursor is not at its last event");

  // Drain: the provinces' invoice topics, then the hub's connector topic down to its dead letters.
  const storeOf = (code: string) => sqliteStorePath(plan.provinceServiceConfig(code).store);
  const hubStore = join(plan.dir, "mot", "hutong.db");
  const outboxLeft = (path: string, topic: string) => {
    const db = new Database(path, { readonly: true });
    try {
      return db
        .prepare(
          "SELECT count(*) AS n, coalesce(sum(dead_ms IS NOT NULL), 0) AS dead FROM outbox_message WHERE topic = ?",
        )
        .get(topic) as { n: number; dead: number };
    } finally {
      db.close();
    }
  };
  const drain = async (what: string) => {
    const deadline = Date.now() + 300_000;
    for (;;) {
      const provinces = [...plan.provinces.keys()].map((c) => outboxLeft(storeOf(c), "ticket-invoices"));
      const hub = outboxLeft(hubStore, "tax-invoices");
      const pending = provinces.reduce((n, l) => n + l.n - l.dead, 0) + hub.n - hub.dead;
      if (pending === 0) return { hubDead: hub.dead, provinceDead: provinces.reduce((n, l) => n + l.dead, 0) };
      if (Date.now() > deadline) throw new Error(`${what}: ${pending} deliveries still pending after 5 minutes`);
      await sleep(500);
    }
  };
  const drained = await drain("drain");
  say(`drained: ${drained.hubDead} dead letters at the hub, ${drained.provinceDead} at the provinces`);

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
  const stats = (await admin("/admin/stats")) as { faults: Record<string, number> };
  say(`channel faults injected: ${JSON.stringify(stats.faults)}; ${stillAwaiting} invoice numbers not back on tickets`);

  for (const c of clients) c.close();
  clients.length = 0;
  await fed.stop();
  await tax.kill("SIGTERM");
  const auditOk = await verifyAuditLogs(plan.dir, [ministryParty, ...[...plan.provinces.values()].map((p) => p.party)]);

  // No traveller in clear anywhere hutong wrote (the channel's own store, the partner's, is not ours).
  const personal = new Set<string>();
  for (const { day: d } of days) {
    for (const e of d.events) {
      const p = e.ticket?.passenger;
      if (p !== undefined) for (const v of [p.idNo, p.phone, p.name]) personal.add(v);
    }
  }
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
    through_journeys: 0,
    leg_mismatches_undetected: 0,
    audit_logs_verify: auditOk,
  };
  failed =
    sales < minSales ||
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
  for (const p of [...fed.all, tax]) say(`--- ${p.name} (${p.starts} starts)\n${p.output().slice(-2000)}`);
} finally {
  for (const c of clients) c.close();
  await fed.stop().catch(() => {});
  await tax.kill("SIGTERM").catch(() => {});
  if (!keep) await rm(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
