import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isWireError, Status } from "@hutong/client";
import { parseYuan, taxConnectorKind } from "@hutong/connector-tax";
import { type RunningTaxSimulator, startTaxSimulator } from "@hutong/connector-tax/simulator";
import {
  InvoiceRequestState,
  InvoiceServiceService,
  IssueInvoiceRequest,
  Purpose,
  QueryInvoicesRequest,
  QueryInvoicesResponse,
  TicketEventKind,
} from "@hutong/proto";
import {
  dropSchemas,
  postgresSkip,
  postgresUrl,
  randomSchemaName,
  simulateStationDay,
  startTicketFederation,
  storeRows,
  storeValue,
  type TicketFederation,
  type TicketFederationOptions,
  ticketingParty,
  uploadStationEvents,
} from "@hutong/ticketing/testing";

// Tickets invoiced end to end (docs/connectors.md): stations upload a day to Sichuan's e-ticket
// service, which asks for blue invoices and reversals through its gateway and the hub, whose tax
// connector delivers them to the channel simulator through the hub's outbox; the invoice numbers
// come back onto the tickets. Counted at the simulator's own store.

const appKey = "hutong-e2e";
const appSecretHex = randomBytes(32).toString("hex");
const invoiced = new Set<number>([TicketEventKind.TICKET_EVENT_KIND_SALE, TicketEventKind.TICKET_EVENT_KIND_CHANGE_IN]);
const reversed = new Set<number>([
  TicketEventKind.TICKET_EVENT_KIND_REFUND,
  TicketEventKind.TICKET_EVENT_KIND_CHANGE_OUT,
  TicketEventKind.TICKET_EVENT_KIND_VOID,
]);

