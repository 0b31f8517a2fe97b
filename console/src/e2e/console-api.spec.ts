import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AuditEntry, Purpose } from "@hutong/proto";
import type {
  AuditSearchResult,
  CorrelationView,
  DeliveryView,
  FederationView,
  GrantsView,
  IndicatorsView,
  Me,
  MyDataView,
} from "../api/api-types.js";
import { accountId } from "../audit/audit-search.js";
import { openGatewayPool } from "../gateways/gateway-pool.js";
import { listGrants } from "../grants/grant-listing.js";
import {
  accounts,
  apiClient,
  bystanderIdNo,
  type ConsoleFederation,
  consoleParty,
  forkWitnessOf,
  holderIdNo,
  startConsoleFederation,
} from "../testing.js";

// The console's HTTP API against a real federation (three gateways over SM2 sessions, the
// statistics service, seeded shares, grants and a dead letter): what each role may see, and that
// an ID number goes in and never comes back out.

describe("console API over a real federation", () => {
  let dir: string;
  let cf: ConsoleFederation;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-console-api-"));
    const webRoot = join(dir, "web");
    await mkdir(webRoot);
    await writeFile(join(webRoot, "index.html"), "<!doctype html><title>hutong</title>");
    cf = await startConsoleFederation(dir, { webRoot });
  });
  after(async () => {
    await cf?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const as = (who: keyof typeof accounts) => apiClient(cf.console.url, accounts[who].username, accounts[who].password);

  it("refuses a wrong password, a missing session and a write without the console header", async () => {
    const wrong = await apiClient(cf.console.url, accounts.ministry.username, "not-the-password");
    assert.equal(wrong.status, 401);
    const anonymous = await fetch(new URL("api/me", cf.console.url));
    assert.equal(anonymous.status, 401);
    const ministry = await as("ministry");
    const noHeader = await ministry.post("api/audit/search", { party: "prov:510000" }, {});
    assert.equal(noHeader.status, 403, noHeader.text);
    const res = await fetch(new URL("api/me", cf.console.url));
    assert.equal(res.headers.get("cache-control"), "no-store");
  });

  it("locks a username out after repeated failures, even with the right password then", async () => {
    // All at once: attempts are counted as they start, so the burst cannot pass the check together.
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) => apiClient(cf.console.url, accounts.spare.username, `wrong-${i}`)),
    );
    assert.equal(burst.filter((r) => r.status === 401).length, 5, "five guesses judged, the rest refused");
    assert.ok(burst.every((r) => r.status === 401 || r.status === 429));
    const locked = await apiClient(cf.console.url, accounts.spare.username, accounts.spare.password);
    assert.equal(locked.status, 429);
  });

  it("tells each role its views and gateways", async () => {
    const me = async (who: keyof typeof accounts) => (await (await as(who)).get("api/me")).body as Me;
    assert.deepEqual((await me("ministry")).gateways, ["mot", "prov:510000", "prov:440000"]);
    const province = await me("province");
    assert.deepEqual([province.role, province.province, province.gateways], ["province", "510000", ["prov:510000"]]);
    assert.deepEqual((await me("holder")).views, ["my-data"]);
  });

  it("shows the federation: every gateway up, checkpoints verified, the hub's cosignature on both provinces", async () => {
    const view = (await (await as("ministry")).get("api/federation")).body as FederationView;
    assert.deepEqual(
      view.gateways.map((g) => [g.party, g.role, g.link.up, g.checkpoint?.logSignatureValid]),
      [
        ["mot", "hub", true, true],
        ["prov:510000", "province", true, true],
        ["prov:440000", "province", true, true],
      ],
    );
    for (const g of view.gateways.slice(1)) {
      assert.deepEqual(
        g.checkpoint?.cosigners.map((c) => [c.name, c.state]),
        [["hutong/mot/witness", "cosigned"]],
      );
      assert.ok(g.certificates.some((c) => c.subject === g.party && c.daysLeft > 300));
    }
  });

  it("searches by subject: the holder's entries at the owner, none for a bystander, and the number never comes back", async () => {
    const ministry = await as("ministry");
    const found = await ministry.post("api/audit/search", { subjectIdNumber: holderIdNo });
    assert.equal(found.status, 200, found.text);
    const result = found.body as AuditSearchResult;
    assert.ok(result.entries.length >= 3, "the three allowed boarding checks at Guangdong at least");
    assert.ok(result.entries.every((e) => e.subjectDigestHex === cf.subjects.holder));
    assert.ok(result.entries.some((e) => e.correlationId === "share-0001" && e.gateway === "prov:440000"));
    assert.ok(!found.text.includes(holderIdNo), "the ID number is not in the answer");
    const none = (await ministry.post("api/audit/search", { subjectIdNumber: bystanderIdNo }))
      .body as AuditSearchResult;
    assert.deepEqual(none.entries, []);
    // The gateways logged the console's subject searches, as the console, with the digest only.
    const searched = (await ministry.post("api/audit/search", { party: consoleParty, gateway: "prov:440000" }))
      .body as AuditSearchResult;
    const query = searched.entries.find((e) => e.method === "hutong.v1.AuditService/QueryEntries");
    assert.ok(query, "the subject search is itself an audit entry");
    assert.equal(query.requesterParty, consoleParty);
    assert.match(query.correlationId, /^console\/[0-9a-f]{12}\/[0-9a-f]{8}$/, "the user by an opaque id");
    assert.ok(!Buffer.from(query.entryB64, "base64").includes(Buffer.from(holderIdNo)));
  });

  it("refuses a malformed search: no filter, an unknown purpose, a bad time, an ID number that cannot be one", async () => {
    const ministry = await as("ministry");
    for (const body of [
      {},
      { purpose: "SNOOPING" },
      { party: "mot", from: "yesterday" },
      { subjectIdNumber: "四川" },
    ]) {
      const r = await ministry.post("api/audit/search", body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.ok(!r.text.includes("四川"));
    }
  });

  it("matches both sides of a share by correlation id", async () => {
    const view = (await (await as("auditor")).get(`api/audit/correlation/${cf.shares.allowed[0]}`))
      .body as CorrelationView;
    assert.deepEqual(
      new Set(view.entries.map((e) => `${e.gateway}:${e.role}`)),
      new Set(["prov:510000:relay", "mot:relay", "prov:440000:owner"]),
    );
    assert.deepEqual(view.match, { consistent: true, problems: [] });
  });

  it("keeps a province operator to its own gateway", async () => {
    const sc = await as("province");
    const r = await sc.post("api/audit/search", { subjectIdNumber: holderIdNo, gateway: "prov:440000" });
    assert.equal(r.status, 403);
    const own = (await sc.post("api/audit/search", { correlationId: "share-0001" })).body as AuditSearchResult;
    assert.deepEqual([...new Set(own.entries.map((e) => e.gateway))], ["prov:510000"]);
    const ind = (await sc.get("api/indicators")).body as IndicatorsView;
    assert.deepEqual([...new Set(ind.tickets.map((t) => t.province))], ["prov:510000"]);
    const fed = (await sc.get("api/federation")).body as FederationView;
    assert.deepEqual(
      fed.gateways.map((g) => g.party),
      ["prov:510000"],
    );
  });

  it("reads the indicators from the ministry's services: ticket share and trend, licence rates, lag, maintenance", async () => {
    const ind = (await (await as("ministry")).get("api/indicators")).body as IndicatorsView;
    assert.deepEqual(ind.unavailable, []);
    assert.deepEqual(new Set(ind.tickets.map((t) => t.province)), new Set(["prov:510000", "prov:440000"]));
    const gd = ind.tickets.find((t) => t.province === "prov:440000");
    assert.ok(gd !== undefined && gd.share > 0 && gd.share < 1 && gd.stationCoverage < 1, JSON.stringify(gd));
    assert.ok(ind.ticketTrend.length >= 2);
    assert.deepEqual(new Set(ind.licences.map((l) => l.province)), new Set(["prov:510000", "prov:440000"]));
    for (const l of ind.licences)
      for (const r of [l.issuance, l.activation, l.compliance, l.aggregation]) assert.ok(r >= 0 && r <= 1);
    assert.equal(ind.aggregation.length, 2);
    const states = Object.fromEntries(ind.maintenance.map((m) => [m.state, m.count]));
    assert.equal(states.REJECTED, 1);
    assert.equal((states.APPROVED ?? 0) + (states.APPLIED ?? 0), 1);
    assert.equal(states.FILED, 1);
    assert.equal((await (await as("ministry")).get("api/indicators?period=2026-13")).status, 400);
  });

  it("gives the auditor no delivery and the holder nothing but their own data", async () => {
    assert.equal((await (await as("auditor")).get("api/delivery")).status, 403);
    const holder = await as("holder");
    assert.equal((await holder.post("api/audit/search", { party: "mot" })).status, 403);
    assert.equal((await holder.get("api/grants")).status, 403);
    assert.equal((await holder.get("api/my-data")).status, 404, "a view that logs is a POST");
    const mine = (await holder.post("api/my-data", {})).body as MyDataView;
    assert.equal(mine.subjectDigestHex, cf.subjects.holder);
    assert.ok(mine.grants.length >= 3 && mine.grants.every((g) => g.subjectDigestHex === cf.subjects.holder));
    assert.ok(mine.accesses.some((e) => e.method === "hutong.v1.TicketService/GetTicket" && e.decision === "allow"));
    assert.ok(mine.accesses.every((e) => e.subjectDigestHex === cf.subjects.holder));
    // Listing the grants that name them was itself a search by subject: each gateway holding any
    // recorded it (the console as requester, the holder's opaque account id), and the holder's own
    // lookups are left out of their list of accesses.
    const again = (await holder.post("api/my-data", {})).body as MyDataView;
    const lookups = async (gateway: (typeof cf.fed)["guangdong"]) => {
      const found: AuditEntry[] = [];
      for await (const e of gateway.auditLog.export()) {
        const entry = AuditEntry.decode(e.bytes);
        if (entry.reason === "grant-query") found.push(entry);
      }
      return found;
    };
    for (const gateway of [cf.fed.sichuan, cf.fed.guangdong]) {
      const recorded = await lookups(gateway);
      assert.ok(recorded.length >= 2, `${gateway.party}: both views' grant listings recorded`);
      for (const e of recorded) {
        assert.deepEqual(
          [e.method, e.requesterParty, Buffer.from(e.subjectDigest).toString("hex")],
          ["hutong.v1.GrantService/ListGrants", consoleParty, cf.subjects.holder],
        );
        assert.match(e.correlationId, /^console\/[0-9a-f]{12}\/[0-9a-f]{8}$/);
      }
    }
    const ownLookups = `console/${accountId(accounts.holder.username)}/`;
    assert.ok(!again.accesses.some((e) => e.correlationId.startsWith(ownLookups)), "not the holder's own lookups");
    assert.ok(
      again.accesses.some((e) => e.reason === "audit-query" && e.correlationId.startsWith("console/")),
      "the ministry's searches for this person are among them",
    );
    // A holder may check the proof of an entry about them, and of no other.
    const own = mine.accesses[0];
    assert.ok(own);
    assert.equal((await holder.get(`api/audit/proof?gateway=${own.gateway}&index=${own.index}`)).status, 200);
    const relay = (
      await (await as("ministry")).post("api/audit/search", { correlationId: "share-0001", gateway: "mot" })
    ).body as AuditSearchResult;
    const other = relay.entries[0];
    assert.ok(other && other.subjectDigestHex === "", "the hub's relay entry names no subject");
    assert.equal((await holder.get(`api/audit/proof?gateway=mot&index=${other.index}`)).status, 403);
  });

  it("lists grants by status with their uses", async () => {
    const all = (await (await as("ministry")).get("api/grants")).body as GrantsView;
    const at = (id: string, gateway: string) => all.grants.find((g) => g.grantId === id && g.gateway === gateway);
    assert.deepEqual(
      [at(cf.grants.usedUp, "prov:440000")?.status, at(cf.grants.usedUp, "prov:440000")?.uses],
      ["used-up", 1],
    );
    assert.equal(at(cf.grants.revoked, "prov:510000")?.status, "revoked");
    const active = (await (await as("ministry")).get("api/grants?status=active")).body as GrantsView;
    assert.ok(active.grants.length > 0 && active.grants.every((g) => g.status === "active"));
    assert.equal((await (await as("ministry")).get("api/grants?status=bogus")).status, 400);
  });

  it("lists every grant each gateway holds, as its store holds them; cuts a long list and says so", async () => {
    const all = (await (await as("ministry")).get("api/grants")).body as GrantsView;
    assert.deepEqual([all.limited, all.unavailable], [[], []]);
    const stores = [
      ["mot", cf.fed.hub.store],
      ["prov:510000", cf.fed.sichuan.store],
      ["prov:440000", cf.fed.guangdong.store],
    ] as const;
    let total = 0;
    for (const [gateway, store] of stores) {
      const held: string[] = [];
      for (const purpose of Object.values(Purpose).filter((v) => typeof v === "number" && v > 0)) {
        const name = String(Purpose[purpose as Purpose]).replace(/^PURPOSE_/, "");
        held.push(...(await store.listGrantsByPurpose(name, { pageSize: 1000 })).grants.map((g) => g.id));
      }
      const shown = all.grants.filter((g) => g.gateway === gateway).map((g) => g.grantId);
      assert.deepEqual(shown.sort(), held.sort(), `${gateway}: the overview is what the store holds`);
      total += held.length;
    }
    assert.ok(total >= 3, "the seeded grants are there");
    // A limit of one grant per gateway: every gateway holding more is cut to one and named.
    const pool = await openGatewayPool(cf.config);
    try {
      const cut = await listGrants(pool, ["prov:510000", "prov:440000"], undefined, 1);
      const many = ["prov:510000", "prov:440000"].filter((g) => all.grants.filter((v) => v.gateway === g).length > 1);
      assert.ok(many.length > 0);
      assert.deepEqual(cut.limited, many);
      assert.equal(cut.perGateway, 1);
      for (const g of many) assert.equal(cut.grants.filter((v) => v.gateway === g).length, 1);
    } finally {
      pool.close();
    }
  });

  it("replays a dead letter: the notice reaches Guangdong, and Sichuan's log records the console did it", async () => {
    const ministry = await as("ministry");
    const before = (await ministry.get("api/delivery")).body as DeliveryView;
    const dead = before.gateways.find((g) => g.gateway === "prov:510000")?.deadLetters[0];
    assert.ok(dead, "the seeded dead letter");
    assert.equal(
      (await (await as("auditor")).post("api/delivery/replay", { gateway: "prov:510000", id: dead.id })).status,
      403,
    );
    assert.equal((await ministry.post("api/delivery/replay", { gateway: "prov:510000", id: "99999" })).status, 404);
    const r = await ministry.post("api/delivery/replay", { gateway: "prov:510000", id: dead.id });
    assert.equal(r.status, 200, r.text);
    const deadline = Date.now() + 15_000;
    let revokedAtGuangdong = false;
    while (!revokedAtGuangdong && Date.now() < deadline) {
      revokedAtGuangdong = (await cf.fed.guangdong.store.getGrant(cf.grants.revoked))?.status === "revoked";
      if (!revokedAtGuangdong) await new Promise((ok) => setTimeout(ok, 100));
    }
    assert.ok(revokedAtGuangdong, "the replayed revocation reached the owner's gateway");
    const after = (await ministry.get("api/delivery")).body as DeliveryView;
    assert.deepEqual(after.gateways.find((g) => g.gateway === "prov:510000")?.deadLetters, []);
    let replayEntry: AuditEntry | undefined;
    for await (const e of cf.fed.sichuan.auditLog.export()) {
      const entry = AuditEntry.decode(e.bytes);
      if (entry.method === "hutong.outbox/Replay") replayEntry = entry;
    }
    assert.equal(replayEntry?.requesterParty, consoleParty);
  });

  // Last: it leaves Sichuan's log without the hub's cosignature.
  it("singles out a witness that disagrees: the hub holds a larger checkpoint of Sichuan's log than Sichuan signed", async () => {
    await forkWitnessOf(cf, "prov:510000");
    const ministry = await as("ministry");
    // A subject search at Sichuan is itself an entry: Sichuan signs a new checkpoint and asks the hub.
    await ministry.post("api/audit/search", { subjectIdNumber: holderIdNo, gateway: "prov:510000" });
    const sichuan = async () =>
      ((await ministry.get("api/federation")).body as FederationView).gateways.find((g) => g.party === "prov:510000");
    const deadline = Date.now() + 30_000;
    let seen = await sichuan();
    while (seen?.checkpoint?.cosigners[0]?.state !== "disagrees" && Date.now() < deadline) {
      await new Promise((ok) => setTimeout(ok, 200));
      seen = await sichuan();
    }
    assert.deepEqual(
      seen?.checkpoint?.cosigners.map((c) => [c.name, c.state]),
      [["hutong/mot/witness", "disagrees"]],
      JSON.stringify(seen?.checkpoint),
    );
    assert.match(seen?.checkpoint?.cosigners[0]?.detail ?? "", /holds a larger checkpoint of this log/);
    // Guangdong's witness still agrees.
    const guangdong = ((await ministry.get("api/federation")).body as FederationView).gateways.find(
      (g) => g.party === "prov:440000",
    );
    assert.equal(guangdong?.checkpoint?.cosigners[0]?.state, "cosigned");
  });
});
