// A province e-ticket service on PostgreSQL, as its own process (service-main.ts), SIGKILLed while
// a station uploads: started again, it tells the station its cursor, the station resends from what
// it had been told, and the store agrees with itself: the cursor, the source records and the event
// log cover every event once, the owner sequence has no hole, each ticket's versions run 1..n, and
// every applied event has its emissions and outbox messages. Nothing was applied twice.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import {
  EventOutcome,
  type PingResponse,
  type TicketEvent,
  TicketEventServiceClient,
  type UploadTicketEventsResponse,
} from "@hutong/proto";
import pg from "pg";
import { type FederationPlan, planTicketFederation } from "../federation/federation-plan.js";
import { simulateStationDay } from "../station/station-day.js";
import { dropSchemas, postgresSkip, postgresUrl, randomSchemaName } from "../testing.js";

const serviceMain = fileURLToPath(new URL("./service-main.ts", import.meta.url));

interface Child {
  readonly process: ChildProcess;
  readonly address: string;
  output(): string;
}

/** Starts service-main with `config` and waits until it listens. */
async function startService(configFile: string): Promise<Child> {
  const child = spawn(
    process.execPath,
    ["--conditions=hutong-source", "--import", "tsx", serviceMain, "--config", configFile],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const orphan = () => child.kill("SIGKILL");
  process.once("exit", orphan);
  child.once("exit", () => process.off("exit", orphan));
  let output = "";
  child.stderr?.on("data", (c: Buffer) => {
    output = (output + c.toString()).slice(-16_384);
  });
  const address = await new Promise<string | undefined>((resolve) => {
    child.stdout?.on("data", (c: Buffer) => {
      output = (output + c.toString()).slice(-16_384);
      const m = /listening (\S+)/.exec(output);
      if (m !== null) resolve(m[1]);
    });
    child.once("exit", () => resolve(undefined));
  });
  if (address === undefined) throw new Error(`the service ended before it listened:\n${output}`);
  return { process: child, address, output: () => output };
}

/** Polls `condition` every 20 ms, for up to 10 s. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("timed out waiting");
}

async function kill(child: Child): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.process.once("exit", () => resolve()));
  child.process.kill("SIGKILL");
  await exited;
}

/** A station system calling the service directly, as its gateway would: `hutong-origin` is the station. */
function stationClient(address: string, source: string) {
  const client = new TicketEventServiceClient(address, grpc.credentials.createInsecure());
  const metadata = () => {
    const m = new grpc.Metadata();
    m.set("hutong-origin", source);
    return m;
  };
  const context = { targetParty: "", purpose: 0, grantId: "", correlationId: "" };
  return {
    upload: (events: readonly TicketEvent[]) =>
      new Promise<UploadTicketEventsResponse>((resolve, reject) =>
        client.uploadTicketEvents(
          { context, source, events: [...events] },
          metadata(),
          { deadline: Date.now() + 10_000 },
          (e, r) => (e === null ? resolve(r) : reject(e)),
        ),
      ),
    ping: () =>
      new Promise<PingResponse>((resolve, reject) =>
        client.ping({ context, nonce: "", source }, metadata(), { deadline: Date.now() + 10_000 }, (e, r) =>
          e === null ? resolve(r) : reject(e),
        ),
      ),
    close: () => client.close(),
  };
}

describe("a province service on PostgreSQL, SIGKILLed mid-upload", { skip: postgresSkip }, () => {
  let dir: string;
  let plan: FederationPlan;
  let configFile: string;
  let child: Child | undefined;
  let db: pg.Client;
  const schemaPrefix = randomSchemaName();
  const schema = `${schemaPrefix}_510000`;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-ticket-kill-"));
    plan = await planTicketFederation(dir, {
      provinces: ["510000", "440000"],
      stationsPerProvince: 3,
      store: { postgres: { url: postgresUrl ?? "", schemaPrefix } },
    });
    configFile = join(dir, "service.json");
    // The gateway is never started: deliveries wait in the outbox, where they can be counted.
    await writeFile(configFile, JSON.stringify(plan.provinceServiceConfig("510000")));
    db = new pg.Client({ connectionString: postgresUrl });
    db.on("error", () => {});
    await db.connect();
  });
  after(async () => {
    if (child !== undefined) await kill(child);
    await db?.end();
    await dropSchemas(plan?.postgresSchemas ?? []);
    await rm(dir, { recursive: true, force: true });
  });

  it("loses nothing acknowledged and applies nothing twice", async (t) => {
    const sichuan = plan.provinces.get("510000");
    assert.ok(sichuan);
    const day = simulateStationDay(sichuan.registry, sichuan.party, "2026-12-04", 300, 11);
    const bySource = new Map<string, TicketEvent[]>();
    for (const e of day.events) bySource.set(e.source, [...(bySource.get(e.source) ?? []), e]);
    const [source, events] = [...bySource].sort((a, b) => b[1].length - a[1].length)[0] as [string, TicketEvent[]];
    assert.ok(events.length >= 150, `a station with enough events (${events.length})`);
    const batch = 20;

    const connect = async () => {
      child = await startService(configFile);
      return stationClient(child.address, source);
    };
    let station = await connect();
    let told = 0n;
    /** Uploads from `told` on, batch after batch, until `enough` says so, the service is gone or all is taken. */
    const uploadAll = async (enough: (answers: number) => boolean): Promise<void> => {
      let answers = 0;
      for (let from = Number(told); from < events.length && !enough(answers); from += batch) {
        try {
          told = (await station.upload(events.slice(from, from + batch))).ackedSeq;
        } catch {
          return; // the service is gone
        }
        answers += 1;
      }
    };
    const restart = async () => {
      station.close();
      station = await connect();
      return (await station.ping()).ackedSeq;
    };

    // 1. Killed inside an upload's transaction: the test holds the province's head row, so the
    // fourth batch waits on it after BEGIN, and the service dies there. Nothing of it is kept.
    await uploadAll((answers) => answers === 3);
    assert.equal(told, BigInt(3 * batch));
    await db.query("BEGIN");
    await db.query(`SELECT last_seq FROM "${schema}".province_head FOR UPDATE`);
    const inFlight = station.upload(events.slice(Number(told), Number(told) + batch)).then(
      () => "answered",
      () => "failed",
    );
    // Until the service's upload waits on the test's lock.
    await until(async () => {
      const { rows } = await db.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))",
      );
      return (rows[0] as { n: number }).n === 1;
    });
    await kill(child as Child);
    await db.query("ROLLBACK");
    assert.equal(await inFlight, "failed");
    assert.equal(await restart(), told, "the batch killed in its transaction left nothing");

    // 2. Killed at a random moment a few batches further on.
    let killed: Promise<void> | undefined;
    await uploadAll((answers) => {
      if (answers === 3 && killed === undefined) {
        const running = child as Child;
        killed = new Promise((resolve) => setTimeout(resolve, Math.random() * 15)).then(() => kill(running));
      }
      return false;
    });
    await killed;
    assert.ok(told >= BigInt(6 * batch) && told < BigInt(events.length), `killed mid-upload (told ${told})`);
    const cursor = await restart();
    assert.ok(cursor >= told, `nothing acknowledged is lost (told ${told}, cursor ${cursor})`);
    t.diagnostic(`${events.length} events; killed after ${told} were acknowledged, ${cursor} were committed`);

    // 3. The station resends from what it was told: what committed without an answer is a duplicate.
    let duplicates = 0;
    for (let from = Number(told); from < events.length; from += batch) {
      const r = await station.upload(events.slice(from, from + batch));
      duplicates += r.results.filter((x) => x.outcome === EventOutcome.EVENT_OUTCOME_DUPLICATE).length;
      assert.ok(r.results.every((x) => x.outcome !== EventOutcome.EVENT_OUTCOME_REFUSED));
    }
    assert.equal(duplicates, Number(cursor - told), "exactly the events committed but not acknowledged");
    assert.equal((await station.ping()).ackedSeq, BigInt(events.length));
    station.close();
    await kill(child as Child);
    child = undefined;

    const q = async (sql: string) => (await db.query(sql)).rows as Record<string, unknown>[];
    const n = events.length;
    assert.deepEqual(await q(`SELECT acked_seq::int FROM "${schema}".source_cursor`), [{ acked_seq: n }]);
    assert.deepEqual(
      await q(
        `SELECT count(*)::int AS rows, count(DISTINCT source_seq)::int AS seqs, min(source_seq)::int AS lo,
           max(source_seq)::int AS hi, count(*) FILTER (WHERE outcome = ${EventOutcome.EVENT_OUTCOME_APPLIED})::int AS applied
         FROM "${schema}".source_event`,
      ),
      [{ rows: n, seqs: n, lo: 1, hi: n, applied: n }],
    );
    assert.deepEqual(
      await q(
        `SELECT count(*)::int AS events, count(DISTINCT idempotency_key)::int AS keys, min(seq)::int AS lo,
           max(seq)::int AS hi, (SELECT last_seq::int FROM "${schema}".province_head) AS head
         FROM "${schema}".event_log`,
      ),
      [{ events: n, keys: n, lo: 1, hi: n, head: n }],
    );
    const keys = new Set((await q(`SELECT idempotency_key FROM "${schema}".event_log`)).map((r) => r.idempotency_key));
    assert.deepEqual(keys, new Set(events.map((e) => e.idempotencyKey)));
    // Each ticket's versions are 1..n in the owner sequence, and the ticket holds the last.
    assert.deepEqual(
      await q(
        `SELECT
           (SELECT count(*)::int FROM (
              SELECT ticket_version, row_number() OVER (PARTITION BY ticket_no ORDER BY seq) AS nth
              FROM "${schema}".event_log) AS x WHERE ticket_version <> nth) AS versions_off,
           (SELECT count(*)::int FROM "${schema}".ticket t WHERE version <>
              (SELECT max(ticket_version) FROM "${schema}".event_log l WHERE l.ticket_no = t.ticket_no)) AS tickets_off`,
      ),
      [{ versions_off: 0, tickets_off: 0 }],
    );
    // Every applied event's emissions were written with it, each with its outbox message.
    const [counts] = await q(
      `SELECT (SELECT count(*)::int FROM "${schema}".emission) AS emissions,
         (SELECT count(DISTINCT seq)::int FROM "${schema}".emission) AS routed,
         (SELECT count(*)::int FROM "${schema}".outbox_message WHERE ordering_key <> 'registry') AS messages`,
    );
    assert.equal(counts?.routed, n, "every event goes at least to the ministry");
    assert.equal(counts?.messages, counts?.emissions);
  });
});
