// What a console reaches through the SDK with its own party certificate, end to end over a real
// federation: GetGatewayInfo's operational facts (live across a reload), OutboxAdminService behind
// the ACL (replay audited with the console as requester, the dispatcher woken), and the audited
// search of the audit log by subject.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Credentials, createHutongClient, type HutongClient, loadCredentialFiles } from "@hutong/client";
import {
  AuditEntry,
  AuditServiceService,
  AuditWitnessState,
  type GetGatewayInfoResponse,
  ListDeadLettersRequest,
  OutboxAdminServiceService,
  OutboxBreakerState,
  QueryEntriesRequest,
  RegistryServiceService,
} from "@hutong/proto";
import { isWireError, Status } from "@hutong/wire";
import { eventually } from "@hutong/wire/testing";
import { type DevPki, openDevPki } from "../dev/dev-pki.js";
import { auditOrigin, type Federation, federationParties as p, startFederation } from "../dev/federation.js";
import { encodeRevocationPayload } from "../grants/revocation-topic.js";

const consoleParty = "mot/console";
/** A system whose certificate the test revokes, to change Guangdong's CRLs. */
const retired = "prov:440000/retired";
/** A witness nobody runs: its requests fail. */
const absentWitness = "prov:650000";

function rejectsWith(code: number, text?: RegExp) {
  return (e: unknown) => {
    assert.ok(isWireError(e), `expected a WireError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (text !== undefined) assert.match(e.message, text);
    return true;
  };
}

describe("the console's services at a gateway (Guangdong), through the SDK", () => {
  let dir: string;
  let fed: Federation;
  let pki: DevPki;
  let consoleCredentials: Credentials;
  let consoleClient: HutongClient;
  let denied: HutongClient;

  const info = (client = consoleClient): Promise<GetGatewayInfoResponse> =>
    client.unary(RegistryServiceService.getGatewayInfo, {});

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-console-"));
    fed = await startFederation(dir, {
      tweak: (party, raw) => {
        if (party !== p.guangdong) return raw;
        const audit = raw.audit as { witnesses: unknown[] };
        return {
          ...raw,
          // The console's rule: its methods only, deny by default for everyone else.
          acl: [
            ...(raw.acl as unknown[]),
            {
              callers: [consoleParty],
              methods: ["hutong.v1.OutboxAdminService/*", "hutong.v1.AuditService/QueryEntries"],
            },
          ],
          audit: { ...audit, witnesses: [...audit.witnesses, { party: absentWitness, address: "127.0.0.1:1" }] },
          // Only a kick can make the dispatcher try a replayed message within the test.
          outbox: { pollIntervalMs: 600_000 },
        };
      },
    });
    pki = await openDevPki(join(dir, "pki"), [
      { id: consoleParty, role: "system" },
      { id: retired, role: "system" },
    ]);
    consoleCredentials = await loadCredentialFiles({
      ...pki.party(consoleParty),
      anchors: [pki.rootCert],
      crls: pki.crls,
    });
    consoleClient = createHutongClient({
      address: `127.0.0.1:${fed.guangdong.address.port}`,
      gatewayParty: p.guangdong,
      privateKey: consoleCredentials.privateKey,
      chain: consoleCredentials.chain,
      trust: consoleCredentials.trust,
      crls: () => consoleCredentials.crls,
    });
    denied = await fed.client(p.guangdongEnforcement);
  });
  after(async () => {
    consoleClient?.close();
    await fed?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("GetGatewayInfo: the gateway's chain, its CRLs, its audit log and how each witness stands", async () => {
    const first = await info();
    const [leaf, ...cas] = first.certificates;
    assert.equal(leaf?.subjectParty, p.guangdong);
    assert.equal(leaf?.serial, fed.guangdong.credentials.leaf.serialHex);
    assert.match(leaf?.serial ?? "", /^[0-9a-f]+$/);
    assert.ok((leaf?.notBefore?.getTime() ?? 0) < Date.now() && Date.now() < (leaf?.notAfter?.getTime() ?? 0));
    assert.ok(cas.length > 0 && cas.every((c) => c.subjectParty === "" && /CN=hutong development/.test(c.subjectName)));

    assert.deepEqual(first.crls.map((c) => c.issuerName).sort(), [
      "O=hutong development, CN=hutong development CA",
      "O=hutong development, CN=hutong development holder app CA",
      "O=hutong development, CN=hutong development root",
    ]);
    assert.ok(first.crls.every((c) => c.thisUpdate !== undefined && c.nextUpdate !== undefined));

    const origin = auditOrigin(p.guangdong);
    assert.equal(first.auditLog?.origin, origin);
    // The key the hub witnesses this log with: what an auditor verifies exports against.
    assert.equal(first.auditLog?.verifierKey, fed.configs.hub.audit.witnessing.find((w) => w.origin === origin)?.key);

    let now = first;
    await eventually(
      async () => {
        now = await info();
        const states = now.witnesses.map((w) => w.state);
        return (
          states[0] === AuditWitnessState.AUDIT_WITNESS_STATE_COSIGNED &&
          states[1] === AuditWitnessState.AUDIT_WITNESS_STATE_UNREACHABLE
        );
      },
      15_000,
      "the hub cosigns and the absent witness fails",
    );
    const [hub, absent] = now.witnesses;
    assert.equal(hub?.party, p.hub);
    assert.equal(hub?.keyName, `hutong/${p.hub}/witness`);
    assert.equal(hub?.lastCosignedSize, now.auditLog?.latestCheckpointSize);
    assert.match(hub?.detail ?? "", /^cosigned the latest checkpoint \(size \d+\) at \d{4}-/);
    assert.equal(absent?.party, absentWitness);
    assert.equal(absent?.lastCosignedSize, undefined);
    assert.match(absent?.detail ?? "", /^\d+ requests? in a row without its cosignature; next try at /);
    assert.ok(now.auditLog?.latestCheckpointTime !== undefined);
    assert.ok((now.auditLog?.latestCheckpointSize ?? -1n) <= (now.auditLog?.size ?? 0n));

    // Any authenticated member reads it, as before: the facts are public to the federation.
    assert.equal((await info(denied)).partyId, p.guangdong);
  });

  it("GetGatewayInfo is live: a reload that changes a CRL shows in the next answer", async () => {
    const ca = (r: GetGatewayInfoResponse) => r.crls.find((c) => c.issuerName.endsWith("CN=hutong development CA"));
    const before = ca(await info());
    assert.ok(before);
    await pki.revoke(retired);
    await fed.guangdong.reload(fed.configs.guangdong);
    const after = ca(await info());
    assert.equal(after?.revokedCount, before.revokedCount + 1);
    assert.ok((after?.thisUpdate?.getTime() ?? 0) >= (before.thisUpdate?.getTime() ?? 0));
  });

  it("OutboxAdminService and audit queries are denied to a caller the ACL does not list", async () => {
    await assert.rejects(
      denied.unary(OutboxAdminServiceService.listOutboxQueues, {}),
      rejectsWith(
        Status.PERMISSION_DENIED,
        /^ACL: prov:440000\/enforcement may not call hutong\.v1\.OutboxAdminService/,
      ),
    );
    await assert.rejects(
      denied.unary(OutboxAdminServiceService.listDeadLetters, ListDeadLettersRequest.fromPartial({})),
      rejectsWith(Status.PERMISSION_DENIED),
    );
    await assert.rejects(
      denied.unary(OutboxAdminServiceService.replayDeadLetter, { id: 1n }),
      rejectsWith(Status.PERMISSION_DENIED),
    );
    await assert.rejects(
      denied.unary(
        AuditServiceService.queryEntries,
        QueryEntriesRequest.fromPartial({ subjectDigest: Buffer.alloc(32, 7) }),
      ),
      rejectsWith(Status.PERMISSION_DENIED),
    );
  });

  it("lists a dead letter, replays it with the console as the audited requester, and the dispatcher tries it at once", async () => {
    const store = fed.guangdong.store;
    const createdMs = Date.now();
    // A revocation for a gateway Guangdong has no route to: every try is refused (a dead letter).
    await store.enqueueOutbox(
      [
        {
          topic: "grant-revocation",
          destination: absentWitness,
          idempotencyKey: "g1-console-test/00",
          orderingKey: null,
          payload: encodeRevocationPayload(6, new Uint8Array()),
        },
      ],
      createdMs,
    );
    const claimed = await store.claimOutbox({
      leaseToken: "console-test",
      nowMs: Date.now(),
      leaseUntilMs: Date.now() + 60_000,
      limit: 10,
      topics: ["grant-revocation"],
      skip: [],
    });
    await store.settleOutbox(
      "console-test",
      claimed.map((m) => ({ id: m.id, outcome: "dead" as const, attempted: true, error: "reject: test" })),
      Date.now(),
    );

    const queues = await consoleClient.unary(OutboxAdminServiceService.listOutboxQueues, {});
    const queue = queues.queues.find((q) => q.topic === "grant-revocation" && q.destination === absentWitness);
    assert.deepEqual(
      [queue?.pending, queue?.dead, queue?.breaker],
      [0, 1, OutboxBreakerState.OUTBOX_BREAKER_STATE_CLOSED],
    );
    const { deadLetters } = await consoleClient.unary(
      OutboxAdminServiceService.listDeadLetters,
      ListDeadLettersRequest.fromPartial({ topic: "grant-revocation", destination: absentWitness }),
    );
    assert.equal(deadLetters.length, 1);
    const letter = deadLetters[0];
    assert.ok(letter);
    assert.deepEqual(Object.keys(letter).sort(), [
      "attempts",
      "createdAt",
      "deadAt",
      "destination",
      "id",
      "lastError",
      "topic",
    ]);
    assert.equal(letter.createdAt?.getTime(), createdMs);

    const replayedAt = Date.now();
    const reply = await consoleClient.unary(OutboxAdminServiceService.replayDeadLetter, { id: letter.id });
    assert.equal(reply.replayed?.id, letter.id);
    assert.ok(reply.auditIndex !== undefined);
    const stored = await fed.guangdong.auditLog.entry(Number(reply.auditIndex));
    assert.ok(stored);
    const entry = AuditEntry.decode(stored.bytes);
    assert.deepEqual(
      [entry.method, entry.requesterParty, entry.ownerParty, entry.peerParty, entry.reason, entry.correlationId],
      [
        "hutong.outbox/Replay",
        consoleParty,
        p.guangdong,
        absentWitness,
        "outbox-replayed",
        `outbox/grant-revocation/${letter.id}`,
      ],
    );
    // The dispatcher polls every ten minutes here: only the kick explains a try this soon.
    await eventually(
      async () => {
        const m = await store.getOutboxMessage(Number(letter.id), Date.now());
        return m?.state === "dead" && m.attempts === 1 && (m.deadMs ?? 0) >= replayedAt;
      },
      10_000,
      "the replayed message was tried again and refused",
    );
  });

  it("answers NOT_FOUND for an unknown id, FAILED_PRECONDITION for a message that is not dead, INVALID_ARGUMENT for bad bytes", async () => {
    await assert.rejects(
      consoleClient.unary(OutboxAdminServiceService.replayDeadLetter, { id: 987_654n }),
      rejectsWith(Status.NOT_FOUND, /^no outbox message 987654/),
    );
    // A topic no dispatcher here serves: it stays pending.
    await fed.guangdong.store.enqueueOutbox(
      [
        {
          topic: "console-test",
          destination: p.hub,
          idempotencyKey: "k1",
          orderingKey: null,
          payload: new Uint8Array([1]),
        },
      ],
      Date.now(),
    );
    const [pending] = (
      await fed.guangdong.store.listOutbox({ topic: "console-test", state: "pending", pageSize: 1 }, Date.now())
    ).messages;
    assert.ok(pending);
    await assert.rejects(
      consoleClient.unary(OutboxAdminServiceService.replayDeadLetter, { id: BigInt(pending.id) }),
      rejectsWith(Status.FAILED_PRECONDITION, /is pending, not a dead letter/),
    );
    for (const method of [
      OutboxAdminServiceService.replayDeadLetter,
      OutboxAdminServiceService.listDeadLetters,
      OutboxAdminServiceService.listOutboxQueues,
    ]) {
      await assert.rejects(
        consoleClient.session.call(method.path, Buffer.from([0x0a, 0x05, 0x01])),
        rejectsWith(Status.INVALID_ARGUMENT, /is not well-formed protobuf/),
      );
    }
    await assert.rejects(
      consoleClient.unary(
        OutboxAdminServiceService.listDeadLetters,
        ListDeadLettersRequest.fromPartial({ pageToken: "nope" }),
      ),
      rejectsWith(Status.INVALID_ARGUMENT, /^malformed page token$/),
    );
  });

  it("a search of the audit log by subject is recorded, with the console as requester, before it is answered", async () => {
    const subjectDigest = Buffer.alloc(32, 0x3c);
    const first = await consoleClient.unary(
      AuditServiceService.queryEntries,
      QueryEntriesRequest.fromPartial({ subjectDigest, correlationId: "console/q-1" }),
    );
    assert.deepEqual(first.entries, [], "nothing about this subject yet");
    const second = await consoleClient.unary(
      AuditServiceService.queryEntries,
      QueryEntriesRequest.fromPartial({ subjectDigest, correlationId: "console/q-2" }),
    );
    assert.equal(second.entries.length, 1, "the first search is on the subject's trail");
    const entry = AuditEntry.decode(second.entries[0]?.entry ?? new Uint8Array());
    assert.deepEqual(
      [
        entry.method,
        entry.requesterParty,
        entry.peerParty,
        entry.peerCertSerial,
        entry.ownerParty,
        entry.reason,
        entry.correlationId,
      ],
      [
        "hutong.v1.AuditService/QueryEntries",
        consoleParty,
        consoleParty,
        consoleCredentials.leaf.serialHex,
        p.guangdong,
        "audit-query",
        "console/q-1",
      ],
    );
    assert.deepEqual(Buffer.from(entry.subjectDigest), subjectDigest);
    await assert.rejects(
      consoleClient.unary(
        AuditServiceService.queryEntries,
        QueryEntriesRequest.fromPartial({ subjectDigest, correlationId: "not ascii: 查询" }),
      ),
      rejectsWith(Status.INVALID_ARGUMENT, /^correlation_id must be at most 128 printable ASCII$/),
    );
  });
});
