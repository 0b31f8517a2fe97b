import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  GrantServiceService,
  GrantStatus,
  RevocationReason,
  RevokeGrantRequest,
  type SignedGrant,
} from "@hutong/proto";
import type { SessionClient } from "../client/session-client.js";
import { credentialsFor, type GrantGateway, grantSession, startGrantGateway } from "../server/testing-grant-server.js";
import { Status } from "../wire/grpc-status.js";
import { signRevocation } from "./grant-revocation.js";
import { signGrant } from "./grant-signature.js";
import {
  createPeerSessionFactory,
  createRevocationPropagator,
  type PeerDelivery,
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

/** A gateway whose onRevoked hands the revocation to its own propagator, as the lead wires it. */
interface Node {
  readonly gateway: GrantGateway;
  readonly deliveries: Promise<readonly PeerDelivery[]>[];
  readonly log: LogLine[];
  /** Creates the propagator once every gateway listens (a peer list needs their addresses). */
  propagateTo(peers: readonly RevocationPeer[]): void;
  close(): Promise<void>;
}

async function startNode(party: string): Promise<Node> {
  const deliveries: Promise<readonly PeerDelivery[]>[] = [];
  const log: LogLine[] = [];
  let propagator: RevocationPropagator | undefined;
  const gateway = await startGrantGateway({
    pki,
    party,
    now,
    acl: (caller) => caller !== "prov:620000", // this caller is refused by every gateway's ACL
    onRevoked: (revocation, _id, body) => {
      if (propagator !== undefined) deliveries.push(propagator.propagate(revocation, body.purpose));
    },
  });
  return {
    gateway,
    deliveries,
    log,
    propagateTo(peers) {
      propagator = createRevocationPropagator({
        peers,
        connect: createPeerSessionFactory({ self: gateway.credentials, crls: () => pki.crls, now }),
        logger: memoryLogger(log),
        attempts: 3,
        backoffMs: 5,
        callTimeoutMs: 2000,
      });
    },
    async close() {
      propagator?.close();
      await gateway.close();
    },
  };
}

const peerOf = (g: GrantGateway): RevocationPeer => ({ party: g.party, address: g.address });
const outcomes = (ds: readonly PeerDelivery[]) =>
  Object.fromEntries(ds.map((d) => [d.peer, `${d.outcome}/${d.attempts}`]));

describe("revocation propagation between real gateways", () => {
  let a: Node;
  let b: Node;
  let c: Node; // runs, but never saw the grant
  let client: SessionClient;
  const deadPeer: RevocationPeer = { party: "prov:650000", address: "127.0.0.1:1" };

  before(async () => {
    [a, b, c] = await Promise.all([startNode("prov:510000"), startNode("prov:440000"), startNode("prov:320000")]);
    a.propagateTo([peerOf(b.gateway), peerOf(c.gateway), deadPeer]);
    b.propagateTo([peerOf(a.gateway)]);
    client = grantSession(credentialsFor(pki, "prov:440000/desk"), a.gateway, now);
  });
  after(async () => {
    client?.close();
    await Promise.all([a, b, c].map((n) => n?.close()));
  });

  it("a revocation at A reaches B, B's echo stops at A, and a dead peer does not fail A's RevokeGrant", async () => {
    const signed = grant(1);
    const { id } = await a.gateway.registry.register(signed, now());
    await b.gateway.registry.register(signed, now());
    const revocation = revocationOf(id);

    const started = Date.now();
    const reply = await client.call(
      GrantServiceService.revokeGrant.path,
      Buffer.from(
        RevokeGrantRequest.encode({
          context: { targetParty: "prov:510000", purpose: holderBody().purpose, grantId: "", correlationId: "x" },
          grantId: id,
          revocation,
        }).finish(),
      ),
    );
    assert.equal(
      GrantServiceService.revokeGrant.responseDeserialize(reply.body).record?.status,
      GrantStatus.GRANT_STATUS_REVOKED,
    );
    assert.ok(Date.now() - started < 1500, "A answered without waiting for its peers");

    assert.equal(a.deliveries.length, 1);
    const fromA = await a.deliveries[0];
    assert.deepEqual(outcomes(fromA ?? []), {
      "prov:440000": "delivered/1",
      "prov:320000": "unknown-at-peer/1",
      "prov:650000": "gave-up/3",
    });
    const atB = await b.gateway.registry.present(id, now());
    assert.equal(atB.outcome === "verified" && atB.state.status, GrantStatus.GRANT_STATUS_REVOKED);
    assert.deepEqual(
      (await b.gateway.registry.get(id, now()))?.revocation?.signature,
      revocation.signature,
      "the peer stored the same signed revocation",
    );
    assert.equal(await c.gateway.store.getGrant(id), undefined, "a peer that never held the grant stores nothing");

    // B's status changed, so B forwarded it back to A once; A's did not change again, so it stops.
    assert.equal(b.deliveries.length, 1);
    assert.deepEqual(outcomes((await b.deliveries[0]) ?? []), { "prov:510000": "delivered/1" });
    assert.equal(a.deliveries.length, 1);
    const revokesAtA = a.gateway.served.filter((s) => s.startsWith(GrantServiceService.revokeGrant.path));
    assert.equal(revokesAtA.length, 2, revokesAtA.join("; "));

    const gaveUp = a.log.filter((l) => l.level === "warn");
    assert.equal(gaveUp.length, 1);
    assert.deepEqual(
      [gaveUp[0]?.facts.peer, gaveUp[0]?.facts.grantId, gaveUp[0]?.facts.status],
      ["prov:650000", id, "UNAVAILABLE"],
    );
  });

  it("a peer that refuses (its ACL) is not retried; propagate never rejects", async () => {
    const signed = grant(2);
    const { id } = await b.gateway.registry.register(signed, now());
    const lines: LogLine[] = [];
    const stranger = credentialsFor(pki, "prov:620000", "gateway");
    const p = createRevocationPropagator({
      peers: [peerOf(b.gateway)],
      connect: createPeerSessionFactory({ self: stranger, crls: () => pki.crls, now }),
      logger: memoryLogger(lines),
      attempts: 3,
      backoffMs: 5,
    });
    try {
      const result = await p.propagate(revocationOf(id), holderBody().purpose);
      assert.deepEqual(outcomes(result), { "prov:440000": "refused/1" });
      assert.match(String(lines.find((l) => l.level === "warn")?.facts.status), /PERMISSION_DENIED/);
      assert.equal((await b.gateway.registry.get(id, now()))?.status, GrantStatus.GRANT_STATUS_ACTIVE);
    } finally {
      p.close();
    }
  });

  it("close() cancels retries in progress", async () => {
    const p = createRevocationPropagator({
      peers: [deadPeer],
      connect: createPeerSessionFactory({ self: a.gateway.credentials, crls: () => pki.crls, now }),
      logger: memoryLogger([]),
      attempts: 10,
      backoffMs: 60_000,
    });
    const pending = p.propagate(revocationOf("g1-00000000000000000000000000000000"), holderBody().purpose);
    await new Promise((r) => setTimeout(r, 50));
    p.close();
    const [d] = await pending;
    assert.equal(d?.outcome, "cancelled");
    assert.equal(d?.attempts, 1);
  });

  it("the request a peer receives is a RevokeGrant for that peer with the same signed revocation", async () => {
    const seen: Buffer[] = [];
    const fake: SessionClient = {
      async call(path, body) {
        assert.equal(path, GrantServiceService.revokeGrant.path);
        seen.push(body);
        throw Object.assign(new Error("down"), { code: Status.UNAVAILABLE });
      },
      async connect() {},
      reset() {},
      close() {},
    };
    const p = createRevocationPropagator({
      peers: [
        { party: "mot", address: "unused:1" },
        { party: "mot", address: "unused:1" },
      ],
      connect: () => fake,
      logger: memoryLogger([]),
      attempts: 2,
      backoffMs: 1,
    });
    const r = revocationOf("g1-11111111111111111111111111111111");
    const [d, ...rest] = await p.propagate(r, holderBody().purpose);
    p.close();
    assert.deepEqual(rest, [], "peers are deduplicated by party");
    assert.equal(d?.outcome, "gave-up");
    assert.equal(seen.length, 2);
    const req = RevokeGrantRequest.decode(seen[0] ?? Buffer.alloc(0));
    assert.equal(req.context?.targetParty, "mot");
    assert.equal(req.context?.purpose, holderBody().purpose);
    assert.equal(req.grantId, r.grantId);
    assert.deepEqual(req.revocation, r);
  });
});
