// npm run bench:connectors — blue invoices delivered per second to the tax channel simulator
// through hutong (a province system's IssueInvoice to the hub gateway, accepted into the hub's
// outbox, delivered by the tax connector) against the same requests sent straight to the channel
// by a bare signed HTTP client, in the same run, with the same concurrency. The channel and the
// hub are processes of their own; deliveries are counted at the channel's store. Alternating
// rounds, medians. Last line: one JSON object (docs/benchmarks.md, "bench:connectors").
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { type BlueRequest, postSigned, requestSerial, taxPaths } from "@hutong/connector-tax";
import { type Invoice, InvoiceServiceService, IssueInvoiceRequest, Purpose } from "@hutong/proto";
import { forEachLimited } from "@hutong/service-kit";
import { freePort } from "@hutong/service-kit/dev";
import { devClient, planTicketFederation, sellerTaxId, ticketingParty } from "@hutong/ticketing/dev";
import { managed, processLauncher } from "../src/scenario/managed-process.js";
import { numberArg, say, sleep } from "../src/scenario/scenario-run.js";

const perRound = numberArg("invoices", 1500);
const concurrency = numberArg("concurrency", 16);
const rounds = numberArg("rounds", 3);

const dir = await mkdtemp(join(tmpdir(), "hutong-bench-connectors-"));
const appKey = "hutong-bench";
const secret = randomBytes(32);
const taxPort = await freePort();
const taxUrl = `http://127.0.0.1:${taxPort}`;
await mkdir(join(dir, "partners"));
const taxConfig = join(dir, "partners", "tax.json");
await writeFile(
  taxConfig,
  JSON.stringify({ dbPath: "tax.sqlite", port: taxPort, appKeys: { [appKey]: secret.toString("hex") } }),
);
const tax = await managed(
  "tax-simulator",
  [fileURLToPath(import.meta.resolve("@hutong/connector-tax/simulator-main")), "--config", taxConfig],
  "stdout",
  /^listening /,
);
const plan = await planTicketFederation(join(dir, "federation"), {
  provinces: ["510000"],
  stationsPerProvince: 1,
  invoicing: { baseUrl: taxUrl, appKey, appSecretHex: secret.toString("hex") },
  tweak: (party, raw) =>
    party === "mot"
      ? { ...raw, observability: { logLevel: "error" }, outbox: { concurrency, pollIntervalMs: 200 } }
      : raw,
});
const hub = await processLauncher(plan.dir, "").gateway("mot", await plan.hubConfig());
const caller = ticketingParty("510000");
const client = await devClient(plan.pki, caller, plan.hubPort, "mot");
const seller = sellerTaxId("510000");

const blueCount = async () => ((await (await fetch(`${taxUrl}/admin/stats`)).json()) as { blue: number }).blue;

function draft(ticketNo: string): Invoice {
  return {
    invoiceNo: "",
    issuedAt: undefined,
    kind: 2,
    specialElementType: 9,
    blue: true,
    reversedInvoiceNo: "",
    sellerTaxId: seller,
    sellerName: "四川道路客运有限公司",
    sellerTaxpayerType: 1,
    buyerTaxId: "",
    buyerName: "个人",
    totalAmount: "100.00",
    totalTax: "9.00",
    totalWithTax: "109.00",
    totalWithTaxInWords: "",
    issuerClerk: "售票系统",
    remarks: "",
    lines: [
      {
        lineNo: 1,
        itemName: "*运输服务*长途汽车旅客运输服务",
        taxClassificationCode: "3010101020101000000",
        amount: "100.00",
        taxRate: "0.09",
        taxAmount: "9.00",
      },
    ],
    passengerElements: [
      {
        travellerName: "旅客",
        travellerIdType: 201,
        travellerIdNo: "510104199001011234",
        travelTime: new Date("2026-12-04T00:00:00Z"),
        origin: "成都",
        destination: "重庆",
        seatClass: "普通",
        vehicleType: 3,
      },
    ],
    ticketNo,
  };
}

const pool = (n: number, work: (i: number) => Promise<void>) =>
  forEachLimited(
    Array.from({ length: n }, (_, i) => i),
    concurrency,
    (i) => work(i),
  );

