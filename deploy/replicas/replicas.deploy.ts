// `npm run test:deploy`: the deployment run for real. HAProxy with TLS in front of two gateway
// replicas (processes) sharing PostgreSQL; the replay window and the ticket keys across them; a
// replica SIGKILLed under load; Prometheus scraping both; one trace across the proxy and two
// gateways at an OTLP receiver. Needs haproxy, prometheus and openssl (.ci/run installs them) and
// PostgreSQL (HUTONG_TEST_POSTGRES_URL).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { SessionClient, UnaryTransport } from "@hutong/client";
import { openStore, verifyStoredLog } from "@hutong/gateway";
import { sampleTickets } from "@hutong/gateway/dev";
import { Purpose, TicketServiceService, VerifyTicketRequest } from "@hutong/proto";
import { freePort } from "@hutong/service-kit/dev";
import { isWireError, Status } from "@hutong/wire";
import { missingTool } from "../checks/deploy-tools.js";
import { waitForStates } from "./haproxy-process.js";
import { startPrometheus } from "./prometheus-process.js";
import { parties, type ReplicaDeployment, startReplicaDeployment } from "./replica-deployment.js";

const postgresUrl = process.env.HUTONG_TEST_POSTGRES_URL;
const skip =
  missingTool("haproxy") ??
  missingTool("prometheus") ??
  missingTool("openssl") ??
  (postgresUrl === undefined || postgresUrl === "" ? "HUTONG_TEST_POSTGRES_URL is not set" : undefined);

const verifyPath = TicketServiceService.verifyTicket.path;
const verifyRequest = (target: string, correlationId: string) => {
  const ticket = sampleTickets(target.slice("prov:".length))[0];
  return Buffer.from(
    VerifyTicketRequest.encode({
      context: { targetParty: target, purpose: Purpose.PURPOSE_BOARDING_CHECK, grantId: "", correlationId },
      ticketNo: ticket?.ticketNo ?? "",
      holderIdType: 0,
      holderIdNo: ticket?.passenger?.idNo ?? "",
      holderName: "",
      scheduleNo: "K1021",
    }).finish(),
  );
};

interface Sent {
  body: Buffer;
  metadata: Record<string, string>;
}
/** Keeps every call as it went on the wire: what a party on the link could capture. */
function capturing(t: UnaryTransport, sent: Sent[]): UnaryTransport {
  return {
    unary(path, body, metadata, options) {
      if (path === verifyPath) sent.push({ body, metadata: { ...metadata } });
      return t.unary(path, body, metadata, options);
    },
    close: () => t.close(),
  };
}

/** One counter's total from a replica's own /metrics (Prometheus text), summed over its series. */
async function scrapeTotal(metricsAddress: string, name: string, labelFilter = ""): Promise<number> {
  const text = await (await fetch(`http://${metricsAddress}/metrics`)).text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) {
      if (labelFilter !== "" && !line.includes(labelFilter)) continue;
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return total;
}
const handshakesMetric = "hutong_gateway_handshakes_total";
const requestsMetric = "hutong_gateway_requests_total";

