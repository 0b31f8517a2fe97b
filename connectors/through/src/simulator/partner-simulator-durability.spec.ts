import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { postSigned } from "@hutong/partner-http";
import Database from "better-sqlite3";
import { partnerCodes } from "../protocol/partner-api.js";
import { startPartnerSimulator } from "./partner-simulator.js";
import {
  admin,
  appKeys,
  drivers,
  journeyBody,
  newJourneyId,
  type PulledNotice,
  type ShapeDriver,
  tempDir,
  testChannel,
} from "./testing-partner.js";

// The store survives what a process does not: a clean restart, and SIGKILL in the middle of
// admin and feed traffic.

const simulatorMain = fileURLToPath(new URL("./simulator-main.ts", import.meta.url));

let dir: string;
let remove: () => Promise<void>;
before(async () => {
  ({ dir, remove } = await tempDir());
});
after(async () => {
  await remove?.();
});

interface Child {
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
}

/** Runs simulator-main with `config` written to a file; resolves with the child and its URL, or undefined if it ended first. */
async function runMain(name: string, config: unknown): Promise<{ child: Child; url: string | undefined }> {
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(config));
  const proc = spawn(
    process.execPath,
    ["--conditions=hutong-source", "--import", "tsx", simulatorMain, "--config", file],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const orphan = () => proc.kill("SIGKILL");
  process.once("exit", orphan);
  const exited = new Promise<number | null>((resolve) =>
    proc.once("exit", (code) => {
      process.off("exit", orphan);
      resolve(code);
    }),
  );
  let output = "";
  proc.stderr?.on("data", (c: Buffer) => {
    output += c.toString();
  });
  const url = await new Promise<string | undefined>((resolve) => {
    proc.stdout?.on("data", (c: Buffer) => {
      output += c.toString();
      const m = /^listening (http:\/\/\S+)$/m.exec(output);
      if (m !== null) resolve(m[1]);
    });
    void exited.then(() => resolve(undefined));
  });
  return { child: { process: proc, exited, output: () => output }, url };
}

/** Every pending notice of the simulator at `url`. */
async function pending(driver: ShapeDriver, url: string): Promise<PulledNotice[]> {
  const reply = await postSigned(testChannel(url), driver.paths.pull, driver.pullBody(500));
  assert.equal(reply.answer?.code, partnerCodes.ok);
  return driver.notices(reply.answer?.data);
}

for (const driver of Object.values(drivers)) {
  describe(`the ${driver.protocol} partner's store across restarts`, () => {
    it("keeps the journeys and the unacknowledged notices, and goes on with each journey's sequence", async () => {
      const dbPath = join(dir, `restart-${driver.protocol}.db`);
      const options = { protocol: driver.protocol, party: driver.party, dbPath, appKeys };
      const first = await startPartnerSimulator(options);
      const ids = [newJourneyId(), newJourneyId(), newJourneyId()];
      for (const id of ids)
        assert.equal((await admin(first.url, "/admin/journeys", journeyBody(driver, id))).status, 201);
      const [taken] = await pending(driver, first.url);
      assert.ok(taken !== undefined);
      await postSigned(testChannel(first.url), driver.paths.ack, driver.ackBody([taken.id]));
      const journeys = first.journeys();
      const unacked = await pending(driver, first.url);
      assert.equal(unacked.length, 2);
      await first.close();

      const second = await startPartnerSimulator(options);
      try {
        assert.deepEqual(second.journeys(), journeys);
        assert.deepEqual(await pending(driver, second.url), unacked);
        const changed = await admin(second.url, "/admin/journeys/change", {
          journeyId: taken.journeyId,
          departTime: "2026-12-04T08:30:00+08:00",
          arriveTime: "2026-12-04T10:30:00+08:00",
          road: journeyBody(driver).road,
        });
        assert.deepEqual([changed.status, changed.body.seq], [200, 2]);
      } finally {
        await second.close();
      }
    });

    it("is never opened as another partner's", async () => {
      const dbPath = join(dir, `owned-${driver.protocol}.db`);
      const sim = await startPartnerSimulator({ protocol: driver.protocol, party: driver.party, dbPath, appKeys });
      await sim.close();
      const other = drivers[driver.protocol === "rail" ? "air" : "rail"];
      await assert.rejects(
        startPartnerSimulator({ protocol: other.protocol, party: other.party, dbPath, appKeys }),
        /belongs to protocol/,
      );
      await assert.rejects(
        startPartnerSimulator({ protocol: driver.protocol, party: `${driver.protocol}:other`, dbPath, appKeys }),
        /belongs to party/,
      );
    });
  });
}

