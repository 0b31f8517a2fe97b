import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type PartnerChannel, postSigned, RequestAuthenticator, signRequest } from "@hutong/partner-http";
import { connectorPaths, partnerCodes, type RoadLegStatusRequest } from "../protocol/partner-api.js";
import { partnerHeaders } from "../protocol/partner-headers.js";
import type { JourneySummary } from "./journey.js";
import { type RunningPartnerSimulator, startPartnerSimulator } from "./partner-simulator.js";
import {
  admin,
  appKeys,
  drivers,
  journeyBody,
  newJourneyId,
  type PulledNotice,
  roadBooking,
  tempDir,
  testAppKey,
  testChannel,
  testSecretHex,
} from "./testing-partner.js";

// Both partners' simulators, one spec: the feed (pull, ack, order per journey), the leg query,
// the admin's journeys, and the partner asking the connector (a stub here) about a road leg.

const connectorKey = "partner-at-connector";
const connectorSecretHex = randomBytes(32).toString("hex");
/** What the stub connector was asked, authentic requests only. */
const asked: RoadLegStatusRequest[] = [];
let stub: Server;
let stubUrl: string;
let dir: string;
let removeDir: () => Promise<void>;

before(async () => {
  ({ dir, remove: removeDir } = await tempDir());
  const auth = new RequestAuthenticator({
    appKeys: { [connectorKey]: connectorSecretHex },
    headers: partnerHeaders,
    codes: partnerCodes,
  });
  stub = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const body = Buffer.concat(chunks);
    const refusal = auth.check(req.method ?? "", req.url ?? "", req.headers, body, Date.now());
    const reply =
      refusal !== undefined
        ? { status: 401, answer: { code: refusal.code, msg: refusal.msg } }
        : req.url !== connectorPaths.roadLegStatus
          ? { status: 404, answer: { code: partnerCodes.malformed, msg: "no such path" } }
          : (() => {
              const request = JSON.parse(body.toString()) as RoadLegStatusRequest;
              asked.push(request);
              const data = { found: true, ticketNo: "T510000001", saleStatus: "SALE_STATUS_SOLD", checkStatus: "" };
              return { status: 200, answer: { code: partnerCodes.ok, msg: "ok", data } };
            })();
    res.writeHead(reply.status, { "content-type": "application/json" });
    res.end(JSON.stringify(reply.answer));
  });
  await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
  stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
});
after(async () => {
  stub.closeAllConnections();
  await new Promise((resolve) => stub.close(resolve));
  await removeDir();
});

