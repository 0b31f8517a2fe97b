import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { connectorPaths, partnerHeaders, type RoadLegBooking, throughConnectorKind } from "@hutong/connector-through";
import { type RunningPartnerSimulator, startPartnerSimulator } from "@hutong/connector-through/simulator";
import { signGrant, subjectDigest } from "@hutong/gateway";
import { postSigned } from "@hutong/partner-http";
import {
  CheckStatus,
  GrantorKind,
  LegMismatchKind,
  Purpose,
  RecordKind,
  SaleStatus,
  SignedGrant,
  ThroughTicketServiceService,
  Ticket,
  TicketEventKind,
} from "@hutong/proto";
import { freePort } from "@hutong/service-kit/dev";
import { roadLegTicketNo, stationParty } from "@hutong/ticketing";
import {
  dropSchemas,
  postgresSkip,
  postgresUrl,
  randomSchemaName,
  startTicketFederation,
  type TicketFederation,
  type TicketFederationOptions,
  ticketingParty,
  uploadStationEvents,
} from "@hutong/ticketing/testing";

// Through journeys (联程) end to end (docs/connectors.md §4): a rail and an air partner (their
// simulators, each its own server and store) sell journeys with a road leg in Sichuan; their
// connectors at the hub bring the notices to Sichuan's e-ticket service, which issues, changes and
// refunds the road legs; each side asks where the other's leg stands; the leg check finds the
// mismatches planted at the partners; the partner gets the road leg's ticket only under the
// passenger's grant.

const appKey = "hutong-through";
const secretHex = randomBytes(32).toString("hex");
const hour = 3_600_000;

