import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sm3 } from "@hutong/certs";
import type { SessionClient } from "@hutong/client";
import {
  GrantServiceService,
  GrantStatus,
  RevocationReason,
  RevokeGrantRequest,
  type SignedGrant,
  SignedRevocation,
} from "@hutong/proto";
import { isWireError, Status } from "@hutong/wire";
import { eventually } from "@hutong/wire/testing";
import { createOutboxDispatcher, type OutboxDispatcher, type OutboxLogger } from "../outbox/outbox-dispatcher.js";
import { defaultTopicPolicy, type TopicPolicy } from "../outbox/topic-policy.js";
import { openStore } from "../store/open-store.js";
import type { OutboxStore } from "../store/port/outbox-store.js";
import { credentialsFor, type GrantGateway, grantSession, startGrantGateway } from "../testing.js";
import { grantIdFor } from "./grant-codec.js";
import { createGrantRegistry } from "./grant-registry.js";
import { signRevocation } from "./grant-revocation.js";
import { isGrantServiceError } from "./grant-service-error.js";
import { signGrant } from "./grant-signature.js";
import { createPeerSessionFactory, type PeerSessionFactory, type RevocationPeer } from "./peer-session-factory.js";
import {
  createRevocationTopic,
  decodeRevocationPayload,
  revocationMessages,
  revocationTopicName,
} from "./revocation-topic.js";
import { holderBody, subjectA } from "./testing-grants.js";
import { createTestPki } from "./testing-pki.js";

const pki = createTestPki();
const now = () => pki.now.getTime();
const holderA = pki.holder(subjectA);
const nonce = (n: number) => Buffer.alloc(16, n);
const grant = (n: number): SignedGrant => signGrant(holderBody({ nonce: nonce(n) }), holderA.key, pki.chain(holderA));
const revocationOf = (grantId: string) =>
  signRevocation(
    { grantId, revokedAt: new Date(now() - 1000), reason: RevocationReason.REVOCATION_REASON_WITHDRAWN },
    holderA.key,
    pki.chain(holderA),
  );

interface LogLine {
  readonly level: string;
  readonly facts: Record<string, unknown>;
  readonly message: string;
}

function memoryLogger(lines: LogLine[]): OutboxLogger {
  const at = (level: string) => (facts: Record<string, unknown>, message: string) => {
    lines.push({ level, facts, message });
  };
  return { info: at("info"), warn: at("warn"), debug: at("debug") };
}

/** Polls until `check` holds (revocations travel in the background), or fails after 5 s. */
const until = (what: string, check: () => Promise<boolean>) => eventually(check, 5000, what);

/** The outbox dispatcher with the revocation topic alone, wired as gateway-outbox.ts wires it. */
function revocationOutbox(options: {
  store: OutboxStore;
  peers: readonly RevocationPeer[];
  connect: PeerSessionFactory;
  logger: OutboxLogger;
  policy?: Partial<TopicPolicy>;
  now?: () => number;
}): OutboxDispatcher {
  return createOutboxDispatcher({
    store: options.store,
    topics: [
      createRevocationTopic({
        peers: options.peers,
        connect: options.connect,
        policy: { ...defaultTopicPolicy, timeoutMs: 2000, ...options.policy },
      }),
    ],
    logger: options.logger,
    // The top of each backoff window: a dead peer tried once waits the whole base before its next try.
    random: () => 0.999,
    // The registry's clock (the PKI's fixed time): messages are stamped with it.
    now: options.now ?? now,
  });
}

/** What is left in a store's outbox for revocations: [peer, grant id, attempts, state]. */
async function leftOver(store: OutboxStore, nowMs = now()) {
  const { messages } = await store.listOutbox({ topic: revocationTopicName, pageSize: 100 }, nowMs);
  return messages.map((m) => [
    m.destination,
    decodeRevocationPayload(m.payload).revocation.grantId,
    m.attempts,
    m.state,
  ]);
}

/** A gateway with its outbox sender, wired as gateway.ts wires them. */
interface Node {
  readonly gateway: GrantGateway;
  readonly log: LogLine[];
  /** Starts the sender once every gateway listens (a peer list needs their addresses). */
  peerWith(peers: readonly RevocationPeer[]): void;
  readonly outbox: () => OutboxDispatcher | undefined;
  close(): Promise<void>;
}