for (const driver of Object.values(drivers)) {
  describe(`the ${driver.protocol} partner simulator`, () => {
    let sim: RunningPartnerSimulator;
    let channel: PartnerChannel;

    before(async () => {
      sim = await startPartnerSimulator({
        protocol: driver.protocol,
        party: driver.party,
        dbPath: join(dir, `${driver.protocol}.db`),
        appKeys,
        connector: { baseUrl: stubUrl, appKey: connectorKey, appSecretHex: connectorSecretHex },
      });
      channel = testChannel(sim.url);
    });
    after(async () => {
      await sim?.close();
    });

    /** A signed call that must be answered with an envelope. */
    async function call<T>(path: string, body: unknown, on = channel) {
      const reply = await postSigned<T>(on, path, body);
      assert.ok(reply.answer !== undefined, `an envelope from ${path} (HTTP ${reply.status})`);
      return { status: reply.status, code: reply.answer.code, msg: reply.answer.msg, data: reply.answer.data as T };
    }
    async function pullRaw(limit = 500): Promise<unknown> {
      const r = await call(driver.paths.pull, driver.pullBody(limit));
      assert.equal(r.code, partnerCodes.ok, r.msg);
      return r.data;
    }
    const pull = async (limit = 500): Promise<PulledNotice[]> => driver.notices(await pullRaw(limit));
    async function ack(ids: readonly string[]): Promise<number> {
      const r = await call<{ acked: number }>(driver.paths.ack, driver.ackBody(ids));
      assert.equal(r.code, partnerCodes.ok, r.msg);
      return r.data.acked;
    }
    /** Acknowledges everything pending, so a test sees only its own notices. */
    async function drain(): Promise<void> {
      for (let page = await pull(); page.length > 0; page = await pull()) await ack(page.map((n) => n.id));
    }
    async function create(journeyId = newJourneyId()): Promise<string> {
      const r = await admin(sim.url, "/admin/journeys", journeyBody(driver, journeyId));
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return journeyId;
    }
    const change = (journeyId: string, arriveTime = "2026-12-04T10:12:00+08:00", road = roadBooking()) =>
      admin(sim.url, "/admin/journeys/change", {
        journeyId,
        departTime: "2026-12-04T08:30:00+08:00",
        arriveTime,
        road,
      });

    describe("authentication", () => {
      const signedHeaders = (path: string, body: string, nonce: string) => {
        const timestamp = String(Date.now());
        return {
          [partnerHeaders.appKey]: testAppKey,
          [partnerHeaders.timestamp]: timestamp,
          [partnerHeaders.nonce]: nonce,
          [partnerHeaders.signature]: signRequest(
            Buffer.from(testSecretHex, "hex"),
            "POST",
            path,
            timestamp,
            nonce,
            Buffer.from(body),
          ),
        };
      };

      it("refuses an unknown key 1001, a wrong secret 1002, a stale timestamp 1003, all 401", async () => {
        const body = driver.queryBody("NOPE");
        const unknown = await call(driver.paths.query, body, testChannel(sim.url, testSecretHex, "nobody"));
        assert.deepEqual([unknown.status, unknown.code], [401, partnerCodes.unknownAppKey]);
        const wrong = await call(driver.paths.query, body, testChannel(sim.url, "ab".repeat(32)));
        assert.deepEqual([wrong.status, wrong.code], [401, partnerCodes.badSignature]);
        const stale = await postSigned(channel, driver.paths.query, body, { now: () => Date.now() - 301_000 });
        assert.deepEqual([stale.status, stale.answer?.code], [401, partnerCodes.staleTimestamp]);
      });

      it("refuses a reused nonce 1004 and does not let a forgery burn one", async () => {
        const body = JSON.stringify(driver.queryBody("NOPE"));
        const nonce = randomBytes(16).toString("hex");
        const headers = signedHeaders(driver.paths.query, body, nonce);
        const post = (h: Record<string, string>) =>
          fetch(`${sim.url}${driver.paths.query}`, { method: "POST", headers: h, body });
        const forged = await post({ ...headers, [partnerHeaders.signature]: "0".repeat(64) });
        assert.equal(forged.status, 401);
        assert.equal((await post(headers)).status, 200);
        const again = await post(headers);
        assert.equal(again.status, 401);
        assert.equal(((await again.json()) as { code: string }).code, partnerCodes.nonceReused);
      });

      it("answers an unknown API path 404 1005, the other shape's paths 404, and malformed requests 400 1005", async () => {
        const unknown = await call(`${driver.paths.pull}-x`, {});
        assert.deepEqual([unknown.status, unknown.code], [404, partnerCodes.malformed]);
        const other = drivers[driver.protocol === "rail" ? "air" : "rail"];
        const crossed = await postSigned(channel, other.paths.pull, other.pullBody(1));
        assert.equal(crossed.status, 404);
        for (const body of [driver.pullBody(0), driver.pullBody(501), { limit: 1, max: 1 }, driver.ackBody([""])]) {
          const path =
            "tzbh" in (body as object) || "noticeIds" in (body as object) ? driver.paths.ack : driver.paths.pull;
          const r = await call(path, body);
          assert.deepEqual([r.status, r.code], [400, partnerCodes.malformed], JSON.stringify(body));
        }
      });
    });

    describe("the feed", () => {
      it("gives a new journey's first notice in the shape's fields", async () => {
        await drain();
        const journeyId = newJourneyId();
        const before = Date.now();
        const created = await admin(sim.url, "/admin/journeys", {
          ...journeyBody(driver, journeyId),
          departTime: "2026-12-04T00:00:00Z",
        });
        assert.equal(created.status, 201);
        assert.equal(created.body.seq, 1);
        const data = (await pullRaw()) as Record<string, Record<string, unknown>[]>;
        const [notice] = driver.protocol === "rail" ? (data.notices ?? []) : (data.items ?? []);
        assert.ok(notice !== undefined);
        const time = String(driver.protocol === "rail" ? notice.tzsj : notice.issuedAt);
        const issuedAt = driver.protocol === "rail" ? Date.parse(`${time.replace(" ", "T")}+08:00`) : Date.parse(time);
        assert.ok(Math.abs(issuedAt - before) < 5000, time);
        if (driver.protocol === "rail") {
          assert.match(time, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
          assert.deepEqual(notice, {
            tzbh: created.body.noticeId,
            ddh: journeyId,
            xh: 1,
            tzlx: "CP",
            leg: {
              cc: "G8501",
              fz: "成都东",
              dz: "重庆西",
              fcsj: "2026-12-04 08:00:00",
              ddsj: "2026-12-04 09:42:00",
              zt: "CP",
              dlzh: true,
            },
            dlcc: roadBooking(),
            tzsj: time,
          });
        } else {
          assert.match(time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
          assert.deepEqual(notice, {
            noticeId: created.body.noticeId,
            orderNo: journeyId,
            sequence: 1,
            type: "TICKETED",
            segment: {
              flightNo: "CA4101",
              depAirport: "CTU",
              arrAirport: "PEK",
              depTime: "2026-12-04T08:00:00+08:00",
              arrTime: "2026-12-04T09:42:00+08:00",
              status: "TICKETED",
              roadAfterFlight: true,
            },
            roadSegment: roadBooking(),
            issuedAt: time,
          });
        }
      });

      it("gives an unacknowledged notice again, and an acknowledged one never", async () => {
        await drain();
        const [a, b] = [await create(), await create()];
        const first = await pull();
        assert.deepEqual(
          first.map((n) => [n.journeyId, n.seq, n.type]),
          [
            [a, 1, driver.types.issued],
            [b, 1, driver.types.issued],
          ],
        );
        assert.deepEqual(await pull(), first, "not acknowledged: the same notices again");
        const [na, nb] = first as [PulledNotice, PulledNotice];
        assert.equal(await ack([na.id, "UNKNOWN-ID"]), 1, "an unknown id is ignored");
        assert.deepEqual(await pull(), [nb]);
        assert.equal(await ack([na.id, nb.id, nb.id]), 2, "idempotent: known ids counted once");
        assert.deepEqual(await pull(), []);
        assert.equal(await ack([]), 0);
      });

      it("holds a journey's later notices back until the earlier is acknowledged, and keeps to the limit", async () => {
        await drain();
        const j = await create();
        assert.equal((await change(j, "2026-12-04T10:00:00+08:00")).status, 200);
        assert.equal((await change(j, "2026-12-04T10:30:00+08:00")).status, 200);
        const k = await create();
        const one = await pull(1);
        assert.deepEqual(
          one.map((n) => [n.journeyId, n.seq]),
          [[j, 1]],
        );
        const page = await pull();
        assert.deepEqual(
          page.map((n) => [n.journeyId, n.seq]),
          [
            [j, 1],
            [k, 1],
          ],
        );
        await ack([page[0]?.id ?? ""]);
        const next = await pull();
        assert.deepEqual(
          next.map((n) => [n.journeyId, n.seq, n.type]),
          [
            [j, 2, driver.types.changed],
            [k, 1, driver.types.issued],
          ],
        );
        await ack(next.map((n) => n.id));
        assert.deepEqual(
          (await pull()).map((n) => [n.journeyId, n.seq]),
          [[j, 3]],
        );
      });

      it("gives a change with the new leg and road booking, a refund with the road leg as last booked", async () => {
        await drain();
        const j = await create();
        await ack((await pull()).map((n) => n.id));
        const road = roadBooking({ scheduleNo: "1030", departTime: "2026-12-04T12:30:00+08:00" });
        const changed = await change(j, "2026-12-04T10:12:00+08:00", road);
        assert.deepEqual([changed.status, changed.body.seq], [200, 2]);
        const data = (await pullRaw()) as Record<string, Record<string, unknown>[]>;
        const notice = (driver.protocol === "rail" ? data.notices : data.items)?.[0];
        assert.ok(notice !== undefined);
        if (driver.protocol === "rail") {
          assert.equal(notice.tzlx, "GQ");
          assert.deepEqual([notice.xh, notice.dlcc], [2, road]);
          const leg = notice.leg as Record<string, unknown>;
          assert.deepEqual([leg.fcsj, leg.ddsj, leg.zt], ["2026-12-04 08:30:00", "2026-12-04 10:12:00", "CP"]);
        } else {
          assert.equal(notice.type, "REISSUED");
          assert.deepEqual([notice.sequence, notice.roadSegment], [2, road]);
          const s = notice.segment as Record<string, unknown>;
          assert.deepEqual(
            [s.depTime, s.arrTime, s.status],
            ["2026-12-04T08:30:00+08:00", "2026-12-04T10:12:00+08:00", "TICKETED"],
          );
        }
        await ack(driver.notices(data).map((n) => n.id));

        const refunded = await admin(sim.url, "/admin/journeys/refund", { journeyId: j });
        assert.deepEqual([refunded.status, refunded.body.seq], [200, 3]);
        const refundData = (await pullRaw()) as Record<string, Record<string, unknown>[]>;
        const refund = (driver.protocol === "rail" ? refundData.notices : refundData.items)?.[0];
        assert.ok(refund !== undefined);
        if (driver.protocol === "rail") {
          assert.deepEqual([refund.tzlx, (refund.leg as Record<string, unknown>).zt, refund.dlcc], ["TP", "TP", road]);
        } else {
          assert.deepEqual(
            [refund.type, (refund.segment as Record<string, unknown>).status, refund.roadSegment],
            ["REFUNDED", "REFUNDED", road],
          );
        }
        assert.equal((await admin(sim.url, "/admin/journeys/refund", { journeyId: j })).status, 409);
        assert.equal((await change(j)).status, 409);
        const summary = sim.journeys().find((s) => s.journeyId === j);
        assert.deepEqual([summary?.status, summary?.seq, summary?.noticesPending], ["REFUNDED", 3, 1]);
      });
    });

    describe("the leg query", () => {
      it("answers a journey's leg, and 3001 for an unknown one", async () => {
        const j = await create();
        const found = await call(driver.paths.query, driver.queryBody(j));
        assert.equal(found.code, partnerCodes.ok);
        const echoed = (found.data as Record<string, unknown>)[driver.protocol === "rail" ? "ddh" : "orderNo"];
        assert.equal(echoed, j);
        assert.deepEqual(driver.leg(found.data), {
          refunded: false,
          departTime: Date.parse("2026-12-04T08:00:00+08:00"),
          arriveTime: Date.parse("2026-12-04T09:42:00+08:00"),
        });
        const none = await call(driver.paths.query, driver.queryBody("NO-SUCH-JOURNEY"));
        assert.deepEqual([none.status, none.code, none.data], [200, partnerCodes.notFound, undefined]);
      });

      it("shows a silent change that the feed never tells", async () => {
        await drain();
        const j = await create();
        await ack((await pull()).map((n) => n.id));
        const silent = await admin(sim.url, "/admin/journeys/silent", {
          journeyId: j,
          status: "REFUNDED",
          arriveTime: "2026-12-04T11:00:00+08:00",
        });
        assert.equal(silent.status, 200);
        const found = await call(driver.paths.query, driver.queryBody(j));
        assert.deepEqual(driver.leg(found.data), {
          refunded: true,
          departTime: Date.parse("2026-12-04T08:00:00+08:00"),
          arriveTime: Date.parse("2026-12-04T11:00:00+08:00"),
        });
        assert.deepEqual(await pull(), []);
        const summary = sim.journeys().find((s) => s.journeyId === j);
        assert.deepEqual([summary?.seq, summary?.status], [1, "REFUNDED"]);
      });
    });

    describe("admin", () => {
      it("refuses a journey twice 409, an unknown one 404, and bodies that are not right 400", async () => {
        const j = await create();
        assert.equal((await admin(sim.url, "/admin/journeys", journeyBody(driver, j))).status, 409);
        assert.equal((await change("NO-SUCH-JOURNEY")).status, 404);
        assert.equal((await admin(sim.url, "/admin/journeys/refund", { journeyId: "NO-SUCH" })).status, 404);
        assert.equal(
          (await admin(sim.url, "/admin/journeys/silent", { journeyId: "NO-SUCH", status: "REFUNDED" })).status,
          404,
        );
        const cases: [Record<string, unknown>, string][] = [
          [{ departTime: "2026-12-04 08:00:00" }, "departTime"],
          [{ arriveTime: "2026-12-04T07:00:00+08:00" }, "arriveTime"],
          [{ serviceNo: "not a number" }, "serviceNo"],
          [{ from: driver.protocol === "air" ? "Chengdu" : "" }, "from"],
          [{ road: roadBooking({ province: "51" }) }, "road.province"],
          [{ road: { ...roadBooking(), passenger: undefined } }, "road.passenger"],
          [{ extra: 1 }, "extra"],
        ];
        for (const [overrides, field] of cases) {
          const r = await admin(sim.url, "/admin/journeys", { ...journeyBody(driver), ...overrides });
          assert.equal(r.status, 400, field);
          assert.ok(String(r.body.msg).includes(field), `${r.body.msg} names ${field}`);
          assert.ok(!String(r.body.msg).includes("张三"), "no personal data in the message");
        }
        const silentNothing = await admin(sim.url, "/admin/journeys/silent", { journeyId: j });
        assert.equal(silentNothing.status, 400);
        const notJson = await fetch(`${sim.url}/admin/journeys`, { method: "POST", body: "{" });
        assert.equal(notJson.status, 400);
      });

      it("lists journeys and stats, which count notices and requests", async () => {
        const j = await create();
        const list = (await admin(sim.url, "/admin/journeys")).body.journeys as JourneySummary[];
        assert.deepEqual(list, sim.journeys());
        const mine = list.find((s) => s.journeyId === j);
        assert.deepEqual(mine, {
          journeyId: j,
          status: "DELIVERED",
          seq: 1,
          departTime: "2026-12-04T08:00:00+08:00",
          arriveTime: "2026-12-04T09:42:00+08:00",
          roadLegAfter: true,
          noticesAcked: 0,
          noticesPending: 1,
          roadLegAsked: null,
        });
        const stats = (await admin(sim.url, "/admin/stats")).body;
        assert.deepEqual(stats, sim.stats());
        assert.deepEqual([stats.protocol, stats.party], [driver.protocol, driver.party]);
        assert.equal(stats.journeys, list.length);
        assert.equal(
          stats.notices,
          list.reduce((sum, s) => sum + s.noticesAcked + s.noticesPending, 0),
        );
        assert.equal(
          stats.pending,
          list.reduce((sum, s) => sum + s.noticesPending, 0),
        );
        assert.ok(((stats.requests as Record<string, number>)[driver.paths.pull] ?? 0) > 5);
      });
    });

    describe("asking the connector about a road leg", () => {
      it("sends a signed request the connector accepts, and keeps the answer", async () => {
        const j = await create();
        const r = await admin(sim.url, "/admin/journeys/ask-road", { journeyId: j, province: "510000" });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.deepEqual(r.body, {
          status: 200,
          answer: {
            code: partnerCodes.ok,
            msg: "ok",
            data: { found: true, ticketNo: "T510000001", saleStatus: "SALE_STATUS_SOLD", checkStatus: "" },
          },
        });
        assert.deepEqual(asked.at(-1), { journeyId: j, province: "510000" });
        const kept = sim.journeys().find((s) => s.journeyId === j)?.roadLegAsked;
        assert.deepEqual([kept?.status, kept?.answer], [200, r.body.answer]);
        assert.equal(
          (await admin(sim.url, "/admin/journeys/ask-road", { journeyId: "NOPE", province: "510000" })).status,
          404,
        );
      });

      it("relays a refusal, answers 502 when the connector is away, 409 when there is none", async () => {
        const j = await create();
        const run = async (connector: Parameters<typeof startPartnerSimulator>[0]["connector"]) => {
          const other = await startPartnerSimulator({
            protocol: driver.protocol,
            party: driver.party,
            dbPath: join(dir, `${driver.protocol}-${randomBytes(4).toString("hex")}.db`),
            appKeys,
            ...(connector === undefined ? {} : { connector }),
          });
          try {
            await admin(other.url, "/admin/journeys", journeyBody(driver, j));
            return await admin(other.url, "/admin/journeys/ask-road", { journeyId: j, province: "510000" });
          } finally {
            await other.close();
          }
        };
        const count = asked.length;
        const refused = await run({ baseUrl: stubUrl, appKey: connectorKey, appSecretHex: "cd".repeat(32) });
        assert.equal(refused.status, 200);
        assert.deepEqual(refused.body.status, 401);
        assert.equal((refused.body.answer as { code: string }).code, partnerCodes.badSignature);
        assert.equal(asked.length, count, "the stub took nothing unsigned");
        const away = await run({
          baseUrl: "http://127.0.0.1:9",
          appKey: connectorKey,
          appSecretHex: connectorSecretHex,
        });
        assert.equal(away.status, 502);
        assert.equal((await run(undefined)).status, 409);
      });
    });
  });
}