async function until(what: string, done: () => Promise<boolean> | boolean, ms = 30_000) {
  const end = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function admin(sim: RunningPartnerSimulator, path: string, body: unknown) {
  const r = await fetch(`${sim.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
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
  describe(`through journeys with rail and air partners (${variant.name})`, { skip: variant.skip }, () => {
    let dir: string;
    let rail: RunningPartnerSimulator;
    let air: RunningPartnerSimulator;
    let railInbound: number;
    let fed: TicketFederation;
    const t0 = Date.parse("2026-12-10T00:00:00Z");

    let booking: (departMs: number, idNo: string) => RoadLegBooking;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "hutong-through-"));
      railInbound = await freePort();
      const airInbound = await freePort();
      const connector = (port: number) => ({ baseUrl: `http://127.0.0.1:${port}`, appKey, appSecretHex: secretHex });
      rail = await startPartnerSimulator({
        protocol: "rail",
        party: "rail:cr",
        dbPath: join(dir, "rail.sqlite"),
        appKeys: { [appKey]: secretHex },
        connector: connector(railInbound),
      });
      air = await startPartnerSimulator({
        protocol: "air",
        party: "air:ca",
        dbPath: join(dir, "air.sqlite"),
        appKeys: { [appKey]: secretHex },
        connector: connector(airInbound),
      });
      fed = await startTicketFederation(join(dir, "federation"), {
        provinces: ["510000", "440000"],
        stationsPerProvince: 2,
        store: variant.store(),
        through: {
          partners: [
            {
              party: "rail:cr",
              protocol: "rail",
              baseUrl: rail.url,
              appKey,
              appSecretHex: secretHex,
              inboundPort: railInbound,
            },
            {
              party: "air:ca",
              protocol: "air",
              baseUrl: air.url,
              appKey,
              appSecretHex: secretHex,
              inboundPort: airInbound,
            },
          ],
          checkIntervalMs: 300,
          minTransferMinutes: 30,
          pollIntervalMs: 100,
        },
        connectorKinds: [throughConnectorKind],
      });
      const sichuan = fed.provinces.get("510000");
      assert.ok(sichuan);
      const [board, alight] = sichuan.registry.stations;
      const route = sichuan.registry.routes[0];
      assert.ok(board && alight && route);
      booking = (departMs, idNo) => ({
        province: "510000",
        routeCode: route.code,
        scheduleNo: "K2001",
        boardStation: { code: board.code, name: board.name },
        alightStation: { code: alight.code, name: alight.name },
        departTime: new Date(departMs).toISOString(),
        fareFen: 8800,
        seatType: "普通座",
        carrier: { uscc: "91510100MA0000001X", name: "成都客运" },
        passenger: { name: "联程旅客", idType: 201, idNo },
      });
    });
    after(async () => {
      await fed?.close();
      await rail?.close();
      await air?.close();
      await dropSchemas(fed?.plan.postgresSchemas ?? []);
      await rm(dir, { recursive: true, force: true });
    });

    const journey = (journeyId: string, arriveMs: number, roadDepartMs: number, idNo: string) => {
      const byAir = journeyId.startsWith("A");
      return {
        journeyId,
        serviceNo: byAir ? "CA4101" : "G8601",
        from: byAir ? "PEK" : "北京西",
        to: byAir ? "TFU" : "成都东",
        departTime: new Date(arriveMs - 6 * hour).toISOString(),
        arriveTime: new Date(arriveMs).toISOString(),
        roadLegAfter: true,
        road: booking(roadDepartMs, idNo),
      };
    };

    const roadLeg = async (partner: string, journeyId: string, seq: number) =>
      fed.provinces.get("510000")?.store.ticket(roadLegTicketNo("510000", partner, journeyId, seq));

    it("issues, changes and refunds the road legs as the partners' notices say, each notice once", async () => {
      assert.equal(
        (await admin(rail, "/admin/journeys", journey("J1", t0 + 8 * hour, t0 + 9 * hour, "510104199001010011")))
          .status,
        201,
      );
      assert.equal(
        (await admin(air, "/admin/journeys", journey("A1", t0 + 8 * hour, t0 + 10 * hour, "510104199001010022")))
          .status,
        201,
      );
      await until(
        "both road legs sold",
        async () =>
          (await roadLeg("rail:cr", "J1", 1)) !== undefined && (await roadLeg("air:ca", "A1", 1)) !== undefined,
      );
      assert.equal((await roadLeg("rail:cr", "J1", 1))?.saleStatus, SaleStatus.SALE_STATUS_SOLD);

      const moved = {
        journeyId: "J1",
        departTime: new Date(t0 + 4 * hour).toISOString(),
        arriveTime: new Date(t0 + 10 * hour).toISOString(),
        road: booking(t0 + 11 * hour, "510104199001010011"),
      };
      assert.equal((await admin(rail, "/admin/journeys/change", moved)).status, 200);
      assert.equal((await admin(air, "/admin/journeys/refund", { journeyId: "A1" })).status, 200);
      await until(
        "the change and the refund applied",
        async () =>
          (await roadLeg("rail:cr", "J1", 2)) !== undefined &&
          (await roadLeg("air:ca", "A1", 1))?.saleStatus === SaleStatus.SALE_STATUS_REFUNDED,
      );
      const [old, current] = [await roadLeg("rail:cr", "J1", 1), await roadLeg("rail:cr", "J1", 2)];
      assert.equal(old?.saleStatus, SaleStatus.SALE_STATUS_CHANGED_OUT);
      assert.equal(current?.saleStatus, SaleStatus.SALE_STATUS_CHANGED_IN);
      assert.equal(current?.origTicketNo, old?.ticketNo);
      assert.equal(current?.departTime?.getTime(), t0 + 11 * hour);
      // Every notice acknowledged at the partners, none left.
      await until(
        "the feeds acknowledged",
        () =>
          rail.journeys().every((j) => j.noticesPending === 0) && air.journeys().every((j) => j.noticesPending === 0),
      );
    });

    it("refuses a change of a road leg already boarded, whole: no new leg, the old one as it was", async () => {
      assert.equal(
        (await admin(rail, "/admin/journeys", journey("J3", t0 + 8 * hour, t0 + 9 * hour, "510104199001010055")))
          .status,
        201,
      );
      await until("J3's road leg", async () => (await roadLeg("rail:cr", "J3", 1)) !== undefined);
      // The passenger boards the coach at the station: its check gate uploads the check.
      const sichuan = fed.provinces.get("510000");
      const station = sichuan?.registry.stations[0];
      assert.ok(sichuan && station);
      const source = stationParty(sichuan.party, station.code);
      const checked = await uploadStationEvents(await fed.client(source), ticketingParty("510000"), source, [
        {
          idempotencyKey: `${source}#check-J3`,
          source,
          sourceSeq: 1n,
          kind: TicketEventKind.TICKET_EVENT_KIND_CHECK,
          occurredAt: new Date(t0 + 9 * hour),
          ticket: Ticket.fromPartial({
            ticketNo: roadLegTicketNo("510000", "rail:cr", "J3", 1),
            issuerProvince: "510000",
          }),
          refundFeeFen: 0n,
          station: { code: station.code, name: station.name },
        },
      ]);
      assert.equal(checked.ackedSeq, 1n);
      const moved = {
        journeyId: "J3",
        departTime: new Date(t0 + 4 * hour).toISOString(),
        arriveTime: new Date(t0 + 10 * hour).toISOString(),
        road: booking(t0 + 11 * hour, "510104199001010055"),
      };
      assert.equal((await admin(rail, "/admin/journeys/change", moved)).status, 200);
      // The notice is taken (acknowledged, delivered) and refused at the province before anything is written.
      await until("the change notice delivered", () => rail.journeys().every((j) => j.noticesPending === 0));
      await fed.flush();
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(await roadLeg("rail:cr", "J3", 2), undefined, "no second road leg");
      const held = await roadLeg("rail:cr", "J3", 1);
      assert.equal(held?.saleStatus, SaleStatus.SALE_STATUS_SOLD, "the boarded leg is not changed out");
      assert.equal(held?.checkStatus, CheckStatus.CHECK_STATUS_CHECKED);
    });

    it("answers status both ways: the partner asks the road leg, the province the partner's", async () => {
      const asked = await admin(rail, "/admin/journeys/ask-road", { journeyId: "J1", province: "510000" });
      assert.equal(asked.status, 200);
      const answer = (
        asked.body as { answer?: { code?: string; data?: { found: boolean; saleStatus: string; ticketNo: string } } }
      ).answer;
      assert.equal(answer?.data?.found, true);
      assert.equal(answer?.data?.saleStatus, "SALE_STATUS_CHANGED_IN");
      assert.equal(answer?.data?.ticketNo, roadLegTicketNo("510000", "rail:cr", "J1", 2));
      // Asked of a province that did not sell it: not found there.
      const unknown = await admin(rail, "/admin/journeys/ask-road", { journeyId: "J1", province: "440000" });
      assert.equal((unknown.body as { answer?: { data?: { found: boolean } } }).answer?.data?.found, false);
    });

    it("finds the mismatches planted at the partners, and only those", async () => {
      assert.equal(
        (await admin(rail, "/admin/journeys", journey("J2", t0 + 8 * hour, t0 + 9 * hour, "510104199001010033")))
          .status,
        201,
      );
      assert.equal(
        (await admin(air, "/admin/journeys", journey("A2", t0 + 8 * hour, t0 + 9 * hour, "510104199001010044"))).status,
        201,
      );
      await until(
        "the new road legs",
        async () =>
          (await roadLeg("rail:cr", "J2", 1)) !== undefined && (await roadLeg("air:ca", "A2", 1)) !== undefined,
      );
      // Refunded at the rail partner without a notice; delayed at the air partner past the coach.
      assert.equal((await admin(rail, "/admin/journeys/silent", { journeyId: "J2", status: "REFUNDED" })).status, 200);
      assert.equal(
        (
          await admin(air, "/admin/journeys/silent", {
            journeyId: "A2",
            arriveTime: new Date(t0 + 8.9 * hour).toISOString(),
          })
        ).status,
        200,
      );
      const ministry = await fed.client("mot/reconciliation");
      const list = async () =>
        (
          await ministry.unary(ThroughTicketServiceService.listLegMismatches, {
            context: {
              targetParty: "prov:510000/ticketing",
              purpose: Purpose.PURPOSE_RECONCILIATION,
              grantId: "",
              correlationId: "",
            },
          })
        ).mismatches;
      await until("the mismatches confirmed", async () => (await list()).length >= 3);
      const found = new Map((await list()).map((m) => [m.journeyId, m.kind]));
      assert.equal(found.get("J2"), LegMismatchKind.LEG_MISMATCH_KIND_PARTNER_REFUNDED);
      assert.equal(found.get("A2"), LegMismatchKind.LEG_MISMATCH_KIND_CONNECTION_BROKEN);
      // J3's change was refused (its road leg boarded): the partner's leg moved, the coach did not.
      assert.equal(found.get("J3"), LegMismatchKind.LEG_MISMATCH_KIND_CONNECTION_BROKEN);
      assert.equal(found.size, 3, "the consistent journeys (J1 changed, A1 refunded on both sides) are not mismatches");
    });

    it("gives the partner the road leg's ticket only under the passenger's grant, audited either way", async () => {
      const ticketNo = roadLegTicketNo("510000", "rail:cr", "J1", 2);
      const fetchTicket = (grant: string) =>
        postSigned<{ ticket: { passenger?: { name?: string } } }>(
          {
            baseUrl: `http://127.0.0.1:${railInbound}`,
            appKey,
            appSecret: Buffer.from(secretHex, "hex"),
            headers: partnerHeaders,
          },
          connectorPaths.roadLegTicket,
          { journeyId: "J1", province: "510000", grant },
        );
      const subjectKey = await readFile(await fed.pki.subjectKeyFile());
      const digest = subjectDigest(Buffer.from(subjectKey.toString("utf8").trim(), "hex"), 201, "510104199001010011");
      const holder = fed.pki.holder(digest);
      const now = Date.now();
      const body = {
        version: 1,
        grantorKind: GrantorKind.GRANTOR_KIND_HOLDER,
        grantorParty: "",
        granteeParty: "rail:cr",
        ownerParty: "prov:510000",
        subjectDigest: Buffer.from(digest),
        recordKind: RecordKind.RECORD_KIND_E_TICKET,
        recordIds: [ticketNo],
        purpose: Purpose.PURPOSE_THROUGH_TICKET,
        notBefore: new Date(now - hour),
        expiresAt: new Date(now + 24 * hour),
        useLimit: 2,
        fieldsAllowed: ["ticket.ticket_no", "ticket.passenger.name", "ticket.depart_time", "ticket.sale_status"],
        issuedAt: new Date(now - 60_000),
        nonce: randomBytes(16),
      };
      const good = Buffer.from(SignedGrant.encode(signGrant(body, holder.privateKey, holder.chain)).finish()).toString(
        "base64",
      );
      // Another passenger's consent does not open this passenger's ticket.
      const otherDigest = subjectDigest(
        Buffer.from(subjectKey.toString("utf8").trim(), "hex"),
        201,
        "510104199001010022",
      );
      const other = fed.pki.holder(otherDigest);
      const wrong = Buffer.from(
        SignedGrant.encode(
          signGrant(
            { ...body, subjectDigest: Buffer.from(otherDigest), nonce: randomBytes(16) },
            other.privateKey,
            other.chain,
          ),
        ).finish(),
      ).toString("base64");

      const refused = await fetchTicket(wrong);
      assert.equal(refused.status, 403, "a grant by someone else is refused");
      const forged = await fetchTicket(Buffer.from("not a grant").toString("base64"));
      assert.ok(forged.status === 400 || forged.status === 403, "garbage is refused");
      const released = await fetchTicket(good);
      assert.equal(released.status, 200, JSON.stringify(released.answer));
      assert.equal(released.answer?.data?.ticket.passenger?.name, "联程旅客", "the grant's fields are released");
      // Both decisions are in Sichuan's audit log.
      const sichuan = fed.provinces.get("510000");
      assert.ok(sichuan);
      const head = await sichuan.gateway.auditLog.head();
      assert.ok(head.size > 0);
    });
  });