async function until(what: string, done: () => Promise<boolean> | boolean, ms = 60_000) {
  const end = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Once with the e-ticket services' stores on SQLite, once on PostgreSQL when HUTONG_TEST_POSTGRES_URL is set.
const variants = [
  {
    name: "SQLite",
    skip: false as string | false,
    store: (): NonNullable<TicketFederationOptions["store"]> => "sqlite",
  },
  {
    name: "PostgreSQL",
    skip: postgresSkip,
    store: (): NonNullable<TicketFederationOptions["store"]> => ({
      postgres: { url: postgresUrl ?? "", schemaPrefix: randomSchemaName() },
    }),
  },
];

for (const variant of variants)
  describe(`tickets invoiced through the hub's tax connector, exactly once (${variant.name})`, {
    skip: variant.skip,
  }, () => {
    let dir: string;
    let sim: RunningTaxSimulator;
    let fed: TicketFederation;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "hutong-invoices-"));
      sim = await startTaxSimulator({ dbPath: join(dir, "tax-channel.sqlite"), appKeys: { [appKey]: appSecretHex } });
      fed = await startTicketFederation(join(dir, "federation"), {
        provinces: ["510000", "440000"],
        stationsPerProvince: 2,
        store: variant.store(),
        invoicing: { baseUrl: sim.url, appKey, appSecretHex, followUpMs: 100 },
        connectorKinds: [taxConnectorKind],
      });
    });
    after(async () => {
      await fed?.close();
      await sim?.close();
      await dropSchemas(fed?.plan.postgresSchemas ?? []);
      await rm(dir, { recursive: true, force: true });
    });

    it("issues one blue invoice per sale or change-in and one reversal per refund, change-out or void", async () => {
      const sichuan = fed.provinces.get("510000");
      assert.ok(sichuan);
      // Part of the day's sales go out while the channel answers after the effect and then times out,
      // the dangerous case: the connector must find those invoices, not issue them twice.
      sim.setFaults({ timeoutAfterEffectRate: 0.3, error5xxRate: 0.1 });
      const day = simulateStationDay(sichuan.registry, sichuan.party, "2026-12-04", 60, 11);
      const bySource = new Map<string, typeof day.events>();
      for (const e of day.events) bySource.set(e.source, [...(bySource.get(e.source) ?? []), e]);
      for (const [source, events] of bySource) {
        const client = await fed.client(source);
        await uploadStationEvents(client, ticketingParty("510000"), source, events, { batch: 25 });
      }
      const store = sichuan.store;
      const applied = (await storeRows(
        store,
        "SELECT e.kind AS kind, e.ticket_no AS ticket_no, t.fare_fen AS fare FROM event_log e JOIN ticket t USING (ticket_no)",
      )) as { kind: number; ticket_no: string; fare: number }[];
      const blues = applied.filter((a) => invoiced.has(a.kind) && Number(a.fare) > 0).length;
      const reds = applied.filter((a) => reversed.has(a.kind) && Number(a.fare) > 0).length;
      assert.ok(blues > 30 && reds > 3, `the day has sales (${blues}) and reversals (${reds})`);
      setTimeout(() => sim.setFaults({ timeoutAfterEffectRate: 0, error5xxRate: 0 }), 3000);
      await until("every invoice at the channel", () => {
        const all = sim.invoices();
        return (
          all.filter((i) => i.sflzfp === "Y").length >= blues && all.filter((i) => i.sflzfp === "N").length >= reds
        );
      });
      const all = sim.invoices();
      assert.equal(all.filter((i) => i.sflzfp === "Y").length, blues, "no blue invoice twice");
      assert.equal(all.filter((i) => i.sflzfp === "N").length, reds, "no reversal twice");
      const blueOf = new Map(all.filter((i) => i.sflzfp === "Y").map((i) => [i.dzkph, i]));
      assert.equal(blueOf.size, blues, "one blue invoice per ticket");
      for (const red of all.filter((i) => i.sflzfp === "N")) {
        const blue = blueOf.get(red.dzkph);
        assert.ok(blue, `the reversal of ${red.dzkph} has its blue invoice`);
        assert.equal(red.kjhzfpdydlzfphm, blue.fphm);
        const left = (parseYuan(blue.jshj) ?? 0n) + (parseYuan(red.jshj) ?? 0n);
        assert.ok(left >= 0n, "a reversal never exceeds its blue invoice");
      }
      // The numbers come back onto the tickets.
      await until("the invoice numbers on the tickets", async () => {
        const n = await storeValue(store, "SELECT count(*) FROM invoice_request WHERE state != 'issued'");
        return Number(n) === 0;
      });
      const rows = (await storeRows(
        store,
        "SELECT idempotency_key AS key, ticket_no AS ticket_no, invoice_no AS invoice_no FROM invoice_request",
      )) as { key: string; ticket_no: string; invoice_no: string }[];
      assert.equal(rows.length, blues + reds, "one request per invoice called for");
      for (const r of rows.filter((r) => r.key.endsWith(":blue"))) {
        assert.equal(r.invoice_no, blueOf.get(r.ticket_no)?.fphm);
        const ticket = await sichuan.store.ticket(r.ticket_no);
        assert.equal(ticket?.invoiceNo, r.invoice_no, "the ticket carries its invoice number");
      }
      const stats = await fed.hub.store.outboxStats(Date.now());
      assert.deepEqual(
        stats.filter((s) => s.topic === "tax-invoices" && (s.depth > 0 || s.dead > 0)),
        [],
        "the hub's outbox drained",
      );
    });

    it("answers a caller's own requests only, refuses malformed ones and sellers not its own", async () => {
      const client = await fed.client(ticketingParty("440000"));
      const context = {
        targetParty: "tax:chinatax",
        purpose: Purpose.PURPOSE_INVOICING,
        grantId: "",
        correlationId: "",
      };
      // Guangdong asks for Sichuan's keys: the serial is derived from the caller, so it learns nothing.
      const sichuanKeys = `${sim.invoices()[0]?.dzkph ?? "none"}:blue`;
      const reply = await client.session.call(
        InvoiceServiceService.queryInvoices.path,
        Buffer.from(QueryInvoicesRequest.encode({ context, idempotencyKeys: [sichuanKeys] }).finish()),
      );
      const [outcome] = QueryInvoicesResponse.decode(reply.body).outcomes;
      assert.equal(outcome?.state, InvoiceRequestState.INVOICE_REQUEST_STATE_UNSPECIFIED);
      assert.equal(outcome?.invoiceNo, "");
      const refusal = async (request: Uint8Array) => {
        try {
          await client.session.call(InvoiceServiceService.issueInvoice.path, Buffer.from(request));
        } catch (e) {
          if (isWireError(e)) return e.code;
          throw e;
        }
        return Status.OK;
      };
      assert.equal(
        await refusal(IssueInvoiceRequest.encode({ context, idempotencyKey: "k1", draft: undefined }).finish()),
        Status.INVALID_ARGUMENT,
      );
      const otherSeller = IssueInvoiceRequest.encode({
        context,
        idempotencyKey: "k2",
        draft: {
          invoiceNo: "",
          issuedAt: undefined,
          kind: 2,
          specialElementType: 9,
          blue: true,
          reversedInvoiceNo: "",
          sellerTaxId: "91510000MA00000005",
          sellerName: "x",
          sellerTaxpayerType: 1,
          buyerTaxId: "",
          buyerName: "x",
          totalAmount: "10.00",
          totalTax: "0.90",
          totalWithTax: "10.90",
          totalWithTaxInWords: "",
          issuerClerk: "x",
          remarks: "",
          lines: [
            {
              lineNo: 1,
              itemName: "x",
              taxClassificationCode: "3010101020101000000",
              amount: "10.00",
              taxRate: "0.09",
              taxAmount: "0.90",
            },
          ],
          passengerElements: [
            {
              travellerName: "x",
              travellerIdType: 201,
              travellerIdNo: "x",
              travelTime: new Date("2026-12-04T08:00:00+08:00"),
              origin: "成都",
              destination: "重庆",
              seatClass: "",
              vehicleType: 3,
            },
          ],
          ticketNo: "T1",
        },
      }).finish();
      assert.equal(
        await refusal(otherSeller),
        Status.PERMISSION_DENIED,
        "Guangdong may not invoice as Sichuan's seller",
      );
      assert.equal(await refusal(Buffer.from([0xff, 0xff, 0xff])), Status.INVALID_ARGUMENT, "malformed protobuf");
    });
  });