describe("simulator-main", () => {
  it("refuses a bad config with every problem and exit 2", async () => {
    const { child, url } = await runMain("bad", {
      protocol: "rail",
      party: "air:ca",
      dbPath: "",
      appKeys: { k: "xyz" },
      port: -1,
      connector: { baseUrl: "ftp://x/", appKey: "k", appSecretHex: "00" },
      extra: 1,
    });
    assert.equal(url, undefined);
    assert.equal(await child.exited, 2);
    for (const field of ["party", "dbPath", "appKeys.k", "port", "connector.baseUrl", "extra"]) {
      assert.ok(child.output().includes(field), `${field} in:\n${child.output()}`);
    }
  });

  for (const driver of Object.values(drivers)) {
    it(`leaves the ${driver.protocol} store consistent when SIGKILLed under concurrent creates, pulls and acks, then stops cleanly on SIGTERM`, async () => {
      const dbName = `kill-${driver.protocol}.db`;
      const config = { protocol: driver.protocol, party: driver.party, dbPath: dbName, appKeys, seed: 3 };
      const { child, url } = await runMain(`kill-${driver.protocol}`, config);
      assert.ok(url !== undefined, child.output());
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const channel = testChannel(url);

      const created = new Set<string>();
      const acked = new Set<string>();
      let stop = false;
      let failures = 0;
      const creator = async () => {
        while (!stop) {
          const journeyId = newJourneyId();
          try {
            const r = await admin(url, "/admin/journeys", journeyBody(driver, journeyId));
            if (r.status === 201) created.add(journeyId);
          } catch {
            failures += 1;
            return;
          }
        }
      };
      const consumer = async () => {
        while (!stop) {
          try {
            const pulled = await postSigned(channel, driver.paths.pull, driver.pullBody(20));
            const ids = driver.notices(pulled.answer?.data).map((n) => n.id);
            if (ids.length === 0) continue;
            const reply = await postSigned<{ acked: number }>(channel, driver.paths.ack, driver.ackBody(ids));
            if (reply.answer?.code === partnerCodes.ok) for (const id of ids) acked.add(id);
          } catch {
            failures += 1;
            return;
          }
        }
      };
      const workers = [...Array.from({ length: 6 }, creator), ...Array.from({ length: 3 }, consumer)];
      while (created.size < 60 || acked.size < 20) await new Promise((resolve) => setTimeout(resolve, 5));
      child.process.kill("SIGKILL");
      await child.exited;
      stop = true;
      await Promise.all(workers);
      assert.ok(failures > 0, "requests were under way when it was killed");

      const db = new Database(join(dir, dbName), { readonly: true });
      try {
        const journeys = db.prepare(`SELECT journey_id, notices_issued, last_seq FROM journeys`).all() as {
          journey_id: string;
          notices_issued: number;
          last_seq: number;
        }[];
        const notices = db.prepare(`SELECT id, journey_id, seq, type, acked FROM notices`).all() as {
          id: string;
          journey_id: string;
          seq: number;
          type: string;
          acked: number;
        }[];
        const known = new Set(journeys.map((j) => j.journey_id));
        for (const id of created) assert.ok(known.has(id), "every journey answered created is kept");
        const byJourney = new Map<string, typeof notices>();
        for (const n of notices) byJourney.set(n.journey_id, [...(byJourney.get(n.journey_id) ?? []), n]);
        for (const j of journeys) {
          const own = byJourney.get(j.journey_id) ?? [];
          assert.deepEqual(
            own.map((n) => [n.seq, n.type]),
            [[1, "ISSUED"]],
            `journey ${j.journey_id} has its first notice, once`,
          );
          assert.deepEqual([j.notices_issued, j.last_seq], [1, 1]);
        }
        assert.equal(new Set(notices.map((n) => n.id)).size, notices.length, "no notice id twice");
        assert.equal(byJourney.size, journeys.length, "no notice without its journey");
        const ackedInStore = new Set(notices.filter((n) => n.acked === 1).map((n) => n.id));
        for (const id of acked) assert.ok(ackedInStore.has(id), "every acknowledgement answered is kept");
      } finally {
        db.close();
      }

      // Started again on the same file: the unacknowledged notices are still given.
      const again = await runMain(`kill-${driver.protocol}`, config);
      assert.ok(again.url !== undefined, again.child.output());
      const left = await pending(driver, again.url);
      assert.ok(
        left.every((n) => !acked.has(n.id)),
        "nothing acknowledged is given again",
      );
      again.child.process.kill("SIGTERM");
      assert.equal(await again.child.exited, 0);
    });
  }
});
