import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type HutongStore, isConfigError, isGatewayError, openStore } from "@hutong/gateway";
import { AuditEntry } from "@hutong/proto";
import { CommanderError } from "commander";
import pg from "pg";
import { stringify } from "yaml";
import { UsageError } from "../support/usage-error.js";
import { type CliRun as Run, runHutong as run } from "../testing.js";
import { outboxCommand } from "./outbox-command.js";
import type { OutboxCommandIo } from "./outbox-io.js";

const party = "prov:510000";
const t0 = 1_780_000_000_000;
const postgresUrl = process.env.HUTONG_TEST_POSTGRES_URL;

/** `hutong outbox ...` in this process, with bin.ts's exit statuses (2 usage, 1 refused or failed). */
async function runIn(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  let code = 0;
  const io: OutboxCommandIo = {
    stdout: {
      write: (t: string) => {
        stdout += t;
      },
    },
    stderr: {
      write: (t: string) => {
        stderr += t;
      },
    },
    exitCode: (c) => {
      code = c;
    },
    env,
    now: () => t0 + 90_000,
  };
  try {
    await outboxCommand(io).parseAsync(args, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 2;
    else if (e instanceof UsageError) {
      stderr += `hutong: ${e.message}\n`;
      code = 2;
    } else if (isConfigError(e) || isGatewayError(e)) {
      stderr += `hutong: ${e.message}\n`;
      code = 1;
    } else throw e;
  }
  return { code, stdout, stderr };
}

/** A gateway config as `hutong start` reads it; only the store section is used here. */
function configYaml(store: Record<string, unknown>): string {
  return stringify({
    party,
    role: "province",
    identity: { chain: "pki/chain.pem", key: "pki/key.pem" },
    trust: { anchors: ["pki/ca.pem"] },
    session: { ticketKeys: { current: { id: 1, secretEnv: "TICKET_KEY" } } },
    store,
  });
}

const msg = (key: string, destination: string, orderingKey: string | null = null) => ({
  topic: "grant-revocation",
  destination,
  idempotencyKey: key,
  orderingKey,
  payload: new Uint8Array(Buffer.from(`payload of ${key}`)),
});

/** Three messages for mot, the first a dead letter with one behind it; one pending for Guangdong. */
async function fill(store: HutongStore): Promise<{ dead: number; blocked: number; pending: number }> {
  await store.enqueueOutbox([msg("a", "mot", "k"), msg("b", "mot", "k"), msg("c", "prov:440000")], t0);
  const [a] = await store.claimOutbox({
    leaseToken: "L",
    nowMs: t0,
    leaseUntilMs: t0 + 1,
    limit: 1,
    topics: ["grant-revocation"],
    skip: [],
  });
  await store.settleOutbox(
    "L",
    [{ id: a?.id ?? 0, outcome: "dead", attempted: true, error: "rejected: PERMISSION_DENIED" }],
    t0,
  );
  const { messages } = await store.listOutbox({ pageSize: 10 }, t0);
  const id = (k: string) => messages.find((m) => m.idempotencyKey === k)?.id ?? 0;
  return { dead: id("a"), blocked: id("b"), pending: id("c") };
}

describe("hutong outbox on a SQLite store", () => {
  let dir: string;
  let config: string;
  let dbPath: string;
  let ids: { dead: number; blocked: number; pending: number };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-outbox-cli-"));
    dbPath = join(dir, "data", "hutong.db");
    config = join(dir, "gateway.yaml");
    await writeFile(config, configYaml({ kind: "sqlite", path: dbPath }));
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(dir, "data"));
    const store = await openStore({ kind: "sqlite", path: dbPath, thread: "main" }, { hash: "sm3" });
    try {
      ids = await fill(store);
    } finally {
      await store.close();
    }
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const withStore = async <R>(fn: (s: HutongStore) => Promise<R>): Promise<R> => {
    const store = await openStore({ kind: "sqlite", path: dbPath, thread: "main" }, { hash: "sm3" });
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  };

  it("list: a summary per destination, then the messages with their state, tries, age and last error", async () => {
    const r = await runIn(["list", "--config", config]);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout.split("\n");
    assert.equal(out[0], "grant-revocation → mot: 1 to deliver (0 in flight, 1 blocked), 1 dead, oldest 1m30s");
    assert.equal(out[1], "grant-revocation → prov:440000: 1 to deliver (0 in flight, 0 blocked), 0 dead, oldest 1m30s");
    assert.ok(
      out.includes(`${ids.dead}\tgrant-revocation\tmot\tdead\t1\t1m30s\t-\tk\trejected: PERMISSION_DENIED`),
      r.stdout,
    );
    assert.ok(out.includes(`${ids.blocked}\tgrant-revocation\tmot\tblocked\t0\t1m30s\tdue\tk\t-`), r.stdout);
    assert.ok(!r.stdout.includes("payload of"), "never the payload");
  });

  it("list --json with filters: by state and destination, paged", async () => {
    const dead = await runIn(["list", "--config", config, "--state", "dead", "--json"]);
    assert.equal(dead.code, 0, dead.stderr);
    const parsed = JSON.parse(dead.stdout);
    assert.deepEqual(
      parsed.messages.map((m: { id: number; state: string }) => [m.id, m.state]),
      [[ids.dead, "dead"]],
    );
    assert.equal(parsed.messages[0].lastError, "rejected: PERMISSION_DENIED");
    assert.equal(parsed.messages[0].payloadBytes, "payload of a".length);
    assert.equal(parsed.messages[0].payload, undefined);
    assert.deepEqual(
      parsed.summary.map((s: { destination: string; dead: number; oldestAgeSeconds: number }) => [
        s.destination,
        s.dead,
        s.oldestAgeSeconds,
      ]),
      [
        ["mot", 1, 90],
        ["prov:440000", 0, 90],
      ],
    );
    const page = JSON.parse(
      (await runIn(["list", "--config", config, "--destination", "mot", "--limit", "1", "--json"])).stdout,
    );
    assert.equal(page.messages.length, 1);
    assert.ok(typeof page.nextPageToken === "string");
    const rest = JSON.parse(
      (await runIn(["list", "--config", config, "--destination", "mot", "--page-token", page.nextPageToken, "--json"]))
        .stdout,
    );
    assert.deepEqual(
      rest.messages.map((m: { id: number }) => m.id),
      [ids.blocked],
    );
  });

  it("show: one message in full, payload by size and SM3 only; unknown id exits 1", async () => {
    const r = await runIn(["show", String(ids.blocked), "--config", config, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const m = JSON.parse(r.stdout);
    assert.deepEqual(
      [m.id, m.state, m.orderingKey, m.idempotencyKey, m.created],
      [ids.blocked, "blocked", "k", "b", new Date(t0).toISOString()],
    );
    assert.match(m.payloadSm3, /^[0-9a-f]{64}$/);
    const text = await runIn(["show", String(ids.blocked), "--config", config]);
    assert.match(text.stdout, /^state +blocked$/m);
    const missing = await runIn(["show", "99999", "--config", config]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no outbox message 99999/);
  });

  it("replay puts a dead letter back to pending and records it in the audit log; a pending one is refused", async () => {
    const refused = await runIn(["replay", String(ids.pending), "--config", config]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is pending, not a dead letter/);
    assert.equal(await withStore(async (s) => (await s.head()).size), 0, "nothing recorded for a refusal");

    const r = await runIn(["replay", String(ids.dead), "--config", config, "--operator", "prov:510000/ops-3"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        `^replayed message ${ids.dead} \\(grant-revocation → mot, was dead\\): pending again, due now, attempts reset to 0, its age counted from now; recorded in the audit log as entry 0 by prov:510000/ops-3$`,
        "m",
      ),
    );
    await withStore(async (s) => {
      const m = await s.getOutboxMessage(ids.dead, t0 + 90_000);
      assert.deepEqual([m?.state, m?.attempts, m?.nextAttemptMs], ["pending", 0, t0 + 90_000]);
      assert.equal((await s.getOutboxMessage(ids.blocked, t0 + 90_000))?.state, "pending", "no longer blocked");
      const entry = AuditEntry.decode((await s.entry(0))?.bytes ?? new Uint8Array());
      assert.deepEqual(
        [entry.method, entry.reason, entry.requesterParty, entry.peerParty, entry.ownerParty, entry.correlationId],
        [
          "hutong.outbox/Replay",
          "outbox-replayed",
          "prov:510000/ops-3",
          "mot",
          party,
          `outbox/grant-revocation/${ids.dead}`,
        ],
      );
    });
  });

  it("drop --json removes messages for good, each recorded; unknown ids are refused, the rest still done", async () => {
    const r = await runIn(["drop", String(ids.pending), "424242", "--config", config, "--json"]);
    assert.equal(r.code, 1, "one id was refused");
    const { results } = JSON.parse(r.stdout);
    assert.deepEqual(results, [
      {
        id: ids.pending,
        outcome: "dropped",
        topic: "grant-revocation",
        destination: "prov:440000",
        previousState: "pending",
        auditIndex: 1,
      },
      {
        id: 424242,
        outcome: "refused",
        code: "not-found",
        reason: "no outbox message 424242 (delivered, dropped, or never there)",
      },
    ]);
    await withStore(async (s) => {
      assert.equal(await s.getOutboxMessage(ids.pending, t0), undefined);
      const entry = AuditEntry.decode((await s.entry(1))?.bytes ?? new Uint8Array());
      assert.deepEqual([entry.reason, entry.requesterParty], ["outbox-dropped", `${party}/operator`]);
      assert.equal((await s.head()).size, 2);
    });
  });

  it("bad arguments exit 2; a missing config or store exits 1", async () => {
    for (const args of [
      ["list"],
      ["list", "--config", config, "--state", "delivered"],
      ["list", "--config", config, "--limit", "0"],
      ["list", "--config", config, "--limit", "5000"],
      ["list", "--config", config, "--page-token", "!!"],
      ["show", "abc", "--config", config],
      ["replay", "--config", config],
      ["replay", "-4", "--config", config],
      ["drop", "1", "--config", config, "--operator", "Zhang San"],
      ["nope"],
    ]) {
      const r = await runIn(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    }
    const noConfig = await runIn(["list", "--config", join(dir, "missing.yaml")]);
    assert.equal(noConfig.code, 1);
    assert.match(noConfig.stderr, /cannot read gateway config/);
    const other = join(dir, "other.yaml");
    await writeFile(other, configYaml({ kind: "sqlite", path: join(dir, "nowhere", "hutong.db") }));
    const noStore = await runIn(["list", "--config", other]);
    assert.equal(noStore.code, 1);
    assert.match(noStore.stderr, /no SQLite database at .*nowhere/);
  });

  it("the real command: --help lists the subcommands; usage errors exit 2", async () => {
    const help = await run(["outbox", "--help"]);
    assert.equal(help.code, 0);
    for (const sub of ["list", "show", "replay", "drop"]) assert.match(help.stdout, new RegExp(`^  ${sub} `, "m"));
    const listHelp = await run(["outbox", "list", "--help"]);
    assert.match(listHelp.stdout, /--json/);
    assert.match(listHelp.stdout, /--state <state>/);
    assert.equal((await run(["outbox", "list"])).code, 2, "--config is required");
    const listed = await run(["outbox", "list", "--config", config, "--json"]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(Array.isArray(JSON.parse(listed.stdout).messages));
  });
});

describe("hutong outbox on a PostgreSQL store", { skip: postgresUrl === undefined || postgresUrl === "" }, () => {
  it("takes the URL from the environment variable the config names, and refuses when it is unset", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hutong-outbox-cli-"));
    const schema = `t_${randomBytes(8).toString("hex")}`;
    const config = join(dir, "gateway.yaml");
    await writeFile(config, configYaml({ kind: "postgres", urlEnv: "OUTBOX_TEST_PG", schema }));
    const store = await openStore({ kind: "postgres", url: postgresUrl ?? "", schema }, { hash: "sm3" });
    try {
      const ids = await fill(store);
      const unset = await runIn(["list", "--config", config]);
      assert.equal(unset.code, 1);
      assert.match(unset.stderr, /OUTBOX_TEST_PG \(the PostgreSQL URL\) is not set/);
      const env = { OUTBOX_TEST_PG: postgresUrl };
      const listed = await runIn(["list", "--config", config, "--state", "dead", "--json"], env);
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(
        JSON.parse(listed.stdout).messages.map((m: { id: number }) => m.id),
        [ids.dead],
      );
      const replayed = await runIn(["replay", String(ids.dead), "--config", config], env);
      assert.equal(replayed.code, 0, replayed.stderr);
      assert.equal((await store.getOutboxMessage(ids.dead, t0))?.state, "pending");
      assert.equal((await store.head()).size, 1, "recorded in the audit log");
    } finally {
      await store.close();
      const admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
