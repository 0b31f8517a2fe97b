import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sm3Hasher } from "@hutong/audit";
import {
  AuditEntry,
  ListDeadLettersRequest,
  ListDeadLettersResponse,
  ListOutboxQueuesResponse,
  OutboxAdminServiceService,
  OutboxBreakerState,
  ReplayDeadLetterRequest,
  ReplayDeadLetterResponse,
} from "@hutong/proto";
import { statusName } from "@hutong/wire";
import { type AuditLog, createAuditLog } from "../audit/audit-log.js";
import { mapError } from "../gateway/status-mapping.js";
import { type HutongStore, openStore } from "../store/index.js";
import { createOutboxAdminEndpoint, type OutboxAdminHandler } from "./outbox-admin-endpoint.js";
import { auditEntry } from "./testing-audit-server.js";

const self = "prov:510000";
const caller = { party: "mot/console" };
const t0 = 1_780_000_000_000;
const paths = OutboxAdminServiceService;

/** A message's payload the answers must never carry: a marker easy to look for in their bytes. */
const secret = Buffer.from("PAYLOAD-510104199001011234");

const message = (key: string, destination = "prov:440000", topic = "grant-revocation") => ({
  topic,
  destination,
  idempotencyKey: key,
  orderingKey: null,
  payload: secret,
});

/** The status a caller would get for what a handler threw. */
async function statusOf(p: Promise<unknown>): Promise<{ status: string; message: string }> {
  try {
    await p;
  } catch (e) {
    const { wire } = mapError(e);
    return { status: statusName(wire.code), message: wire.message };
  }
  return { status: "OK", message: "" };
}