async function startNode(party: string): Promise<Node> {
  const log: LogLine[] = [];
  let outbox: OutboxDispatcher | undefined;
  let peerParties: readonly string[] = [];
  const gateway = await startGrantGateway({
    pki,
    party,
    now,
    acl: (caller) => caller !== "prov:620000", // this caller is refused by every gateway's ACL
    revocationPeers: () => peerParties,
    onQueued: () => outbox?.kick(),
  });
  return {
    gateway,
    log,
    peerWith(peers) {
      peerParties = peers.map((p) => p.party);
      outbox = revocationOutbox({
        store: gateway.store,
        peers,
        connect: createPeerSessionFactory({ self: gateway.credentials, crls: () => pki.crls, now }),
        logger: memoryLogger(log),
        // Long enough that a dead peer is tried once in a test, not in a loop.
        policy: { retryBaseMs: 60_000 },
      });
    },
    outbox: () => outbox,
    async close() {
      await outbox?.close();
      await gateway.close();
    },
  };
}

const peerOf = (g: GrantGateway): RevocationPeer => ({ party: g.party, address: g.address });
const revokeRequest = (target: string, revocation: ReturnType<typeof revocationOf>) =>
  Buffer.from(
    RevokeGrantRequest.encode({
      context: { targetParty: target, purpose: holderBody().purpose, grantId: "", correlationId: "x" },
      grantId: revocation.grantId,
      revocation,
    }).finish(),
  );
const servedRevokes = (g: GrantGateway) => g.served.filter((s) => s.startsWith(GrantServiceService.revokeGrant.path));

