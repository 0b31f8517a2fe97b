import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { defaultPartnerFaults, type PartnerChannel, postSigned } from "@hutong/partner-http";
import { partnerCodes } from "../protocol/partner-api.js";
import { type RunningPartnerSimulator, startPartnerSimulator } from "./partner-simulator.js";
import {
  admin,
  appKeys,
  drivers,
  journeyBody,
  newJourneyId,
  type PulledNotice,
  tempDir,
  testChannel,
} from "./testing-partner.js";

// Every fault as the connector meets it on each partner's feed, and what the store holds after:
// an acknowledgement applied but never answered is applied (the notice is not given again), a pull
// whose answer is lost took nothing (its notices come again).

for (const driver of Object.values(drivers)) {
  describe(`the ${driver.protocol} partner simulator's faults`, () => {
    let sim: RunningPartnerSimulator;
    let channel: PartnerChannel;
    let remove: () => Promise<void>;

    before(async () => {
      const temp = await tempDir();
      remove = temp.remove;
      sim = await startPartnerSimulator({
        protocol: driver.protocol,
        party: driver.party,
        dbPath: join(temp.dir, "sim.db"),
        appKeys,
        seed: 7,
      });
      channel = testChannel(sim.url);
    });
    after(async () => {
      await sim?.close();
      await remove?.();
    });
    beforeEach(() => sim.setFaults(defaultPartnerFaults));

    /** The pending notices, asked without faults (the faults are put back after). */
    async function pendingNotices(): Promise<PulledNotice[]> {
      const saved = sim.faults();
      sim.setFaults(defaultPartnerFaults);
      const reply = await postSigned(channel, driver.paths.pull, driver.pullBody(500));
      sim.setFaults(saved);
      assert.equal(reply.answer?.code, partnerCodes.ok);
      return driver.notices(reply.answer?.data);
    }
    /** A fresh journey whose first notice is the only one pending. */
    async function fresh(): Promise<PulledNotice> {
      const saved = sim.faults();
      sim.setFaults(defaultPartnerFaults);
      const old = await pendingNotices();
      if (old.length > 0) await postSigned(channel, driver.paths.ack, driver.ackBody(old.map((n) => n.id)));
      const created = await admin(sim.url, "/admin/journeys", journeyBody(driver, newJourneyId()));
      assert.equal(created.status, 201);
      const [notice, ...rest] = await pendingNotices();
      sim.setFaults(saved);
      assert.ok(notice !== undefined && rest.length === 0);
      return notice;
    }
    const ack = (ids: readonly string[], signal?: AbortSignal) =>
      postSigned<{ acked: number }>(
        channel,
        driver.paths.ack,
        driver.ackBody(ids),
        signal === undefined ? {} : { signal },
      );
    const pull = (signal?: AbortSignal) =>
      postSigned(channel, driver.paths.pull, driver.pullBody(500), signal === undefined ? {} : { signal });

    it("down: the connection is dropped, the ack takes nothing, admin still answers", async () => {
      const notice = await fresh();
      sim.setFaults({ down: true });
      const downs = sim.stats().faults.down;
      await assert.rejects(ack([notice.id]), TypeError);
      assert.equal(sim.stats().faults.down, downs + 1);
      assert.equal((await admin(sim.url, "/admin/stats")).status, 200);
      assert.deepEqual(await pendingNotices(), [notice]);
    });

    it("5xx: an error page, and the ack takes nothing", async () => {
      const notice = await fresh();
      sim.setFaults({ error5xxRate: 1 });
      const reply = await ack([notice.id]);
      assert.ok([500, 502, 503].includes(reply.status), String(reply.status));
      assert.equal(reply.answer, undefined);
      assert.deepEqual(await pendingNotices(), [notice]);
    });

    it("timeout after effect on an ack: no answer, yet the notice is acknowledged and never given again", async () => {
      const notice = await fresh();
      sim.setFaults({ timeoutAfterEffectRate: 1 });
      await assert.rejects(ack([notice.id], AbortSignal.timeout(300)), (e: Error) => e.name === "TimeoutError");
      assert.deepEqual(await pendingNotices(), []);
      const summary = sim.journeys().find((s) => s.journeyId === notice.journeyId);
      assert.deepEqual([summary?.noticesAcked, summary?.noticesPending], [1, 0]);
    });

    it("timeout after effect on a pull: no answer, and the notices come again", async () => {
      const notice = await fresh();
      sim.setFaults({ timeoutAfterEffectRate: 1 });
      const before = sim.stats().faults.timeoutAfterEffect;
      await assert.rejects(pull(AbortSignal.timeout(300)), (e: Error) => e.name === "TimeoutError");
      assert.equal(sim.stats().faults.timeoutAfterEffect, before + 1);
      assert.deepEqual(await pendingNotices(), [notice]);
    });

    it("duplicate answer: a pull gets the previous answer (a query's), while the ack it follows took effect", async () => {
      const notice = await fresh();
      const query = await postSigned(channel, driver.paths.query, driver.queryBody(notice.journeyId));
      assert.equal(query.answer?.code, partnerCodes.ok);
      sim.setFaults({ duplicateAnswerRate: 1 });
      const acked = await ack([notice.id]);
      assert.deepEqual(acked.answer, query.answer, "the ack's answer is the query's");
      assert.deepEqual(await pendingNotices(), [], "yet the ack took effect");
    });

    it("reorder: a pull and a query answered at once get each other's answers", async () => {
      const notice = await fresh();
      sim.setFaults({ reorderRate: 1 });
      const [pulled, queried] = await Promise.all([
        pull(),
        postSigned(channel, driver.paths.query, driver.queryBody(notice.journeyId)),
      ]);
      const echoed = ((queried.answer?.data ?? {}) as Record<string, unknown>)[
        driver.protocol === "rail" ? "notices" : "items"
      ];
      assert.ok(Array.isArray(echoed), "the query got the pull's answer");
      const key = driver.protocol === "rail" ? "ddh" : "orderNo";
      assert.equal(
        ((pulled.answer?.data ?? {}) as Record<string, unknown>)[key],
        notice.journeyId,
        "the pull got the query's",
      );
      assert.equal(sim.stats().faults.reorderedAnswer, 1);
    });

    it("slow: the ack is applied before its late answer", async () => {
      const notice = await fresh();
      sim.setFaults({ slowMs: 250 });
      const started = Date.now();
      const pending = ack([notice.id]);
      await new Promise((resolve) => setTimeout(resolve, 120));
      assert.equal(sim.journeys().find((s) => s.journeyId === notice.journeyId)?.noticesAcked, 1);
      const reply = await pending;
      assert.ok(Date.now() - started >= 240);
      assert.deepEqual(reply.answer?.data, { acked: 1 });
    });
  });
}