/** The same blue request, straight to the channel. */
async function direct(tag: string): Promise<number> {
  const before = await blueCount();
  const t0 = performance.now();
  await pool(perRound, async (i) => {
    const ticketNo = `D${tag.toUpperCase()}${i}`;
    const serial = requestSerial("invoice", caller, `${ticketNo}:blue`);
    const d = draft(ticketNo);
    const request: BlueRequest = {
      fpqqlsh: serial,
      xsfnsrsbh: d.sellerTaxId,
      xsfmc: d.sellerName,
      xfnsrlxdm: "1",
      gmfnsrsbh: "",
      gmfmc: d.buyerName,
      fppzDm: "02",
      tdyslxDm: "09",
      kpr: d.issuerClerk,
      bz: "",
      hjje: d.totalAmount,
      hjse: d.totalTax,
      jshj: d.totalWithTax,
      hwxx: d.lines.map((l) => ({
        xh: l.lineNo,
        xmmc: l.itemName,
        sphfwssflhbbm: l.taxClassificationCode,
        je: l.amount,
        slv: l.taxRate,
        se: l.taxAmount,
      })),
      lkysfwtdysList: [
        {
          cxr: "旅客",
          cxrzjlxDm: "201",
          sfzjhm: "510104199001011234",
          chuxrq: "2026-12-04 08:00:00",
          cfd: "成都",
          ddd: "重庆",
          zwdj: "普通",
          jtgjlxDm: "3",
        },
      ],
      dzkph: ticketNo,
    };
    const r = await postSigned({ baseUrl: taxUrl, appKey, appSecret: secret }, taxPaths.issueBlue, request, {
      signal: AbortSignal.timeout(10_000),
    });
    if (r.answer?.code !== "0000") throw new Error(`direct: ${r.status} ${r.answer?.code}`);
  });
  const elapsed = (performance.now() - t0) / 1000;
  if ((await blueCount()) - before !== perRound) throw new Error("direct: not every invoice counted");
  return perRound / elapsed;
}

/** Through hutong: IssueInvoice to the hub, accepted into its outbox, delivered by the connector. */
async function throughOutbox(tag: string): Promise<number> {
  const before = await blueCount();
  const t0 = performance.now();
  const context = { targetParty: "tax:chinatax", purpose: Purpose.PURPOSE_INVOICING, grantId: "", correlationId: "" };
  await pool(perRound, async (i) => {
    const ticketNo = `H${tag.toUpperCase()}${i}`;
    const body = IssueInvoiceRequest.encode({
      context,
      idempotencyKey: `${ticketNo}:blue`,
      draft: draft(ticketNo),
    }).finish();
    await client.session.call(InvoiceServiceService.issueInvoice.path, Buffer.from(body), {
      deadline: Date.now() + 30_000,
    });
  });
  const accepted = (performance.now() - t0) / 1000;
  const giveUp = Date.now() + 300_000;
  for (;;) {
    if ((await blueCount()) - before >= perRound) break;
    if (Date.now() > giveUp) throw new Error("hutong: not every invoice reached the channel in 5 minutes");
    await sleep(20);
  }
  const elapsed = (performance.now() - t0) / 1000;
  say(
    `  hutong round ${tag}: accepted into the outbox in ${accepted.toFixed(2)} s, delivered in ${elapsed.toFixed(2)} s`,
  );
  if ((await blueCount()) - before !== perRound) throw new Error("hutong: an invoice issued twice");
  return perRound / elapsed;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
try {
  say(
    `bench:connectors — ${perRound} invoices per round, ${rounds} rounds, concurrency ${concurrency}, ${cpus().length} cores, load ${loadavg()[0]?.toFixed(2)}`,
  );
  await direct("warm");
  await throughOutbox("warm");
  const d: number[] = [];
  const h: number[] = [];
  for (let r = 0; r < rounds; r++) {
    d.push(await direct(`r${r}`));
    h.push(await throughOutbox(`r${r}`));
    say(`  round ${r + 1}: direct ${d[r]?.toFixed(0)}/s, through hutong ${h[r]?.toFixed(0)}/s`);
  }
  const hutong = median(h);
  const baseline = median(d);
  console.log(
    JSON.stringify({
      ratio: Number((hutong / baseline).toFixed(3)),
      hutong_deliveries_per_s: Math.round(hutong),
      direct_per_s: Math.round(baseline),
      invoices_per_round: perRound,
      concurrency,
    }),
  );
} finally {
  client.close();
  await hub.kill("SIGTERM");
  await tax.kill("SIGTERM");
  await rm(dir, { recursive: true, force: true });
}