describe("deployment: two replicas behind HAProxy, sharing PostgreSQL", { skip }, () => {
  let d: ReplicaDeployment;
  before(async () => {
    d = await startReplicaDeployment(postgresUrl ?? "");
  });
  after(async () => {
    await d?.close();
  });

  const only = async (replica: "replica1" | "replica2") => {
    const other = replica === "replica1" ? "replica2" : "replica1";
    await d.proxy.admin(`enable server hutong_gateways/${replica}`);
    await d.proxy.admin(`disable server hutong_gateways/${other}`);
    await waitForStates(d.proxy, { [replica]: "UP", [other]: "MAINT" });
  };
  const both = async () => {
    await d.proxy.admin("enable server hutong_gateways/replica1");
    await d.proxy.admin("enable server hutong_gateways/replica2");
    await waitForStates(d.proxy, { replica1: "UP", replica2: "UP" });
  };

  it("a session made on one replica is used on the other; a replay sent to the other replica is refused", async () => {
    const [m1, m2] = d.metrics;
    const before1 = await scrapeTotal(m1, handshakesMetric);
    const before2 = await scrapeTotal(m2, handshakesMetric);
    const calls2 = await scrapeTotal(m2, requestsMetric, "VerifyTicket");
    const sent: Sent[] = [];
    const t = capturing(d.proxyTransport(), sent);
    const s = await d.session(t);
    try {
      await only("replica1");
      await s.call(verifyPath, verifyRequest(parties.province, "replicas-1"));
      await only("replica2");
      for (let i = 0; i < 3; i++) await s.call(verifyPath, verifyRequest(parties.province, `replicas-${i + 2}`));
      assert.ok((await scrapeTotal(m1, handshakesMetric)) > before1, "the handshake was made on replica 1");
      assert.equal(await scrapeTotal(m2, handshakesMetric), before2, "replica 2 made no handshake");
      assert.equal((await scrapeTotal(m2, requestsMetric, "VerifyTicket")) - calls2, 3, "replica 2 served the calls");
      // The first call went to replica 1; captured and sent again through the proxy, it reaches 2.
      const first = sent[0];
      assert.ok(first);
      await assert.rejects(t.unary(verifyPath, first.body, first.metadata), (e: unknown) => {
        assert.ok(isWireError(e), String(e));
        assert.equal(e.code, Status.UNAUTHENTICATED, e.message);
        assert.match(e.message, /replay/);
        return true;
      });
      // Run once, by the replica that got it first: the replay reached no system behind the gateways.
      const runs = d.backends.province.seen.filter((c) => c.metadata["hutong-correlation-id"] === "replicas-1");
      assert.equal(runs.length, 1);
    } finally {
      s.close();
      await both();
    }
  });

  it("ticket keys rotate across replicas, by rewriting their config files, without a failed call", async () => {
    const sessions: SessionClient[] = [];
    for (let i = 0; i < 4; i++) sessions.push(await d.session());
    let ok = 0;
    const failures: string[] = [];
    let running = true;
    const load = Promise.all(
      sessions.map(async (s, k) => {
        for (let n = 0; running; n++) {
          try {
            await s.call(verifyPath, verifyRequest(parties.province, `rotate-${k}-${n}`));
            ok++;
          } catch (e) {
            failures.push(String(e));
          }
        }
      }),
    );
    const [k1, k2] = d.ticketKeyFiles;
    const step = async (keys: Record<string, unknown>) => {
      for (const [i, r] of d.replicas.entries()) await r.rewrite(d.replicaConfig(i as 0 | 1, keys));
      await new Promise((r) => setTimeout(r, 300));
    };
    try {
      await new Promise((r) => setTimeout(r, 300));
      await step({ current: { id: 1, secretFile: k1 }, next: { id: 2, secretFile: k2 } });
      // New sessions on either replica now get tickets under key 2, old ones keep key 1's.
      await step({ current: { id: 2, secretFile: k2 }, previous: { id: 1, secretFile: k1 } });
      const fresh = await d.session();
      sessions.push(fresh);
      await fresh.call(verifyPath, verifyRequest(parties.province, "rotate-fresh"));
      await step({ current: { id: 2, secretFile: k2 } });
    } finally {
      running = false;
      await load;
      for (const s of sessions) s.close();
    }
    assert.deepEqual(failures, []);
    assert.ok(ok > 20, `${ok} calls during the rotation`);
    // The sessions under key 1 handshook again by themselves once it was dropped: more handshakes.
  });

  it("one replica SIGKILLed under load loses no acknowledged share and no audit entry", async () => {
    const run = randomBytes(3).toString("hex");
    const acknowledged = new Set<string>();
    let failed = 0;
    let running = true;
    // Guangdong's system verifies Sichuan's tickets: a cross-region share, relayed by Guangdong's
    // gateway through the proxy to whichever replica, audited there before the answer leaves.
    const clients = await Promise.all(Array.from({ length: 6 }, () => d.peerSystemClient()));
    const load = Promise.all(
      clients.map(async (c, k) => {
        for (let n = 0; running; n++) {
          const id = `kill-${run}-${k}-${n}`;
          try {
            const r = await c.unary(
              TicketServiceService.verifyTicket,
              VerifyTicketRequest.decode(verifyRequest(parties.province, id)),
              { deadline: Date.now() + 5000 },
            );
            if (r.valid) acknowledged.add(id);
            else failed++;
          } catch {
            failed++;
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      }),
    );
    const [first] = d.replicas;
    let beforeKill = 0;
    let afterKill = 0;
    try {
      await new Promise((r) => setTimeout(r, 2000));
      beforeKill = acknowledged.size;
      first.current().kill("SIGKILL");
      await first.current().exited;
      await new Promise((r) => setTimeout(r, 3000));
      afterKill = acknowledged.size - beforeKill;
      await first.restart();
      await waitForStates(d.proxy, { replica1: "UP", replica2: "UP" });
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      running = false;
      await load;
    }
    assert.ok(beforeKill > 20, `${beforeKill} shares before the kill`);
    assert.ok(afterKill > 20, `${afterKill} shares acknowledged while replica 1 was down: replica 2 carried them`);
    const audited = new Set(
      (
        await d.sql<{ correlation_id: string }>("SELECT correlation_id FROM audit_entry WHERE correlation_id LIKE $1", [
          `kill-${run}-%`,
        ])
      ).map((r) => r.correlation_id),
    );
    const lost = [...acknowledged].filter((id) => !audited.has(id));
    assert.deepEqual(lost, [], "every acknowledged share has its audit entry");
    const unacknowledged = [...audited].filter((id) => !acknowledged.has(id)).length;
    assert.ok(unacknowledged <= failed, `${unacknowledged} audited but not acknowledged, ${failed} failed calls`);
    // The log the replicas share, with the SIGKILLed writer's last batch, still verifies.
    const store = await openStore(
      { kind: "postgres", url: postgresUrl ?? "", schema: d.schema, maxConnections: 2 },
      { hash: "sm3" },
    );
    try {
      const head = await store.head();
      const verdict = await verifyStoredLog(store, head);
      assert.equal(verdict.ok, true, JSON.stringify(verdict.problem));
      assert.equal(verdict.checked, head.size);
    } finally {
      await store.close();
    }
    console.log(
      JSON.stringify({
        acknowledged: acknowledged.size,
        failed,
        lost: lost.length,
        audited_unacknowledged: unacknowledged,
      }),
    );
  });

  it("Prometheus scrapes both replicas and the proxy", async () => {
    const prometheus = await startPrometheus(d.dir, `127.0.0.1:${await freePort()}`, {
      "hutong-gateway": d.metrics,
      haproxy: [d.proxyMetrics],
    });
    try {
      const s = await d.session();
      for (let i = 0; i < 6; i++) await s.call(verifyPath, verifyRequest(parties.province, `scrape-${i}`));
      s.close();
      const deadline = Date.now() + 20_000;
      for (;;) {
        const up = await prometheus.query('up{job="hutong-gateway"} == 1');
        const served = await prometheus.query(`sum by (instance) (${requestsMetric})`);
        const proxy = await prometheus.query('haproxy_backend_active_servers{proxy="hutong_gateways"}');
        if (up.length === 2 && served.length === 2 && proxy[0]?.value === 2) break;
        if (Date.now() > deadline) {
          assert.fail(`up ${JSON.stringify(up)}, served ${JSON.stringify(served)}, proxy ${JSON.stringify(proxy)}`);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      await prometheus.stop();
    }
  });

  it("a call through the proxy and two gateways arrives at the OTLP receiver as one trace", async () => {
    const traceId = randomBytes(16).toString("hex");
    const s = await d.session();
    try {
      await s.call(verifyPath, verifyRequest(parties.peer, "trace-1"), {
        metadata: { traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` },
      });
    } finally {
      s.close();
    }
    // The exporters batch (5 s by default): wait for both gateways' spans.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const spans = d.otlp.spans().filter((sp) => sp.traceId === traceId);
      const gateways = new Set(spans.map((sp) => sp.party));
      if (gateways.has(parties.province) && gateways.has(parties.peer)) {
        const ids = new Set(spans.map((sp) => sp.spanId));
        const peerServer = spans.find((sp) => sp.party === parties.peer && ids.has(sp.parentSpanId));
        assert.ok(peerServer, `the peer's span is a child of a span of the replica: ${JSON.stringify(spans)}`);
        // Spans carry no personal data: no ID number, name or phone in any attribute.
        const ticket = sampleTickets("440000")[0];
        const text = JSON.stringify(spans);
        if (ticket?.passenger?.idNo) assert.ok(!text.includes(ticket.passenger.idNo));
        break;
      }
      if (Date.now() > deadline) assert.fail(`spans of the trace: ${JSON.stringify(spans)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  });
});
