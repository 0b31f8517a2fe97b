// The fast subset of the grant abuse cases (npm test): each case once on SQLite, and 40 parallel
// uses of a 3-use grant of which exactly 3 succeed, on SQLite and (URL set) on PostgreSQL.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { endOfCase } from "./testing-abuse.js";
import {
  auditedIn,
  type GrantKit,
  grantAbuseOptions,
  grantKit,
  parallelUses,
  postgresSchema,
  runGrantAbuse,
} from "./testing-grant-abuse.js";
import { type GatewayProcess, startGatewayProcess } from "./testing-robustness.js";

const postgresUrl = process.env.HUTONG_TEST_POSTGRES_URL;

describe("grant abuse against the data owner's gateway process (fast subset, SQLite)", () => {
  let gw: GatewayProcess;
  let kit: GrantKit;
  before(async () => {
    gw = await startGatewayProcess(grantAbuseOptions());
    kit = await grantKit(gw);
  });
  after(() => gw?.stop());

  it("refuses every abused grant where the documentation says, with its code", async (t) => {
    const figures = await runGrantAbuse(kit, 1);
    t.diagnostic(
      `max RSS ${Math.max(...figures.map((f) => f.figures.rssMiB)).toFixed(0)} MiB over ${figures.length} cases`,
    );
  });

  it("40 parallel uses of a 3-use grant: exactly 3 succeed, 37 are used-up, each audited", async (t) => {
    const r = await parallelUses(kit, 40, 3, (prefix) => auditedIn({ kind: "sqlite", path: gw.dbPath }, prefix));
    assert.deepEqual(r.other, []);
    assert.deepEqual([r.ok, r.usedUp], [3, 37]);
    assert.deepEqual(r.audited, { allowed: 3, denied: 37 });
    const f = await endOfCase(gw, "parallel uses");
    t.diagnostic(`3 of 40 succeeded; RSS ${f.rssMiB.toFixed(0)} MiB`);
  });
});

describe("grant abuse: parallel uses on PostgreSQL (fast subset)", { skip: postgresUrl === undefined }, () => {
  let gw: GatewayProcess;
  let schema: Awaited<ReturnType<typeof postgresSchema>>;
  before(async () => {
    schema = await postgresSchema(postgresUrl ?? "");
    gw = await startGatewayProcess(grantAbuseOptions(schema.options));
  });
  after(async () => {
    await gw?.stop();
    await schema?.drop();
  });

  it("40 parallel uses of a 3-use grant: exactly 3 succeed, each audited", async (t) => {
    const r = await parallelUses(await grantKit(gw), 40, 3, (prefix) => auditedIn(schema.location, prefix));
    assert.deepEqual(r.other, []);
    assert.deepEqual([r.ok, r.usedUp], [3, 37]);
    assert.deepEqual(r.audited, { allowed: 3, denied: 37 });
    const f = await endOfCase(gw, "parallel uses (PostgreSQL)");
    t.diagnostic(`3 of 40 succeeded; RSS ${f.rssMiB.toFixed(0)} MiB`);
  });
});