describe("OutboxAdminService endpoint over a real SQLite store and audit log", () => {
  let dir: string;
  let store: HutongStore;
  let log: AuditLog;
  let now = t0;
  let kicks = 0;
  let breakers: { topic: string; destination: string; state: "open" | "half-open" | "closed" }[] = [];
  let endpoint: ReadonlyMap<string, OutboxAdminHandler>;
  const handler = (path: string): OutboxAdminHandler => {
    const h = endpoint.get(path);
    assert.ok(h, path);
    return h;
  };

  /** Makes every due message of `topic` a dead letter, as a dispatcher would after its last try. */
  async function killAll(topic = "grant-revocation", error = "PERMISSION_DENIED: acl refused"): Promise<number[]> {
    const claimed = await store.claimOutbox({
      leaseToken: `test-${now}`,
      nowMs: now,
      leaseUntilMs: now + 60_000,
      limit: 100,
      topics: [topic],
      skip: [],
    });
    await store.settleOutbox(
      `test-${now}`,
      claimed.map((m) => ({ id: m.id, outcome: "dead" as const, attempted: true, error })),
      now,
    );
    return claimed.map((m) => m.id);
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-outbox-admin-"));
    store = await openStore({ kind: "sqlite", path: join(dir, "hutong.db"), thread: "main" }, { hash: "sm3" });
    log = createAuditLog({ store, hasher: sm3Hasher });
    endpoint = createOutboxAdminEndpoint({
      store,
      self,
      breakers: () => breakers,
      kick: () => {
        kicks += 1;
      },
      now: () => now,
    });
  });
  after(async () => {
    await log.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("lists queues with pending and dead counts, the oldest pending age and this process's breakers", async () => {
    await store.enqueueOutbox([message("a"), message("b"), message("c", "mot")], t0);
    now = t0 + 1000;
    const [deadId] = await killAll("grant-revocation");
    assert.ok(deadId !== undefined);
    // Two more, enqueued later: pending.
    await store.enqueueOutbox([message("d"), message("e", "mot")], t0 + 5000);
    now = t0 + 95_500;
    breakers = [
      { topic: "grant-revocation", destination: "mot", state: "open" },
      { topic: "invoice", destination: "tax:chinatax", state: "half-open" },
    ];
    const bytes = await handler(paths.listOutboxQueues.path)(Buffer.alloc(0), caller);
    assert.ok(!bytes.includes(secret), "no payload in the answer");
    const { queues } = ListOutboxQueuesResponse.decode(bytes);
    assert.deepEqual(
      queues.map((q) => [q.topic, q.destination, q.pending, q.dead, q.oldestPendingAgeSeconds, q.breaker]),
      [
        ["grant-revocation", "mot", 1, 1, 90, OutboxBreakerState.OUTBOX_BREAKER_STATE_OPEN],
        ["grant-revocation", "prov:440000", 1, 2, 90, OutboxBreakerState.OUTBOX_BREAKER_STATE_CLOSED],
        // A breaker still held for a destination with no message left is listed too.
        ["invoice", "tax:chinatax", 0, 0, 0, OutboxBreakerState.OUTBOX_BREAKER_STATE_HALF_OPEN],
      ],
    );
    breakers = [];
  });

  it("leaves the breaker state unset when the endpoint cannot see a dispatcher", async () => {
    const blind = createOutboxAdminEndpoint({ store, self, kick: () => {}, now: () => now });
    const h = blind.get(paths.listOutboxQueues.path);
    assert.ok(h);
    const { queues } = ListOutboxQueuesResponse.decode(await h(Buffer.alloc(0), caller));
    assert.ok(queues.length > 0);
    assert.ok(queues.every((q) => q.breaker === OutboxBreakerState.OUTBOX_BREAKER_STATE_UNSPECIFIED));
  });

  it("lists dead letters oldest first, filtered and paged, with their last error and never their payload", async () => {
    const list = handler(paths.listDeadLetters.path);
    const all = ListDeadLettersResponse.decode(
      await list(ListDeadLettersRequest.encode(ListDeadLettersRequest.fromPartial({})).finish(), caller),
    );
    assert.deepEqual(
      all.deadLetters.map((d) => [d.topic, d.destination, d.attempts, d.lastError]),
      [
        ["grant-revocation", "prov:440000", 1, "PERMISSION_DENIED: acl refused"],
        ["grant-revocation", "prov:440000", 1, "PERMISSION_DENIED: acl refused"],
        ["grant-revocation", "mot", 1, "PERMISSION_DENIED: acl refused"],
      ],
    );
    const first = all.deadLetters[0];
    assert.equal(first?.createdAt?.getTime(), t0);
    assert.equal(first?.deadAt?.getTime(), t0 + 1000);
    assert.equal(all.nextPageToken, "");

    const request = (r: Partial<ListDeadLettersRequest>) =>
      ListDeadLettersRequest.encode(ListDeadLettersRequest.fromPartial(r)).finish();
    const toMot = ListDeadLettersResponse.decode(await list(request({ destination: "mot" }), caller));
    assert.deepEqual(
      toMot.deadLetters.map((d) => d.destination),
      ["mot"],
    );
    const page1 = ListDeadLettersResponse.decode(await list(request({ pageSize: 2 }), caller));
    assert.equal(page1.deadLetters.length, 2);
    assert.notEqual(page1.nextPageToken, "");
    const page2 = ListDeadLettersResponse.decode(
      await list(request({ pageSize: 2, pageToken: page1.nextPageToken }), caller),
    );
    assert.deepEqual(
      [...page1.deadLetters, ...page2.deadLetters].map((d) => d.id),
      all.deadLetters.map((d) => d.id),
    );
    for (const bytes of [await list(request({}), caller)]) assert.ok(!bytes.includes(secret));
  });

  it("refuses bad filters, page tokens and request bytes with INVALID_ARGUMENT, naming the field", async () => {
    const list = handler(paths.listDeadLetters.path);
    const request = (r: Partial<ListDeadLettersRequest>) =>
      ListDeadLettersRequest.encode(ListDeadLettersRequest.fromPartial(r)).finish();
    assert.deepEqual(await statusOf(list(request({ pageToken: "not-one-of-ours" }), caller)), {
      status: "INVALID_ARGUMENT",
      message: "malformed page token",
    });
    const badTopic = await statusOf(list(request({ topic: "Grant Revocation" }), caller));
    assert.equal(badTopic.status, "INVALID_ARGUMENT");
    assert.match(badTopic.message, /^topic must be/);
    for (const path of [paths.listOutboxQueues.path, paths.listDeadLetters.path, paths.replayDeadLetter.path]) {
      const r = await statusOf(handler(path)(Buffer.from([0x0a, 0x05, 0x01]), caller));
      assert.equal(r.status, "INVALID_ARGUMENT", path);
      assert.match(r.message, /is not well-formed protobuf/);
    }
  });

  it("replays a dead letter as hutong outbox replay does: pending, due now, audited in the same transaction, then kicks", async () => {
    const [letter] = ListDeadLettersResponse.decode(
      await handler(paths.listDeadLetters.path)(
        ListDeadLettersRequest.encode(ListDeadLettersRequest.fromPartial({ destination: "mot" })).finish(),
        caller,
      ),
    ).deadLetters;
    assert.ok(letter);
    await log.append(auditEntry(0, self));
    const kicked = kicks;
    now = t0 + 100_000;
    const bytes = await handler(paths.replayDeadLetter.path)(
      ReplayDeadLetterRequest.encode({ id: letter.id }).finish(),
      caller,
    );
    assert.ok(!bytes.includes(secret));
    const reply = ReplayDeadLetterResponse.decode(bytes);
    assert.deepEqual(reply.replayed, letter, "the message as it was: a dead letter");
    assert.equal(kicks, kicked + 1, "the dispatcher is woken");
    assert.equal(reply.auditIndex, 1n, "the entry after the log's one entry");

    const after = await store.getOutboxMessage(Number(letter.id), now);
    assert.equal(after?.state, "pending");
    assert.equal(after?.attempts, 0);
    assert.equal(after?.nextAttemptMs, now);

    const stored = await log.entry(1);
    assert.ok(stored);
    const entry = AuditEntry.decode(stored.bytes);
    assert.equal(entry.method, "hutong.outbox/Replay");
    assert.equal(entry.requesterParty, "mot/console", "the calling system, as the session verified it");
    assert.equal(entry.ownerParty, self);
    assert.equal(entry.gatewayParty, self);
    assert.equal(entry.peerParty, "mot");
    assert.equal(entry.reason, "outbox-replayed");
    assert.equal(entry.correlationId, `outbox/grant-revocation/${letter.id}`);
    assert.equal(entry.subjectDigest.length, 0);
    // The log's writer goes on from the entry the replay wrote.
    assert.equal((await log.append(auditEntry(1, self))).index, 2);
  });

  it("answers NOT_FOUND for an unknown id and FAILED_PRECONDITION for a message that is not a dead letter", async () => {
    const replay = handler(paths.replayDeadLetter.path);
    const request = (id: bigint) => ReplayDeadLetterRequest.encode({ id }).finish();
    const kicked = kicks;
    assert.deepEqual(await statusOf(replay(request(999n), caller)), {
      status: "NOT_FOUND",
      message: "no outbox message 999 (delivered, dropped, or never there)",
    });
    assert.equal((await statusOf(replay(request(2n ** 60n), caller))).status, "NOT_FOUND");
    assert.equal((await statusOf(replay(request(0n), caller))).status, "INVALID_ARGUMENT");

    const [pending] = (await store.listOutbox({ state: "pending", pageSize: 1 }, now)).messages;
    assert.ok(pending);
    assert.deepEqual(await statusOf(replay(request(BigInt(pending.id)), caller)), {
      status: "FAILED_PRECONDITION",
      message: `outbox message ${pending.id} is pending, not a dead letter`,
    });
    // A message a dispatcher holds now is not a dead letter either.
    const [held] = await store.claimOutbox({
      leaseToken: "held",
      nowMs: now,
      leaseUntilMs: now + 60_000,
      limit: 1,
      topics: ["grant-revocation"],
      skip: [],
    });
    assert.ok(held);
    assert.equal((await statusOf(replay(request(BigInt(held.id)), caller))).status, "FAILED_PRECONDITION");
    assert.equal(kicks, kicked, "nothing replayed, nothing kicked");
    const head = await log.head();
    assert.equal(head.size, 3, "a refused replay writes no audit entry");
  });

  it("answers UNAVAILABLE once the store is closed", async () => {
    const closedDir = await mkdtemp(join(tmpdir(), "hutong-outbox-admin-closed-"));
    const closedStore = await openStore(
      { kind: "sqlite", path: join(closedDir, "hutong.db"), thread: "main" },
      { hash: "sm3" },
    );
    await closedStore.close();
    const h = createOutboxAdminEndpoint({ store: closedStore, self, kick: () => {}, now: () => now }).get(
      paths.listOutboxQueues.path,
    );
    assert.ok(h);
    assert.deepEqual(await statusOf(h(Buffer.alloc(0), caller)), {
      status: "UNAVAILABLE",
      message: "the outbox is unavailable",
    });
    await rm(closedDir, { recursive: true, force: true });
  });
});
