// Annotated copies (docs/annotated-copies.md) across the federation: a Guangdong system fetches a
// Sichuan e-ticket through its own gateway and the hub; Sichuan's gateway, the owner's, signs the
// minimized record, the relays pass the bytes on, the SDK verifies the copy offline; a backend's own
// annotation never gets through; a gateway that signs none refuses the request rather than answer
// without one.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import * as grpc from "@grpc/grpc-js";
import { parseCertificatePem, parseCrlPem, sm3 } from "@hutong/certs";
import { annotatedCopyOf, annotatedRecordId, type HutongClient, verifyAnnotatedCopy } from "@hutong/client";
import {
  Annotation,
  AuditDecision,
  AuditEntry,
  GetTicketRequest,
  GetTicketResponse,
  Purpose,
  shareMethods,
  Ticket,
  TicketServiceService,
} from "@hutong/proto";
import { isWireError, Status, type WireError } from "@hutong/wire";
import { type Federation, federationParties as p, startFederation } from "../dev/federation.js";
import { sampleTickets } from "../dev/simulated-backends.js";
import type { RunningGateway } from "./start-gateway.js";

const getTicket = shareMethods.get("hutong.v1.TicketService/GetTicket");
const sichuanTicket = sampleTickets("510000")[0];
const guangdongTicket = sampleTickets("440000")[0];

/**
 * Sichuan's ticketing system as a raw-bytes gRPC server: the sample ticket, and whatever `planted`
 * holds appended to the answer (an annotation a backend has no business writing).
 */
async function plantingBackend(): Promise<{ address: string; planted: Uint8Array[]; close(): void }> {
  const planted: Uint8Array[] = [];
  const server = new grpc.Server();
  const raw = (b: Buffer) => b;
  server.addService(
    {
      getTicket: {
        path: TicketServiceService.getTicket.path,
        requestStream: false,
        responseStream: false,
        requestSerialize: raw,
        requestDeserialize: raw,
        responseSerialize: raw,
        responseDeserialize: raw,
      },
    },
    {
      getTicket(_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) {
        cb(
          null,
          Buffer.concat([
            GetTicketResponse.encode({ ticket: sichuanTicket, annotation: undefined }).finish(),
            ...planted,
          ]),
        );
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, port) =>
      e ? reject(e) : resolve(port),
    ),
  );
  return { address: `127.0.0.1:${port}`, planted, close: () => server.forceShutdown() };
}

const fetchRule = (caller: string, target: string) => ({
  callers: [caller],
  methods: ["hutong.v1.TicketService/GetTicket"],
  purposes: ["REGULATORY_SUPERVISION"],
  targets: [target],
});

function request(target: string, ticketNo: string, annotate: boolean, correlationId: string): Buffer {
  return Buffer.from(
    GetTicketRequest.encode({
      context: { targetParty: target, purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION, grantId: "", correlationId },
      ticketNo,
      annotate,
    }).finish(),
  );
}

async function entriesFor(g: RunningGateway, correlationId: string): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  for await (const e of g.auditLog.export()) {
    const entry = AuditEntry.decode(e.bytes);
    if (entry.correlationId === correlationId) out.push(entry);
  }
  return out;
}

