// Grant abuse, the heavy run (npm run test:robustness): each case 20 times, and five rounds of 400
// parallel uses of a 5-use grant, on SQLite and (HUTONG_TEST_POSTGRES_URL set) on PostgreSQL.
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
const n = 400;
const k = 5;
const rounds = 5;

async function parallelRounds(
  t: { diagnostic(s: string): void },
  kit: GrantKit,
  audited: (prefix: string) => Promise<{ allowed: number; denied: number }>,
): Promise<void> {
  for (let round = 1; round <= rounds; round++) {
    const r = await parallelUses(kit, n, k, audited);
    assert.deepEqual(r.other, [], `round ${round}`);
    assert.deepEqual([r.ok, r.usedUp], [k, n - k], `round ${round}`);
    assert.deepEqual(r.audited, { allowed: k, denied: n - k }, `round ${round}`);
    const f = await endOfCase(kit.gw, `parallel uses, round ${round}`);
    t.diagnostic(`round ${round}: ${r.ok} of ${n} succeeded (k = ${k}); RSS ${f.rssMiB.toFixed(0)} MiB`);
  }
}

describe("grant abuse against the data owner's gateway process (heavy, SQLite)", () => {
  let gw: GatewayProcess;
  let kit: GrantKit;
  before(async () => {
    gw = await startGatewayProcess(grantAbuseOptions());
    kit = await grantKit(gw);
  });
  after(() => gw?.stop());

  it("refuses every abused grant, 20 times each", async (t) => {
    for (const { name, figures: f } of await runGrantAbuse(kit, 20)) {
      t.diagnostic(`${name}: RSS ${f.rssMiB.toFixed(0)} MiB, ${f.logBytes} log bytes`);
    }
  });

  it(`${rounds} rounds of ${n} parallel uses of a ${k}-use grant: exactly ${k} succeed each time`, (t) =>
    parallelRounds(t, kit, (prefix) => auditedIn({ kind: "sqlite", path: gw.dbPath }, prefix)));
});

describe("grant abuse: parallel uses on PostgreSQL (heavy)", { skip: postgresUrl === undefined }, () => {
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

  it(`${rounds} rounds of ${n} parallel uses of a ${k}-use grant: exactly ${k} succeed each time`, async (t) =>
    parallelRounds(t, await grantKit(gw), (prefix) => auditedIn(schema.location, prefix)));
});
