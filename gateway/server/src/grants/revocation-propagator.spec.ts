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
import { openStore } from "../store/open-store.js";
import { credentialsFor, type GrantGateway, grantSession, startGrantGateway } from "../testing.js";
import { grantIdFor } from "./grant-codec.js";
import { createGrantRegistry } from "./grant-registry.js";
import { signRevocation } from "./grant-revocation.js";
import { isGrantServiceError } from "./grant-service-error.js";
import { signGrant } from "./grant-signature.js";
import {
  createPeerSessionFactory,
  createRevocationPropagator,
  type PropagationLogger,
  type RevocationPeer,
  type RevocationPropagator,
} from "./revocation-propagator.js";
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

function memoryLogger(lines: LogLine[]): PropagationLogger {
  const at = (level: string) => (facts: Record<string, unknown>, message: string) => {
    lines.push({ level, facts, message });
  };
  return { info: at("info"), warn: at("warn"), debug: at("debug") };
}

/** Polls until `check` holds (revocations travel in the background), or fails after 5 s. */
const until = (what: string, check: () => Promise<boolean>) => eventually(check, 5000, what);

/** A gateway with its outbox sender, wired as gateway.ts wires them. */
interface Node {
  readonly gateway: GrantGateway;
  readonly log: LogLine[];
  /** Starts the sender once every gateway listens (a peer list needs their addresses). */
  peerWith(peers: readonly RevocationPeer[]): void;
  readonly propagator: () => RevocationPropagator | undefined;
  close(): Promise<void>;
}

async function startNode(party: string): Promise<Node> {
  const log: LogLine[] = [];
  let propagator: RevocationPropagator | undefined;
  let peerParties: readonly string[] = [];
  const gateway = await startGrantGateway({
    pki,
    party,
    now,
    acl: (caller) => caller !== "prov:620000", // this caller is refused by every gateway's ACL
    revocationPeers: () => peerParties,
    onQueued: () => propagator?.kick(),
  });
  return {
    gateway,
    log,
    peerWith(peers) {
      peerParties = peers.map((p) => p.party);
      propagator = createRevocationPropagator({
        store: gateway.store,
        peers,
        connect: createPeerSessionFactory({ self: gateway.credentials, crls: () => pki.crls, now }),
        logger: memoryLogger(log),
        // Long enough that a dead peer is tried once in a test, not in a loop.
        backoffMs: 60_000,
        callTimeoutMs: 2000,
      });
    },
    propagator: () => propagator,
    async close() {
      await propagator?.close();
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
    await a.propagator()?.flush();
    await hub.propagator()?.flush();
    await b.propagator()?.flush();
    await c.propagator()?.flush();

    // The hub holds no grant: it answered NOT_FOUND, but recorded the revocation and passed it on.
    assert.equal(await hub.gateway.store.getGrant(id), undefined);
    assert.equal((await hub.gateway.store.revocationsFor(id)).length, 1);
    assert.deepEqual(servedRevokes(hub.gateway), [`${GrantServiceService.revokeGrant.path} grant-service/not-found`]);
    // Once each, never back to the sender: B and C got it from the hub, A only from its client.
    assert.deepEqual(servedRevokes(b.gateway), [`${GrantServiceService.revokeGrant.path} OK`]);
    assert.equal(servedRevokes(c.gateway).length, 1);
    assert.deepEqual(servedRevokes(a.gateway), [`${GrantServiceService.revokeGrant.path} OK`]);

    // The dead peer stays in A's outbox, one try done, for later.
    const left = await a.gateway.store.dueRevocationNotices(Number.MAX_SAFE_INTEGER, 10);
    assert.deepEqual(
      left.map((n) => [n.peer, n.grantId, n.attempts]),
      [["prov:650000", id, 1]],
    );
    assert.ok(
      a.log.some((l) => l.level === "warn" && l.facts.peer === "prov:650000" && l.facts.status === "UNAVAILABLE"),
    );
    // Nothing is left anywhere else.
    for (const n of [hub, b, c]) {
      assert.deepEqual(await n.gateway.store.dueRevocationNotices(Number.MAX_SAFE_INTEGER, 10), []);
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
      await hub.propagator()?.flush();
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
    await store.recordRevocation(
      { grantId: id, digest: sm3(bytes), revocationBytes: bytes, purpose: holderBody().purpose },
      ["prov:440000"],
      now(),
    );
    const p = createRevocationPropagator({
      store,
      peers: [peerOf(b.gateway)],
      connect: createPeerSessionFactory({ self: stranger, crls: () => pki.crls, now }),
      logger: memoryLogger(lines),
      backoffMs: 5,
    });
    try {
      const result = await p.flush();
      assert.deepEqual(
        result.map((d) => `${d.peer} ${d.outcome}/${d.attempts}`),
        ["prov:440000 refused/1"],
      );
      assert.match(String(lines.find((l) => l.level === "warn")?.facts.status), /PERMISSION_DENIED/);
      assert.deepEqual(await store.dueRevocationNotices(Number.MAX_SAFE_INTEGER, 10), [], "dropped, not retried");
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
      let p = createRevocationPropagator({
        store,
        peers: [{ party: "prov:440000", address: "127.0.0.1:1" }],
        connect: createPeerSessionFactory({ self, crls: () => pki.crls, now }),
        logger: memoryLogger([]),
        backoffMs: 60_000,
      });
      const first = await p.flush();
      assert.deepEqual(
        first.map((d) => `${d.outcome}/${d.attempts}`),
        ["retrying/1"],
      );
      assert.equal((await store.dueRevocationNotices(Number.MAX_SAFE_INTEGER, 10))[0]?.attempts, 1);
      await p.close();
      await store.close();

      // Restart: a new process opens the same file, after the retry time; the peer is reachable now.
      store = await openStore({ kind: "sqlite", path, thread: "worker" }, { hash: "sm3" });
      p = createRevocationPropagator({
        store,
        peers: [peerOf(peer)],
        connect: createPeerSessionFactory({ self, crls: () => pki.crls, now }),
        logger: memoryLogger([]),
        now: () => Date.now() + 120_000,
      });
      try {
        await until("the peer has revoked the grant", async () => {
          return (await peer.registry.get(id, now()))?.status === GrantStatus.GRANT_STATUS_REVOKED;
        });
        await p.flush();
        assert.deepEqual(await store.dueRevocationNotices(Number.MAX_SAFE_INTEGER, 10), [], "delivered, removed");
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
