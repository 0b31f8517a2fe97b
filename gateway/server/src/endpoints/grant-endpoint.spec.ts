import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sm3Hasher } from "@hutong/audit";
import { sm3 } from "@hutong/certs";
import type { SessionClient } from "@hutong/client";
import {
  AuditDecision,
  AuditEntry,
  type GrantRecord,
  GrantServiceService,
  GrantStatus,
  ListGrantsRequest,
  Purpose,
  type RequestContext,
  RevocationReason,
  type SignedGrant,
  type SignedRevocation,
} from "@hutong/proto";
import { isWireError, Status } from "@hutong/wire";
import { type AuditLog, createAuditLog } from "../audit/index.js";
import { signRevocation } from "../grants/grant-revocation.js";
import { signGrant } from "../grants/grant-signature.js";
import { type HutongStore, openStore } from "../store/index.js";
import { authorityBody, createTestPki, holderBody, type Issued, subjectA, subjectB } from "../testing.js";
import { createGrantEndpoint } from "./grant-endpoint.js";
import { credentialsFor, type GrantGateway, grantSession, startGrantGateway } from "./testing-grant-server.js";

const pki = createTestPki();
const now = () => pki.now.getTime();
const owner = "prov:510000";
const holderA = pki.holder(subjectA);
const nonce = (n: number) => Buffer.alloc(16, n);
const ctx = (purpose = Purpose.PURPOSE_TICKET_SERVICE, targetParty = owner): RequestContext => ({
  targetParty,
  purpose,
  grantId: "",
  correlationId: "spec",
});

function holderGrant(n: number, overrides: Parameters<typeof holderBody>[0] = {}): SignedGrant {
  return signGrant(holderBody({ nonce: nonce(n), ...overrides }), holderA.key, pki.chain(holderA));
}

function revocation(grantId: string, by: Issued = holderA): SignedRevocation {
  return signRevocation(
    { grantId, revokedAt: new Date(now() - 1000), reason: RevocationReason.REVOCATION_REASON_WITHDRAWN },
    by.key,
    pki.chain(by),
  );
}

type Method = (typeof GrantServiceService)[keyof typeof GrantServiceService];

async function call<M extends Method>(
  session: SessionClient,
  method: M,
  request: Parameters<M["requestSerialize"]>[0],
): Promise<ReturnType<M["responseDeserialize"]>> {
  const reply = await session.call(method.path, method.requestSerialize(request as never));
  return method.responseDeserialize(reply.body) as ReturnType<M["responseDeserialize"]>;
}

async function refused(p: Promise<unknown>, code: number, pattern?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isWireError(e), `expected a WireError, got ${String(e)}`);
    assert.equal(e.code, code, `status ${e.code} (${e.message}), expected ${code}`);
    if (pattern !== undefined) assert.match(e.message, pattern);
    return true;
  });
}

