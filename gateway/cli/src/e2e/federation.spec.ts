import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { formatCosignatureVerifierKey, formatVerifierKey } from "@hutong/audit";
import { parseCertificatePem, sm3 } from "@hutong/certs";
import type { UnaryTransport } from "@hutong/client";
import { createGrpcJsTransport, createSessionClient, loadCredentialFiles } from "@hutong/client";
import { parseGatewayConfig, signGrant, signRevocation } from "@hutong/gateway";
import {
  auditOrigin,
  type Federation,
  federationParties as p,
  sampleTickets,
  startFederation,
} from "@hutong/gateway/dev";
import {
  AuditDecision,
  AuditEntry,
  AuditRole,
  AuditServiceService,
  GrantorKind,
  GrantServiceService,
  GrantStatus,
  LicenceServiceService,
  Purpose,
  RecordKind,
  RevocationReason,
  SignedRevocation,
  TicketServiceService,
  VerifyTicketRequest,
  VerifyTicketResponse,
} from "@hutong/proto";
import { isWireError, Status } from "@hutong/wire";
import { eventually } from "@hutong/wire/testing";

const gdTicket = sampleTickets("440000")[0];

function verify(target: string, purpose = Purpose.PURPOSE_BOARDING_CHECK) {
  return {
    context: { targetParty: target, purpose, grantId: "", correlationId: "fed-1" },
    ticketNo: gdTicket?.ticketNo ?? "",
    holderIdType: 0,
    holderIdNo: gdTicket?.passenger?.idNo ?? "",
    holderName: "",
    scheduleNo: "",
  };
}

async function status(
  p: Promise<unknown>,
): Promise<{ code: number; message: string; trailers: Record<string, string> }> {
  try {
    await p;
  } catch (e) {
    if (isWireError(e)) return { code: e.code, message: e.message, trailers: { ...e.trailers } };
    throw e;
  }
  return { code: Status.OK, message: "", trailers: {} };
}

const bin = new URL("../bin.ts", import.meta.url).pathname;

/** The `hutong` CLI as a child process. */
function hutong(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--conditions=hutong-source", "--import", "tsx", bin, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

type Gateways = Pick<Federation, "sichuan" | "hub" | "guangdong">;
const order = ["sichuan", "hub", "guangdong"] as const;

async function auditSizes(fed: Gateways): Promise<number[]> {
  return Promise.all(order.map(async (g) => (await fed[g].auditLog.head()).size));
}

/** The entries appended since `sizes`, one per gateway in path order, decoded. */
async function newEntries(fed: Gateways, sizes: readonly number[]): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  for (const [i, g] of order.entries()) {
    const head = await fed[g].auditLog.head();
    assert.equal(head.size, (sizes[i] ?? 0) + 1, `exactly one new entry at ${g}`);
    const stored = await fed[g].auditLog.entry(head.size - 1);
    assert.ok(stored);
    out.push(AuditEntry.decode(stored.bytes));
  }
  return out;
}

async function allEntryBytes(fed: Gateways): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const g of order) for await (const e of fed[g].auditLog.export()) out.push(e.bytes);
  return out;
}

/** A holder's grant (signed in the wallet app) letting `grantee` read a Guangdong e-ticket's number, 3 uses. */
function guangdongTicketGrant(fed: Federation, subjectFill: number, grantee: string, nonceFill: number) {
  const subject = new Uint8Array(32).fill(subjectFill);
  const holder = fed.pki.holder(subject);
  const now = Date.now();
  const grant = signGrant(
    {
      version: 1,
      grantorKind: GrantorKind.GRANTOR_KIND_HOLDER,
      grantorParty: "",
      granteeParty: grantee,
      ownerParty: p.guangdong,
      subjectDigest: Buffer.from(subject),
      recordKind: RecordKind.RECORD_KIND_E_TICKET,
      recordIds: ["T1"],
      purpose: Purpose.PURPOSE_TICKET_SERVICE,
      notBefore: new Date(now - 3_600_000),
      expiresAt: new Date(now + 86_400_000),
      useLimit: 3,
      fieldsAllowed: ["ticket.ticket_no"],
      issuedAt: new Date(now - 3_600_000),
      nonce: Buffer.alloc(16, nonceFill),
    },
    holder.privateKey,
    holder.chain,
  );
  return { grant, holder, subject };
}