describe("revocation propagation between real gateways, through a hub that does not hold the grant", () => {
  // a - hub - b, and c under the hub too; a also has a dead peer.
  let a: Node;
  let hub: Node;
  let b: Node;
  let c: Node;
  let client: SessionClient;
  const deadPeer: RevocationPeer = { party: "prov:650000", address: "127.0.0.1:1" };

  before(async () => {
    [a, hub, b, c] = await Promise.all([
      startNode("prov:510000"),
      startNode("mot"),
      startNode("prov:440000"),
      startNode("prov:320000"),
    ]);
    a.peerWith([peerOf(hub.gateway), deadPeer]);
    hub.peerWith([peerOf(a.gateway), peerOf(b.gateway), peerOf(c.gateway)]);
    b.peerWith([peerOf(hub.gateway)]);
    c.peerWith([peerOf(hub.gateway)]);
    client = grantSession(credentialsFor(pki, "prov:440000/desk"), a.gateway, now);
  });
  after(async () => {
    client?.close();
    await Promise.all([a, hub, b, c].map((n) => n?.close()));
  });

  it("a revocation at A reaches B through the hub, each gateway passes it on once, and the flood stops", async () => {
    const signed = grant(1);
    const { id } = await a.gateway.registry.register(signed, now());
    await b.gateway.registry.register(signed, now());
    const revocation = revocationOf(id);

    const started = Date.now();
    const reply = await client.call(GrantServiceService.revokeGrant.path, revokeRequest("prov:510000", revocation));
    assert.equal(
      GrantServiceService.revokeGrant.responseDeserialize(reply.body).record?.status,
      GrantStatus.GRANT_STATUS_REVOKED,
    );
    assert.ok(Date.now() - started < 1500, "A answered without waiting for its peers");

    await until("B has revoked the grant", async () => {
      return (await b.gateway.registry.get(id, now()))?.status === GrantStatus.GRANT_STATUS_REVOKED;
    });
    assert.deepEqual(
      (await b.gateway.registry.get(id, now()))?.revocation?.signature,
      revocation.signature,
      "B stored the same signed revocation",
    );
    await until("C has recorded it", async () => (await c.gateway.store.revocationsFor(id)).length === 1);
    // Let any echo arrive before counting.
    await a.outbox()?.flush();
    await hub.outbox()?.flush();
    await b.outbox()?.flush();
    await c.outbox()?.flush();

    // The hub holds no grant: it answered NOT_FOUND, but recorded the revocation and passed it on.
    assert.equal(await hub.gateway.store.getGrant(id), undefined);
    assert.equal((await hub.gateway.store.revocationsFor(id)).length, 1);
    assert.deepEqual(servedRevokes(hub.gateway), [`${GrantServiceService.revokeGrant.path} grant-service/not-found`]);
    // Once each, never back to the sender: B and C got it from the hub, A only from its client.
    assert.deepEqual(servedRevokes(b.gateway), [`${GrantServiceService.revokeGrant.path} OK`]);
    assert.equal(servedRevokes(c.gateway).length, 1);
    assert.deepEqual(servedRevokes(a.gateway), [`${GrantServiceService.revokeGrant.path} OK`]);

    // The dead peer stays in A's outbox, one try done, for later.
    assert.deepEqual(await leftOver(a.gateway.store), [["prov:650000", id, 1, "pending"]]);
    assert.ok(
      a.log.some(
        (l) => l.level === "warn" && l.facts.destination === "prov:650000" && l.facts.reason === "UNAVAILABLE",
      ),
    );
    // Nothing is left anywhere else.
    for (const n of [hub, b, c]) {
      assert.deepEqual(await leftOver(n.gateway.store), []);
    }

    // A registration of the grant after its revocation is refused, where the grant never was.
    await assert.rejects(c.gateway.registry.register(signed, now()), (e) => isGrantServiceError(e, "revoked"));
    assert.equal(await c.gateway.store.getGrant(id), undefined);
  });

  it("the same revocation sent again is not passed on again; a forged one is refused and not recorded", async () => {
    const signed = grant(2);
    const { id } = await b.gateway.registry.register(signed, now());
    const revocation = revocationOf(id);
    const hubClient = grantSession(credentialsFor(pki, "prov:440000/desk"), hub.gateway, now);
    try {
      for (let i = 0; i < 2; i++) {
        await assert.rejects(
          hubClient.call(GrantServiceService.revokeGrant.path, revokeRequest("mot", revocation)),
          (e) => isWireError(e) && e.code === Status.NOT_FOUND,
        );
      }
      await until("B has revoked it", async () => (await b.gateway.store.getGrant(id))?.status === "revoked");
      await hub.outbox()?.flush();
      assert.equal(
        servedRevokes(b.gateway).length,
        2,
        "B got the second grant's revocation once (and the first test's once)",
      );

      // Signed by the holder of grant 3, but the bytes were altered: the signature does not verify.
      const other = (await a.gateway.registry.register(grant(3), now())).id;
      const forged = { ...revocationOf(other), reason: RevocationReason.REVOCATION_REASON_WITHDRAWN + 1 };
      await assert.rejects(
        hubClient.call(GrantServiceService.revokeGrant.path, revokeRequest("mot", forged)),
        (e) => isWireError(e) && e.code === Status.PERMISSION_DENIED,
      );
      assert.deepEqual(await hub.gateway.store.revocationsFor(other), []);
      assert.equal((await a.gateway.store.getGrant(other))?.status, "active");
    } finally {
      hubClient.close();
    }
  });

  it("a peer that refuses (its ACL) is not retried", async () => {
    const signed = grant(4);
    const { id } = await b.gateway.registry.register(signed, now());
    const dir = await mkdtemp(join(tmpdir(), "hutong-outbox-"));
    const store = await openStore({ kind: "sqlite", path: join(dir, "s.db"), thread: "main" }, { hash: "sm3" });
    const lines: LogLine[] = [];
    const stranger = credentialsFor(pki, "prov:620000", "gateway");
    const bytes = SignedRevocation.encode(revocationOf(id)).finish();
    const recorded = { grantId: id, digest: sm3(bytes), revocationBytes: bytes, purpose: holderBody().purpose };
    await store.recordRevocation(recorded, revocationMessages(recorded, ["prov:440000"]), now());
    const p = revocationOutbox({
      store,
      peers: [peerOf(b.gateway)],
      connect: createPeerSessionFactory({ self: stranger, crls: () => pki.crls, now }),
      logger: memoryLogger(lines),
      policy: { retryBaseMs: 5 },
    });
    try {
      const result = await p.flush();
      assert.deepEqual(
        result.map((d) => `${d.destination} ${d.outcome}/${d.attempts}`),
        ["prov:440000 dead/1"],
      );
      assert.match(String(lines.find((l) => l.level === "warn")?.facts.reason), /^rejected: PERMISSION_DENIED/);
      assert.deepEqual(
        await leftOver(store),
        [["prov:440000", id, 1, "dead"]],
        "a dead letter for the operator, not retried",
      );
      assert.deepEqual(await p.flush(), [], "nothing more is tried");
      assert.equal((await b.gateway.registry.get(id, now()))?.status, GrantStatus.GRANT_STATUS_ACTIVE);
    } finally {
      await p.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the revocation outbox survives a restart", () => {
  it("a notice for a peer that was down is sent by the next process, from the same store file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hutong-outbox-"));
    const path = join(dir, "hutong.db");
    const peer = await startGrantGateway({ pki, party: "prov:440000", now });
    try {
      const signed = grant(5);
      const { id } = await peer.registry.register(signed, now());
      const self = credentialsFor(pki, "prov:510000", "gateway");

      // First run: the peer's address is wrong (it is "down"); the notice stays in the outbox.
      let store = await openStore({ kind: "sqlite", path, thread: "worker" }, { hash: "sm3" });
      const registry = createGrantRegistry({
        store,
        crls: () => pki.crls,
        trust: pki.trust,
        revocationPeers: () => ["prov:440000"],
      });
      await registry.register(signed, now());
      const outcome = await registry.revoke(revocationOf(id), now());
      assert.deepEqual([outcome.held, outcome.revoked, outcome.fresh], [true, true, true]);
      let p = revocationOutbox({
        store,
        peers: [{ party: "prov:440000", address: "127.0.0.1:1" }],
        connect: createPeerSessionFactory({ self, crls: () => pki.crls, now }),
        logger: memoryLogger([]),
        policy: { retryBaseMs: 60_000 },
      });
      const first = await p.flush();
      assert.deepEqual(
        first.map((d) => `${d.outcome}/${d.attempts}`),
        ["retry/1"],
      );
      assert.deepEqual(await leftOver(store), [["prov:440000", id, 1, "pending"]]);
      await p.close();
      await store.close();

      // Restart: a new process opens the same file, after the retry time; the peer is reachable now.
      store = await openStore({ kind: "sqlite", path, thread: "worker" }, { hash: "sm3" });
      p = revocationOutbox({
        store,
        peers: [peerOf(peer)],
        connect: createPeerSessionFactory({ self, crls: () => pki.crls, now }),
        logger: memoryLogger([]),
        now: () => now() + 120_000,
      });
      try {
        await until("the peer has revoked the grant", async () => {
          return (await peer.registry.get(id, now()))?.status === GrantStatus.GRANT_STATUS_REVOKED;
        });
        await p.flush();
        assert.deepEqual(await leftOver(store), [], "delivered, removed");
      } finally {
        await p.close();
        await store.close();
      }
    } finally {
      await peer.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a recorded revocation whose signer may not revoke the grant does not stop its registration", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hutong-outbox-"));
    const store = await openStore({ kind: "sqlite", path: join(dir, "s.db"), thread: "main" }, { hash: "sm3" });
    try {
      const registry = createGrantRegistry({ store, crls: () => pki.crls, trust: pki.trust });
      const signed = grant(6);
      const id = grantIdFor(signed.body);
      const stranger = pki.party("prov:620000/x");
      const wrong = signRevocation(
        { grantId: id, revokedAt: new Date(now() - 1000), reason: RevocationReason.REVOCATION_REASON_WITHDRAWN },
        stranger.key,
        pki.chain(stranger),
      );
      const bytes = SignedRevocation.encode(wrong).finish();
      await store.recordRevocation({ grantId: id, digest: sm3(bytes), revocationBytes: bytes, purpose: 0 }, [], now());
      assert.deepEqual(await registry.register(signed, now()), { id, created: true });
      assert.equal((await store.getGrant(id))?.status, "active");
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