describe("GrantService endpoint over a real wire server with SM2 sessions", () => {
  let g: GrantGateway;
  const sessions: SessionClient[] = [];
  const as = (party: string) => {
    const s = grantSession(credentialsFor(pki, party), g, now);
    sessions.push(s);
    return s;
  };
  let desk: SessionClient; // a system of the grantee's member
  let stranger: SessionClient; // a system of another province
  let regulator: SessionClient;
  let registered: GrantRecord;

  before(async () => {
    g = await startGrantGateway({ pki, party: owner, now });
    desk = as("prov:440000/desk");
    stranger = as("prov:650000/desk");
    regulator = as("mot/supervision");
    const r = await call(desk, GrantServiceService.registerGrant, { context: ctx(), grant: holderGrant(1) });
    assert.ok(r.record !== undefined);
    registered = r.record;
  });
  after(async () => {
    for (const s of sessions) s.close();
    await g?.close();
  });

  it("RegisterGrant verifies and stores; registering again returns the same record", async () => {
    assert.match(registered.grantId, /^g1-[0-9a-f]{32}$/);
    assert.equal(registered.status, GrantStatus.GRANT_STATUS_ACTIVE);
    assert.equal(registered.uses, 0);
    assert.equal(registered.registeredAt?.getTime(), now());
    assert.deepEqual(registered.grant?.body, holderGrant(1).body);
    const again = await call(stranger, GrantServiceService.registerGrant, { context: ctx(), grant: holderGrant(1) });
    assert.deepEqual(again.record, registered);
    assert.equal((await g.store.getGrant(registered.grantId))?.grantee, "prov:440000");
  });

  it("RegisterGrant refuses a forged grant (PERMISSION_DENIED, naming the check) and a malformed one", async () => {
    const genuine = holderGrant(2);
    const forged = { ...genuine, signature: holderGrant(3).signature };
    await refused(
      call(desk, GrantServiceService.registerGrant, { context: ctx(), grant: forged }),
      Status.PERMISSION_DENIED,
      /bad-signature/,
    );
    await refused(
      call(desk, GrantServiceService.registerGrant, {
        context: ctx(),
        grant: { ...genuine, body: Buffer.from([1, 2]) },
      }),
      Status.INVALID_ARGUMENT,
      /malformed/,
    );
    await refused(
      call(desk, GrantServiceService.registerGrant, { context: ctx(), grant: undefined }),
      Status.INVALID_ARGUMENT,
    );
    assert.equal((await g.registry.list({ grantee: "prov:440000" }, { pageSize: 10 })).records.length, 1);
  });

  it("refuses a context that does not name this gateway or the grant's purpose", async () => {
    const grant = holderGrant(4);
    await refused(
      call(desk, GrantServiceService.registerGrant, { context: ctx(Purpose.PURPOSE_TICKET_SERVICE, "mot"), grant }),
      Status.INVALID_ARGUMENT,
      /target_party/,
    );
    await refused(
      call(desk, GrantServiceService.registerGrant, { context: ctx(Purpose.PURPOSE_BOARDING_CHECK), grant }),
      Status.INVALID_ARGUMENT,
      /purpose/,
    );
    await refused(
      call(desk, GrantServiceService.registerGrant, { context: undefined, grant }),
      Status.INVALID_ARGUMENT,
    );
    await refused(
      call(desk, GrantServiceService.getGrant, {
        context: ctx(Purpose.PURPOSE_LICENCE_USE),
        grantId: registered.grantId,
      }),
      Status.INVALID_ARGUMENT,
      /purpose/,
    );
  });

  it("GetGrant: the grantee's member and the regulator read it, another member does not", async () => {
    const req = { context: ctx(), grantId: registered.grantId };
    assert.deepEqual((await call(desk, GrantServiceService.getGrant, req)).record, registered);
    assert.deepEqual((await call(regulator, GrantServiceService.getGrant, req)).record, registered);
    await refused(call(stranger, GrantServiceService.getGrant, req), Status.PERMISSION_DENIED);
    await refused(
      call(desk, GrantServiceService.getGrant, { context: ctx(), grantId: "g1-00000000000000000000000000000000" }),
      Status.NOT_FOUND,
    );
  });

  it("ListGrants by grantee: own member only", async () => {
    const list = (s: SessionClient, grantee: string) =>
      call(s, GrantServiceService.listGrants, {
        context: ctx(),
        filter: { $case: "granteeParty", value: grantee },
        pageSize: 0,
        pageToken: "",
        statuses: [],
      });
    assert.deepEqual(
      (await list(desk, "prov:440000")).records.map((r) => r.grantId),
      [registered.grantId],
    );
    await refused(list(stranger, "prov:440000"), Status.PERMISSION_DENIED);
    await refused(list(desk, "prov:650000"), Status.PERMISSION_DENIED);
    assert.deepEqual((await list(stranger, "prov:650000")).records, []);
    await refused(list(desk, "not a party"), Status.INVALID_ARGUMENT);
    // Another purpose's grants are not listed under this one; a status filter applies.
    const other = await call(desk, GrantServiceService.listGrants, {
      ...ListGrantsRequest.fromPartial({ pageSize: 5, statuses: [GrantStatus.GRANT_STATUS_REVOKED] }),
      context: ctx(),
      filter: { $case: "granteeParty", value: "prov:440000" },
    });
    assert.deepEqual(other.records, []);
    const active = await call(desk, GrantServiceService.listGrants, {
      ...ListGrantsRequest.fromPartial({ pageSize: 5, statuses: [GrantStatus.GRANT_STATUS_ACTIVE] }),
      context: ctx(),
      filter: { $case: "granteeParty", value: "prov:440000" },
    });
    assert.deepEqual(
      active.records.map((r) => r.grantId),
      [registered.grantId],
    );
    const licence = await call(desk, GrantServiceService.listGrants, {
      ...ListGrantsRequest.fromPartial({ pageSize: 5 }),
      context: ctx(Purpose.PURPOSE_LICENCE_USE),
      filter: { $case: "granteeParty", value: "prov:440000" },
    });
    assert.deepEqual(licence.records, []);
  });

  it("ListGrants by subject: the regulator sees all, an authority only its own, others nobody's", async () => {
    const prov = pki.party("prov:440000");
    const emergency = signGrant(
      authorityBody({ grantorParty: "prov:440000", nonce: nonce(9), subjectDigest: Buffer.from(subjectB) }),
      prov.key,
      pki.chain(prov),
    );
    const holderB = pki.holder(subjectB);
    const consent = signGrant(
      holderBody({ nonce: nonce(10), subjectDigest: Buffer.from(subjectB), purpose: Purpose.PURPOSE_EMERGENCY }),
      holderB.key,
      pki.chain(holderB),
    );
    const mot = pki.party("mot");
    const byMot = signGrant(
      authorityBody({ nonce: nonce(11), subjectDigest: Buffer.from(subjectB) }),
      mot.key,
      pki.chain(mot),
    );
    const em = ctx(Purpose.PURPOSE_EMERGENCY);
    const e = await call(desk, GrantServiceService.registerGrant, { context: em, grant: emergency });
    const m = await call(desk, GrantServiceService.registerGrant, { context: em, grant: byMot });
    // A holder grant for EMERGENCY is refused by the policy: it never reaches the list.
    await refused(
      call(desk, GrantServiceService.registerGrant, { context: em, grant: consent }),
      Status.PERMISSION_DENIED,
      /grantor-not-allowed/,
    );
    const bySubject = (s: SessionClient) =>
      call(s, GrantServiceService.listGrants, {
        context: em,
        filter: { $case: "subjectDigest", value: Buffer.from(subjectB) },
        pageSize: 10,
        pageToken: "",
        statuses: [],
      });
    assert.deepEqual(
      (await bySubject(regulator)).records.map((r) => r.grantId).sort(),
      [e.record?.grantId, m.record?.grantId].sort(),
    );
    assert.deepEqual(
      (await bySubject(desk)).records.map((r) => r.grantId),
      [e.record?.grantId],
    );
    assert.deepEqual((await bySubject(stranger)).records, [], "prov:650000 signed none of them");
    await refused(bySubject(as("rail:cr")), Status.PERMISSION_DENIED);
    await refused(
      call(regulator, GrantServiceService.listGrants, {
        context: em,
        filter: { $case: "subjectDigest", value: Buffer.alloc(16) },
        pageSize: 10,
        pageToken: "",
        statuses: [],
      }),
      Status.INVALID_ARGUMENT,
    );
  });

  it("ListGrants every_grant: the regulator sees every grant of the purpose, paged; the gateway's own member too; nobody else", async () => {
    const every = (s: SessionClient, purpose: Purpose, pageToken = "", everyGrant = true) =>
      call(s, GrantServiceService.listGrants, {
        context: ctx(purpose),
        filter: { $case: "everyGrant", value: everyGrant },
        pageSize: 1,
        pageToken,
        statuses: [],
      });
    const extra = await call(desk, GrantServiceService.registerGrant, { context: ctx(), grant: holderGrant(21) });
    const seen: string[] = [];
    let token = "";
    do {
      const page = await every(regulator, Purpose.PURPOSE_TICKET_SERVICE, token);
      assert.ok(page.records.length <= 1);
      seen.push(...page.records.map((r) => r.grantId));
      token = page.nextPageToken;
    } while (token !== "");
    assert.deepEqual(seen, [registered.grantId, extra.record?.grantId].sort(), "both, in id order, one per page");
    // Only that purpose's: the EMERGENCY grants of the subject test are not among them, and
    // listing EMERGENCY shows none of these.
    const emergency = (await every(regulator, Purpose.PURPOSE_EMERGENCY)).records.map((r) => r.grantId);
    assert.ok(!emergency.includes(registered.grantId));
    // The gateway's own member (a province's console) sees the grants naming it: here, all of
    // them, since this gateway owns them; every other member is refused.
    const own = await every(as("prov:510000/console"), Purpose.PURPOSE_TICKET_SERVICE);
    assert.deepEqual(
      own.records.map((r) => r.grantId),
      seen.slice(0, 1),
    );
    for (const s of [desk, stranger, as("rail:cr")]) {
      await refused(every(s, Purpose.PURPOSE_TICKET_SERVICE), Status.PERMISSION_DENIED, /may not list every grant/);
    }
    await refused(every(regulator, Purpose.PURPOSE_TICKET_SERVICE, "", false), Status.INVALID_ARGUMENT, /every_grant/);
  });

  it("RevokeGrant verifies and stores the revocation; the record says REVOKED", async () => {
    const { record } = await call(desk, GrantServiceService.registerGrant, { context: ctx(), grant: holderGrant(5) });
    const id = record?.grantId ?? "";
    const r = revocation(id);
    await refused(
      call(desk, GrantServiceService.revokeGrant, { context: ctx(), grantId: registered.grantId, revocation: r }),
      Status.INVALID_ARGUMENT,
      /grant_id/,
    );
    await refused(
      call(stranger, GrantServiceService.revokeGrant, {
        context: ctx(),
        grantId: id,
        revocation: revocation(id, pki.party("prov:650000")),
      }),
      Status.PERMISSION_DENIED,
      /wrong-signer/,
    );
    const revoked = await call(stranger, GrantServiceService.revokeGrant, {
      context: ctx(),
      grantId: id,
      revocation: r,
    });
    assert.equal(revoked.record?.status, GrantStatus.GRANT_STATUS_REVOKED);
    assert.equal(revoked.record?.revokedReason, RevocationReason.REVOCATION_REASON_WITHDRAWN);
    assert.deepEqual(revoked.record?.revocation?.signature, r.signature);
    // Repeats answer the same record.
    const again = await call(desk, GrantServiceService.revokeGrant, { context: ctx(), grantId: id, revocation: r });
    assert.deepEqual(again.record, revoked.record);
    const unknown = "g1-00000000000000000000000000000000";
    await refused(
      call(desk, GrantServiceService.revokeGrant, {
        context: ctx(),
        grantId: unknown,
        revocation: revocation(unknown),
      }),
      Status.NOT_FOUND,
    );
    assert.equal(await g.store.getGrant(unknown), undefined);
  });

  it("refuses bytes that are not the request message", async () => {
    const [, register] = [...createGrantEndpoint({ registry: g.registry, self: owner, now })][0] ?? [];
    assert.ok(register !== undefined);
    await assert.rejects(register(Buffer.from([0x0a, 0x05, 0x01]), { party: "prov:440000" }), /not well-formed/);
  });
});