describe("federation: a call crosses two gateways with SM2 mutual authentication on every hop", () => {
  let dir: string;
  let fed: Federation;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-fed-"));
    fed = await startFederation(dir);
  });
  after(async () => {
    await fed?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("Sichuan's system reaches Guangdong's backend via the hub; origin, hops and trace survive", async () => {
    const client = await fed.client(p.sichuanTicketing);
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const r = await client.unary(TicketServiceService.verifyTicket, verify(p.guangdong), {
      metadata: { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    });
    assert.deepEqual([r.valid, r.holderMatches], [true, true]);
    const seen = fed.backends.guangdong.seen.at(-1)?.metadata ?? {};
    assert.equal(seen["hutong-origin"], p.sichuanTicketing);
    assert.equal(seen["hutong-hops"], `${p.sichuan},${p.hub},${p.guangdong}`);
    assert.equal(seen.traceparent?.split("-")[1], traceId, "one trace id from the caller to the backend");
  });

  it("an allowed share leaves one entry on every gateway it crosses, with the digest of what was released", async () => {
    const sizes = await auditSizes(fed);
    const client = await fed.client(p.sichuanTicketing);
    const r = await client.unary(TicketServiceService.verifyTicket, verify(p.guangdong));
    const released = sm3(VerifyTicketResponse.encode(r).finish());
    const entries = await newEntries(fed, sizes);
    assert.deepEqual(
      entries.map((e) => [e.gatewayParty, e.role, e.decision, e.reason]),
      [
        [p.sichuan, AuditRole.AUDIT_ROLE_RELAY, AuditDecision.AUDIT_DECISION_ALLOW, "relayed"],
        [p.hub, AuditRole.AUDIT_ROLE_RELAY, AuditDecision.AUDIT_DECISION_ALLOW, "relayed"],
        [p.guangdong, AuditRole.AUDIT_ROLE_OWNER, AuditDecision.AUDIT_DECISION_ALLOW, "allowed"],
      ],
    );
    for (const e of entries) {
      assert.deepEqual(e.releasedSm3, Buffer.from(released), `${e.gatewayParty} recorded the released bytes' digest`);
      assert.equal(e.requesterParty, p.sichuanTicketing);
      assert.equal(e.ownerParty, p.guangdong);
      assert.equal(e.correlationId, "fed-1");
      assert.equal(e.traceId, entries[0]?.traceId);
      assert.equal(e.recordDigest.length, 32, "the record is named by its keyed digest");
    }
    const owner = entries[2];
    assert.deepEqual(owner?.hops, [p.sichuan, p.hub]);
    const bytes = Buffer.concat((await allEntryBytes(fed)).map((b) => Buffer.from(b)));
    assert.ok(!bytes.includes(Buffer.from(gdTicket?.passenger?.idNo ?? "?")), "no ID number in clear in any log");
  });

  it("a denied share leaves a denial entry at the owner and releases nothing", async () => {
    const sizes = await auditSizes(fed);
    const seen = fed.backends.sichuan.seen.length;
    const client = await fed.client(p.guangdongTicketing);
    const s = await status(
      client.unary(TicketServiceService.verifyTicket, {
        ...verify(p.sichuan, Purpose.PURPOSE_THROUGH_TICKET),
        ticketNo: sampleTickets("510000")[0]?.ticketNo ?? "",
      }),
    );
    assert.equal(s.code, Status.PERMISSION_DENIED);
    assert.equal(s.trailers["hutong-denial"], "grant-required", "the owner's reason reaches the caller");
    assert.equal(fed.backends.sichuan.seen.length, seen, "the owner's backend was never asked");
    const entries = await newEntries(fed, sizes);
    assert.deepEqual(
      entries.map((e) => [e.gatewayParty, e.role, e.decision, e.reason, e.releasedSm3.length]),
      [
        [p.sichuan, AuditRole.AUDIT_ROLE_OWNER, AuditDecision.AUDIT_DECISION_DENY, "grant-required", 0],
        [p.hub, AuditRole.AUDIT_ROLE_RELAY, AuditDecision.AUDIT_DECISION_DENY, "grant-required", 0],
        [p.guangdong, AuditRole.AUDIT_ROLE_RELAY, AuditDecision.AUDIT_DECISION_DENY, "grant-required", 0],
      ],
    );
  });

  it("the hub cosigns a province's checkpoints; `hutong audit export` then `verify` checks the log offline", async () => {
    const client = await fed.client(p.sichuanTicketing);
    await client.unary(TicketServiceService.verifyTicket, verify(p.guangdong));
    // Guangdong signs its head and has the hub cosign it (on a timer too; here at once).
    const head = await fed.guangdong.auditLog.head();
    // (A timer tick may be submitting at the same moment and win the witness's compare-and-store;
    // the loser then carries no cosignature, so ask again.)
    let note = "";
    for (let i = 0; i < 20 && !note.includes("— hutong/mot/witness "); i++) {
      note = (await fed.guangdong.publishCheckpoint()).note;
    }
    assert.ok(note.includes("— hutong/mot/witness "), `the hub cosigned Guangdong's checkpoint:\n${note}`);

    const leaf = async (party: string) => {
      const cert = parseCertificatePem(await readFile(fed.pki.party(party).chain, "utf8"))[0];
      assert.ok(cert);
      return cert.publicKey;
    };
    const logKey = formatVerifierKey(auditOrigin(p.guangdong), await leaf(p.guangdong));
    const witnessKey = formatCosignatureVerifierKey("hutong/mot/witness", await leaf(p.hub));
    // An operator of Guangdong exports its log through the gateway, then verifies it offline.
    const work = await mkdtemp(join(tmpdir(), "hutong-audit-cli-"));
    try {
      const profile = join(work, "profile.json");
      await writeFile(
        profile,
        JSON.stringify({
          address: `127.0.0.1:${fed.guangdong.address.port}`,
          gateway: p.guangdong,
          ...fed.pki.party(p.guangdongAuditor),
          trust: [fed.pki.rootCert],
          crl: fed.pki.crls,
        }),
      );
      const exported = await hutong(["audit", "export", "--profile", profile, "--out", join(work, "log.export")]);
      assert.equal(exported.code, 0, exported.stderr);
      const ok = await hutong([
        "audit",
        "verify",
        join(work, "log.export"),
        "--log-key",
        logKey,
        "--witness-key",
        witnessKey,
        "--json",
      ]);
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      const report = JSON.parse(ok.stdout) as { ok: boolean; size: number; witnesses: { ok: boolean }[] };
      assert.equal(report.ok, true);
      assert.ok(report.size >= head.size);
      assert.deepEqual(
        report.witnesses.map((w) => w.ok),
        [true],
      );
      // Flip one byte of one entry in the export: verification fails and says so.
      const bytes = await readFile(join(work, "log.export"));
      bytes.writeUInt8((bytes.at(-5) ?? 0) ^ 0x01, bytes.length - 5);
      await writeFile(join(work, "log.export"), bytes);
      const bad = await hutong(["audit", "verify", join(work, "log.export"), "--log-key", logKey, "--json"]);
      assert.equal(bad.code, 1, bad.stdout + bad.stderr);
      assert.equal((JSON.parse(bad.stdout) as { ok: boolean }).ok, false);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it("a GrantService call relayed through the hub is decided on its origin, not as the hub", async () => {
    const { grant, subject } = guangdongTicketGrant(fed, 0xa1, p.guangdong, 1);
    const context = {
      targetParty: p.guangdong,
      purpose: Purpose.PURPOSE_TICKET_SERVICE,
      grantId: "",
      correlationId: "g",
    };
    const gd = await fed.client(p.guangdongTicketing);
    const reg = await gd.unary(GrantServiceService.registerGrant, { context, grant });
    const sc = await fed.client(p.sichuanTicketing);
    // The hub ("mot") may read every grant; a Sichuan system relayed by the hub may not.
    const bySubject = {
      filter: { $case: "subjectDigest" as const, value: Buffer.from(subject) },
      pageSize: 0,
      pageToken: "",
      statuses: [],
    };
    const listed = await sc.unary(GrantServiceService.listGrants, { context, ...bySubject });
    assert.deepEqual(listed.records, [], "a province sees only authority grants its own member signed");
    const got = await status(sc.unary(GrantServiceService.getGrant, { context, grantId: reg.record?.grantId ?? "" }));
    assert.equal(got.code, Status.PERMISSION_DENIED, got.message);
    assert.match(got.message, /prov:510000\/ticketing/);
  });

  it("inclusion proofs carry entries, so they answer only callers the ACL lets read the log", async () => {
    const sc = await fed.client(p.guangdongTicketing);
    const s = await status(sc.unary(AuditServiceService.proveInclusion, { index: 0n, treeSize: 0n }));
    assert.equal(s.code, Status.PERMISSION_DENIED, s.message);
  });

  it("the data owner's ACL decides, and its refusal reaches the caller through both hops", async () => {
    const client = await fed.client(p.sichuanTicketing);
    const s = await status(
      client.unary(TicketServiceService.getTicket, {
        context: verify(p.guangdong, Purpose.PURPOSE_TICKET_SERVICE).context,
        ticketNo: gdTicket?.ticketNo ?? "",
        annotate: false,
      }),
    );
    assert.equal(s.code, Status.PERMISSION_DENIED);
    assert.match(s.message, /prov:510000\/ticketing may not call hutong\.v1\.TicketService\/GetTicket/);
    const enf = await fed.client(p.guangdongEnforcement);
    const ok = await enf.unary(LicenceServiceService.verifyLicence, {
      context: { targetParty: p.sichuan, purpose: Purpose.PURPOSE_LAW_ENFORCEMENT, grantId: "", correlationId: "" },
      lookup: { key: { $case: "licenceNo", value: "51-OP-0001" }, kind: 0 },
      holderIdNo: "",
      holderName: "",
      holderUscc: "",
      plateNo: "",
    });
    assert.equal(ok.valid, true);
  });

  it("refuses relay metadata from a gateway that is not a trusted relay, and forged relay metadata", async () => {
    // Guangdong's gateway calls Sichuan's directly, claiming to relay for Guangdong enforcement:
    // Sichuan trusts only the hub as a relay.
    const creds = await loadCredentialFiles({
      ...fed.pki.party(p.guangdong),
      anchors: [fed.pki.rootCert],
      crls: fed.pki.crls,
    });
    const body = Buffer.from(VerifyTicketRequest.encode(verify(p.sichuan, Purpose.PURPOSE_THROUGH_TICKET)).finish());
    const direct = createSessionClient({
      transport: createGrpcJsTransport(`127.0.0.1:${fed.sichuan.address.port}`),
      serverParty: p.sichuan,
      privateKey: creds.privateKey,
      chain: creds.chain,
      trust: creds.trust,
      crls: () => creds.crls,
    });
    const s1 = await status(
      direct.call(TicketServiceService.verifyTicket.path, body, {
        route: { origin: p.guangdongTicketing, hops: p.guangdong },
      }),
    );
    assert.equal(s1.code, Status.PERMISSION_DENIED);
    assert.match(s1.message, /may not relay/);
    direct.close();

    // The hub's own certificate, but the origin rewritten after the route MAC was computed.
    const hubCreds = await loadCredentialFiles({
      ...fed.pki.party(p.hub),
      anchors: [fed.pki.rootCert],
      crls: fed.pki.crls,
    });
    const base = createGrpcJsTransport(`127.0.0.1:${fed.sichuan.address.port}`);
    const forging: UnaryTransport = {
      unary: (path, b, md, o) => base.unary(path, b, md["hutong-origin"] ? { ...md, "hutong-origin": "mot" } : md, o),
      close: () => base.close(),
    };
    const forged = createSessionClient({
      transport: forging,
      serverParty: p.sichuan,
      privateKey: hubCreds.privateKey,
      chain: hubCreds.chain,
      trust: hubCreds.trust,
      crls: () => hubCreds.crls,
    });
    const s2 = await status(
      forged.call(TicketServiceService.verifyTicket.path, body, {
        route: { origin: p.guangdongTicketing, hops: p.guangdong },
      }),
    );
    assert.equal(s2.code, Status.UNAUTHENTICATED);
    assert.equal(s2.trailers["hutong-error"], "bad-mac");
    forged.close();
  });

  it("refuses a routing loop with FAILED_PRECONDITION, and recovers when the route is fixed", async () => {
    // Misconfigure the hub: everything it does not know goes back to Sichuan.
    const looped = parseGatewayConfig(
      {
        ...structuredClone(rawOf(fed.configs.hub)),
        routes: [
          ...fed.configs.hub.routes.map((r) => ({ ...r })),
          { match: "*", peer: { address: `127.0.0.1:${fed.sichuan.address.port}`, party: p.sichuan } },
        ],
      },
      dir,
    );
    await fed.hub.reload(looped);
    const client = await fed.client(p.sichuanTicketing);
    const s = await status(client.unary(TicketServiceService.verifyTicket, verify("prov:650000")));
    assert.equal(s.code, Status.FAILED_PRECONDITION);
    assert.match(s.message, /loop/);
    await fed.hub.reload(fed.configs.hub);
    const s2 = await status(client.unary(TicketServiceService.verifyTicket, verify("prov:650000")));
    assert.equal(s2.code, Status.NOT_FOUND);
  });

  it("a peer gateway that is down is UNAVAILABLE at the hop before it", async () => {
    const client = await fed.client(p.guangdongEnforcement);
    await fed.sichuan.close();
    const s = await status(client.unary(TicketServiceService.verifyTicket, verify(p.sichuan)));
    assert.equal(s.code, Status.UNAVAILABLE);
    assert.match(s.message, /prov:510000 via prov:510000/);
  });
});

describe("federation: a revocation reaches the other province through the hub, which does not hold the grant", () => {
  let dir: string;
  let fed: Federation;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-fed-rev-"));
    // The hub's ACL admits RevokeGrant addressed to itself from the provinces' gateways: that is
    // how a revocation travels on (docs/grants.md §6).
    fed = await startFederation(dir);
  });
  after(async () => {
    await fed?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** This gateway's audit entries about one grant, decoded, in log order. */
  async function grantEntries(g: keyof Gateways, grantId: string): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    for await (const e of fed[g].auditLog.export()) {
      const entry = AuditEntry.decode(e.bytes);
      if (entry.grantId === grantId) out.push(entry);
    }
    return out;
  }

  const until = (what: string, check: () => Promise<boolean>) => eventually(check, 10_000, what);

  it("revoked at Sichuan, Guangdong learns it via the hub; each step is in that gateway's audit log", async () => {
    // A Guangdong ticket's holder lets Sichuan serve it; registered at both provinces' gateways.
    const { grant, holder, subject } = guangdongTicketGrant(fed, 0xb7, p.sichuan, 7);
    const now = Date.now();
    const context = (target: string) => ({
      targetParty: target,
      purpose: Purpose.PURPOSE_TICKET_SERVICE,
      grantId: "",
      correlationId: "rev-1",
    });
    const gd = await fed.client(p.guangdongTicketing);
    const sc = await fed.client(p.sichuanTicketing);
    const grantId = (await gd.unary(GrantServiceService.registerGrant, { context: context(p.guangdong), grant })).record
      ?.grantId;
    assert.ok(grantId);
    await sc.unary(GrantServiceService.registerGrant, { context: context(p.sichuan), grant });

    const revocation = signRevocation(
      { grantId, revokedAt: new Date(now - 1000), reason: RevocationReason.REVOCATION_REASON_WITHDRAWN },
      holder.privateKey,
      holder.chain,
    );
    const revoked = await sc.unary(GrantServiceService.revokeGrant, {
      context: context(p.sichuan),
      grantId,
      revocation,
    });
    assert.equal(revoked.record?.status, GrantStatus.GRANT_STATUS_REVOKED);

    await until("Guangdong has recorded its revocation in its audit log", async () =>
      (await grantEntries("guangdong", grantId)).some((e) => e.reason === "grant-revoked"),
    );
    const atGuangdong = await fed.guangdong.store.getGrant(grantId);
    assert.equal(atGuangdong?.status, "revoked");
    assert.deepEqual(
      Buffer.from(atGuangdong?.revocationBytes ?? []),
      Buffer.from(SignedRevocation.encode(revocation).finish()),
      "the same signed revocation, unchanged",
    );
    // The hub never held the grant: it recorded the revocation, passed it on, and holds no grant.
    assert.equal(await fed.hub.store.getGrant(grantId), undefined);
    assert.equal((await fed.hub.store.revocationsFor(grantId)).length, 1);
    // A notice leaves a sender's outbox once the receiver has answered, which can be just after the
    // receiver has recorded it: wait for every outbox to drain rather than look once.
    for (const g of order) {
      await until(
        `${g}'s outbox is empty`,
        async () => (await fed[g].store.listOutbox({ pageSize: 10 }, Date.now())).messages.length === 0,
      );
    }

    // The audit trail a regulator reads: who registered and revoked, where, without personal data.
    const view = (e: AuditEntry) => [e.reason, e.role, e.requesterParty, e.peerParty, e.ownerParty];
    assert.deepEqual((await grantEntries("sichuan", grantId)).map(view), [
      ["grant-registered", AuditRole.AUDIT_ROLE_OWNER, p.sichuanTicketing, p.sichuanTicketing, p.guangdong],
      ["grant-revoked", AuditRole.AUDIT_ROLE_OWNER, p.sichuanTicketing, p.sichuanTicketing, p.guangdong],
    ]);
    assert.deepEqual((await grantEntries("hub", grantId)).map(view), [
      ["grant-revocation-relayed", AuditRole.AUDIT_ROLE_RELAY, p.sichuan, p.sichuan, p.hub],
    ]);
    const gdEntries = await grantEntries("guangdong", grantId);
    assert.deepEqual(gdEntries.map(view), [
      ["grant-registered", AuditRole.AUDIT_ROLE_OWNER, p.guangdongTicketing, p.guangdongTicketing, p.guangdong],
      ["grant-revoked", AuditRole.AUDIT_ROLE_OWNER, p.hub, p.hub, p.guangdong],
    ]);
    for (const e of gdEntries) {
      assert.equal(
        e.method,
        `hutong.v1.GrantService/${e.reason === "grant-registered" ? "RegisterGrant" : "RevokeGrant"}`,
      );
      assert.equal(e.decision, AuditDecision.AUDIT_DECISION_ALLOW);
      assert.deepEqual(e.subjectDigest, Buffer.from(subject), "the subject only as its keyed digest");
      assert.equal(e.purpose, Purpose.PURPOSE_TICKET_SERVICE);
      assert.equal(e.releasedSm3.length, 0, "nothing released");
    }

    // Registering the grant again is refused as revoked, and that refusal is on the record too.
    const again = await status(gd.unary(GrantServiceService.registerGrant, { context: context(p.guangdong), grant }));
    assert.equal(again.code, Status.FAILED_PRECONDITION, again.message);
    assert.match(again.message, /revoked/);
    const last = (await grantEntries("guangdong", grantId)).at(-1);
    assert.deepEqual(last && [last.reason, last.decision], ["grant-revoked", AuditDecision.AUDIT_DECISION_DENY]);
  });
});

/** The file-shaped part of a parsed config, to build a variant from. */
function rawOf(c: Federation["configs"]["hub"]): Record<string, unknown> {
  const { routeTable: _r, acl: _a, aclRules, baseDir: _b, ...rest } = c;
  return { ...rest, acl: aclRules };
}