describe("annotated copies across the federation", () => {
  let dir: string;
  let fed: Federation;
  let backend: Awaited<ReturnType<typeof plantingBackend>>;
  let enforcement: HutongClient;
  let trust: { trustAnchors: ReturnType<typeof parseCertificatePem> };
  let crls: ReturnType<typeof parseCrlPem>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-annotated-"));
    backend = await plantingBackend();
    fed = await startFederation(dir, {
      tweak: (party, config) => {
        const acl = config.acl as unknown[];
        if (party === p.sichuan) {
          // Sichuan's records come from the planting backend; Guangdong's enforcement may fetch them
          // for supervision (an open fetch of the operational view: no passenger).
          const routes = (config.routes as { match: string; local?: string }[]).map((r) =>
            r.match === p.sichuan ? { ...r, local: backend.address } : r,
          );
          return { ...config, routes, acl: [...acl, fetchRule(p.guangdongEnforcement, p.sichuan)] };
        }
        if (party === p.guangdong) {
          // Guangdong's gateway signs no annotated copies.
          return {
            ...config,
            acl: [...acl, fetchRule(p.sichuanTicketing, p.guangdong)],
            annotations: { enabled: false },
          };
        }
        return config;
      },
    });
    enforcement = await fed.client(p.guangdongEnforcement);
    trust = { trustAnchors: parseCertificatePem(await readFile(fed.pki.rootCert, "utf8")) };
    crls = (await Promise.all(fed.pki.crls.map(async (f) => parseCrlPem(await readFile(f, "utf8"))))).flat();
  });

  after(async () => {
    await fed?.close();
    backend?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("the owner's gateway signs the minimized record for the caller; the relays pass the bytes; the SDK verifies it", async () => {
    assert.ok(getTicket !== undefined && sichuanTicket !== undefined);
    const reply = await enforcement.session.call(
      TicketServiceService.getTicket.path,
      request(p.sichuan, sichuanTicket.ticketNo, true, "ac-1"),
    );
    const response = GetTicketResponse.decode(reply.body);
    assert.equal(response.ticket?.passenger, undefined, "the operational view holds no passenger");
    assert.equal(response.ticket?.ticketNo, sichuanTicket.ticketNo);
    assert.equal(response.annotation?.signerParty, p.sichuan);
    assert.equal(response.annotation?.recipientParty, p.guangdongEnforcement);
    assert.equal(response.annotation?.purpose, Purpose.PURPOSE_REGULATORY_SUPERVISION);

    const copy = annotatedCopyOf(getTicket, reply.body);
    assert.ok(copy !== undefined);
    assert.equal(annotatedRecordId(copy), sichuanTicket.ticketNo);
    const verdict = verifyAnnotatedCopy({
      recordType: copy.recordType,
      recordBytes: copy.record,
      annotation: copy.annotation,
      trust,
      crls,
      now: Date.now(),
    });
    assert.ok(verdict.ok, JSON.stringify(verdict));
    assert.equal(verdict.annotation.signer.partyId, p.sichuan);
    assert.ok(
      Math.abs(verdict.annotation.validUntil.getTime() - verdict.annotation.issuedAt.getTime() - 30 * 86_400_000) < 1,
    );
    // The record signed is the minimized one: the whole ticket would not match.
    const whole = Ticket.encode(sichuanTicket).finish();
    assert.notDeepEqual(Buffer.from(sm3(whole)), Buffer.from(sm3(copy.record)));

    // Every gateway on the path audited exactly the bytes that left it: the owner's, then the same
    // bytes at the hub and at Guangdong's gateway.
    const owner = await entriesFor(fed.sichuan, "ac-1");
    const hub = await entriesFor(fed.hub, "ac-1");
    const home = await entriesFor(fed.guangdong, "ac-1");
    for (const [where, entries] of [
      ["owner", owner],
      ["hub", hub],
      ["caller's gateway", home],
    ] as const) {
      assert.equal(entries.length, 1, where);
      assert.equal(entries[0]?.decision, AuditDecision.AUDIT_DECISION_ALLOW, where);
      assert.deepEqual(entries[0]?.releasedSm3, Buffer.from(sm3(reply.body)), where);
    }
  });

  it("a backend cannot get an annotation through: stripped without annotate, replaced with it", async () => {
    assert.ok(sichuanTicket !== undefined);
    // A genuine annotation, issued to this caller earlier, replayed by the backend: it would verify.
    const earlier = await enforcement.session.call(
      TicketServiceService.getTicket.path,
      request(p.sichuan, sichuanTicket.ticketNo, true, "ac-2a"),
    );
    const genuine = GetTicketResponse.decode(earlier.body).annotation;
    assert.ok(genuine !== undefined);
    const field = (a: Annotation) =>
      new BinaryWriter().tag(2, WireType.LengthDelimited).bytes(Annotation.encode(a).finish()).finish();
    backend.planted.push(field(genuine), field({ ...genuine, recipientParty: "prov:440000/other" }));
    try {
      const plain = await enforcement.session.call(
        TicketServiceService.getTicket.path,
        request(p.sichuan, sichuanTicket.ticketNo, false, "ac-2b"),
      );
      const response = GetTicketResponse.decode(plain.body);
      assert.equal(response.annotation, undefined, "the backend's annotation was passed on");
      assert.equal(response.ticket?.ticketNo, sichuanTicket.ticketNo);
      // annotate=false: the audit entry still holds the digest of the bytes released.
      const [entry] = await entriesFor(fed.sichuan, "ac-2b");
      assert.deepEqual(entry?.releasedSm3, Buffer.from(sm3(plain.body)));

      const annotated = await enforcement.session.call(
        TicketServiceService.getTicket.path,
        request(p.sichuan, sichuanTicket.ticketNo, true, "ac-2c"),
      );
      const a = GetTicketResponse.decode(annotated.body).annotation;
      assert.ok(a !== undefined && getTicket !== undefined);
      assert.equal(a.recipientParty, p.guangdongEnforcement);
      assert.equal(a.signerChain.length, genuine.signerChain.length, "not merged with a planted one");
      assert.notDeepEqual(a.issuedAt, genuine.issuedAt);
      const copy = annotatedCopyOf(getTicket, annotated.body);
      assert.ok(copy !== undefined);
      const verdict = verifyAnnotatedCopy({
        recordType: copy.recordType,
        recordBytes: copy.record,
        annotation: copy.annotation,
        trust,
        crls,
        now: Date.now(),
      });
      assert.ok(verdict.ok, JSON.stringify(verdict));
    } finally {
      backend.planted.length = 0;
    }
  });

  it("a gateway that signs no annotated copies refuses the request, relayed as it said it, and audits it", async () => {
    assert.ok(guangdongTicket !== undefined);
    const ticketing = await fed.client(p.sichuanTicketing);
    let refused: WireError | undefined;
    try {
      await ticketing.session.call(
        TicketServiceService.getTicket.path,
        request(p.guangdong, guangdongTicket.ticketNo, true, "ac-3"),
      );
    } catch (e) {
      if (isWireError(e)) refused = e;
      else throw e;
    }
    assert.equal(refused?.code, Status.UNIMPLEMENTED);
    assert.equal(refused?.message, "the owner's gateway does not sign annotated copies");
    const [entry] = await entriesFor(fed.guangdong, "ac-3");
    assert.equal(entry?.decision, AuditDecision.AUDIT_DECISION_DENY);
    assert.equal(entry?.reason, "annotation-unavailable");
    // Without annotate, the same fetch is answered.
    const reply = await ticketing.session.call(
      TicketServiceService.getTicket.path,
      request(p.guangdong, guangdongTicket.ticketNo, false, "ac-4"),
    );
    assert.equal(GetTicketResponse.decode(reply.body).ticket?.ticketNo, guangdongTicket.ticketNo);
  });
});