describe("GrantService endpoint: a listing by subject is recorded in the audit log", () => {
  let dir: string;
  let store: HutongStore;
  let log: AuditLog;
  let g: GrantGateway;
  const sessions: SessionClient[] = [];
  const as = (party: string) => {
    const s = grantSession(credentialsFor(pki, party), g, now);
    sessions.push(s);
    return s;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-grant-audit-"));
    store = await openStore({ kind: "sqlite", path: join(dir, "audit.db"), thread: "main" }, { hash: "sm3" });
    log = createAuditLog({ store, hasher: sm3Hasher });
    g = await startGrantGateway({ pki, party: owner, now, audit: log });
  });
  after(async () => {
    for (const s of sessions) s.close();
    await g?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const entries = async () => {
    const out: AuditEntry[] = [];
    for await (const e of log.export()) out.push(AuditEntry.decode(e.bytes));
    return out;
  };

  it("records who searched whose grants (the SM3 of the answer, or a refusal); by grantee nothing; fails closed", async () => {
    const desk = as("prov:440000/desk");
    const regulator = as("mot/supervision");
    await call(desk, GrantServiceService.registerGrant, { context: ctx(), grant: holderGrant(31) });
    assert.deepEqual(
      (await entries()).map((e) => e.reason),
      ["grant-registered"],
    );
    const bySubject = (correlationId: string) =>
      ListGrantsRequest.fromPartial({
        context: { ...ctx(), correlationId },
        filter: { $case: "subjectDigest", value: Buffer.from(subjectA) },
        pageSize: 10,
      });
    // The answer's exact bytes, for the SM3 the entry must carry.
    const reply = await regulator.call(
      GrantServiceService.listGrants.path,
      GrantServiceService.listGrants.requestSerialize(bySubject("case-7")),
    );
    assert.equal(GrantServiceService.listGrants.responseDeserialize(reply.body).records.length, 1);
    const searched = (await entries()).at(-1);
    assert.deepEqual(
      [
        searched?.method,
        searched?.reason,
        searched?.requesterParty,
        searched?.ownerParty,
        searched?.purpose,
        searched?.correlationId,
        Buffer.from(searched?.subjectDigest ?? []).toString("hex"),
        Buffer.from(searched?.releasedSm3 ?? []).toString("hex"),
      ],
      [
        "hutong.v1.GrantService/ListGrants",
        "grant-query",
        "mot/supervision",
        owner,
        Purpose.PURPOSE_TICKET_SERVICE,
        "case-7",
        Buffer.from(subjectA).toString("hex"),
        Buffer.from(sm3(reply.body)).toString("hex"),
      ],
    );
    // By grantee names no subject: not a search of a person's grants, not recorded.
    await call(desk, GrantServiceService.listGrants, {
      context: ctx(),
      filter: { $case: "granteeParty", value: "prov:440000" },
      pageSize: 10,
      pageToken: "",
      statuses: [],
    });
    assert.equal((await entries()).length, 2);
    // A caller who may not search a person's grants is refused, and the attempt is on record.
    await refused(call(as("rail:cr"), GrantServiceService.listGrants, bySubject("probe-1")), Status.PERMISSION_DENIED);
    const refusal = (await entries()).at(-1);
    assert.deepEqual(
      [
        refusal?.reason,
        refusal?.decision,
        refusal?.requesterParty,
        refusal?.correlationId,
        Buffer.from(refusal?.subjectDigest ?? []).toString("hex"),
        refusal?.releasedSm3.length,
      ],
      [
        "grant-query",
        AuditDecision.AUDIT_DECISION_DENY,
        "rail:cr",
        "probe-1",
        Buffer.from(subjectA).toString("hex"),
        0,
      ],
    );
    // No log to record it in: the search is refused and nothing is released.
    await log.close();
    await store.close();
    await refused(
      call(regulator, GrantServiceService.listGrants, bySubject("spec")),
      Status.UNAVAILABLE,
      /cannot record this search; nothing was released/,
    );
  });
});
