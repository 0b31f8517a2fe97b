import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import {
  createCrlFileSource,
  createGrpcJsTransport,
  createHutongClient,
  createSessionClient,
  type HutongClient,
  loadCredentialFiles,
  type SessionClient,
  type UnaryTransport,
} from "@hutong/client";
import { parseGatewayConfig, type RunningGateway, startGateway } from "@hutong/gateway";
import { type DevPki, openDevPki, type SimulatedBackend, startSimulatedBackend } from "@hutong/gateway/dev";
import { freePort } from "@hutong/service-kit/dev";
import pg from "pg";
import { type GatewayProcess, startGatewayProcess } from "./gateway-process.js";
import { type RunningHaproxy, startHaproxy, waitForStates } from "./haproxy-process.js";
import { type OtlpReceiver, startOtlpReceiver } from "./otlp-receiver.js";
import { makeProxyCertificate, type ProxyCertificate } from "./proxy-certificate.js";

export const parties = {
  /** The province whose gateway runs as two replicas behind the proxy. */
  province: "prov:510000",
  /** Its e-ticket system: the caller. */
  system: "prov:510000/ticketing",
  /** Another province's gateway: its systems' shares of Sichuan's records reach the replicas through the proxy. */
  peer: "prov:440000",
  /** Guangdong's e-ticket system: the caller of cross-region shares. */
  peerSystem: "prov:440000/ticketing",
} as const;

export interface ReplicaDeployment {
  readonly dir: string;
  readonly pki: DevPki;
  readonly schema: string;
  readonly replicas: readonly [GatewayProcess, GatewayProcess];
  /** The replicas' metrics endpoints (host:port), in replica order. */
  readonly metrics: readonly [string, string];
  readonly proxy: RunningHaproxy;
  readonly proxyAddress: string;
  readonly proxyMetrics: string;
  readonly certificate: ProxyCertificate;
  readonly peer: RunningGateway;
  readonly backends: { readonly province: SimulatedBackend; readonly peer: SimulatedBackend };
  readonly otlp: OtlpReceiver;
  readonly ticketKeyFiles: readonly [string, string];
  /** A replica's config with these ticket keys (the rotation rewrites it). */
  replicaConfig(index: 0 | 1, ticketKeys: Record<string, unknown>): Record<string, unknown>;
  /** A TLS transport to the proxy, as a system outside would have. */
  proxyTransport(): UnaryTransport;
  /** A session of the province's system over `transport` (default: through the proxy). */
  session(transport?: UnaryTransport): Promise<SessionClient>;
  /** A client of Guangdong's system at Guangdong's gateway, which relays to Sichuan through the proxy. */
  peerSystemClient(): Promise<HutongClient>;
  /** SQL on the replicas' shared store. */
  sql<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

const postgresUrlEnv = "HUTONG_DEPLOY_POSTGRES_URL";

/**
 * The deployment under test, as an operator would run it on one host: two replicas of Sichuan's
 * gateway (`hutong start`, one process each) sharing a PostgreSQL schema (audit log, grants,
 * outbox, the shared replay window) and a ticket key, behind HAProxy terminating TLS with the
 * committed deploy/haproxy/haproxy.cfg; Sichuan's systems simulated; Guangdong's gateway one hop
 * away; every gateway exporting traces to an OTLP receiver.
 */
export async function startReplicaDeployment(postgresUrl: string): Promise<ReplicaDeployment> {
  const dir = await mkdtemp(join(tmpdir(), "hutong-deploy-"));
  const schema = `deploy_${randomBytes(6).toString("hex")}`;
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => {});
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const pki = await openDevPki(join(dir, "pki"), [
      { id: parties.province, role: "gateway" },
      { id: parties.peer, role: "gateway" },
      { id: parties.system, role: "system" },
      { id: parties.peerSystem, role: "system" },
    ]);
    const otlp = await startOtlpReceiver();
    closers.push(() => otlp.close());
    const backends = {
      province: await startSimulatedBackend("510000"),
      peer: await startSimulatedBackend("440000"),
    };
    closers.push(
      () => backends.province.close(),
      () => backends.peer.close(),
    );
    const subjectKeyFile = await pki.subjectKeyFile();
    const common = (party: string) => ({
      party,
      role: "province",
      identity: pki.party(party),
      trust: { anchors: [pki.rootCert], crls: pki.crls, crlRefreshSeconds: 60 },
      grants: { subjectKeyFile, holderAnchors: [pki.holderCaCert] },
    });

    // Guangdong, in this process: it answers for its own tickets, believes Sichuan's gateway about
    // the calling system, and (once the proxy listens) reaches Sichuan through it, over TLS.
    const peerKey = await pki.ticketKeyFile("peer");
    const peerConfig = (proxy?: { address: string; certificate: ProxyCertificate }) =>
      parseGatewayConfig(
        {
          ...common(parties.peer),
          listen: { host: "127.0.0.1", port: 0 },
          dataDir: join(dir, "peer"),
          session: { ticketKeys: { current: { id: 1, secretFile: peerKey } } },
          routes: [
            { match: parties.peer, local: backends.peer.address, timeoutMs: 5000 },
            ...(proxy === undefined
              ? []
              : [
                  {
                    match: parties.province,
                    peer: {
                      address: proxy.address,
                      party: parties.province,
                      tls: { caFile: proxy.certificate.certPath, serverName: proxy.certificate.serverName },
                    },
                    timeoutMs: 5000,
                  },
                ]),
          ],
          acl: [
            { callers: [`${parties.peer}/*`], methods: ["hutong.v1.TicketService/*"] },
            {
              callers: ["prov:*"],
              methods: ["hutong.v1.TicketService/VerifyTicket"],
              purposes: ["BOARDING_CHECK"],
              targets: [parties.peer],
            },
          ],
          relays: [{ peer: parties.province, origins: [`${parties.province}/*`] }],
          observability: { logLevel: "silent", otlp: { endpoint: otlp.endpoint } },
        },
        dir,
      );
    const peer = await startGateway({ config: await peerConfig() });
    closers.push(() => peer.close());

    const ticketKeyFiles = [join(dir, "ticket-key-1.hex"), join(dir, "ticket-key-2.hex")] as const;
    for (const f of ticketKeyFiles) await writeFile(f, randomBytes(32).toString("hex"), { mode: 0o600 });
    const ports = [await freePort(), await freePort()] as const;
    const metrics = [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`] as const;
    const replicaConfig = (index: 0 | 1, ticketKeys: Record<string, unknown>) => ({
      ...common(parties.province),
      listen: { host: "127.0.0.1", port: ports[index] },
      dataDir: join(dir, `replica-${index + 1}`),
      session: {
        ticketKeys,
        replayWindow: "shared",
        // Behind the proxy every client has the proxy's address (docs/session-protocol.md §8).
        handshake: { perAddress: null, perParty: { perSecond: 200, burst: 400 } },
      },
      store: { kind: "postgres", urlEnv: postgresUrlEnv, schema, maxConnections: 8 },
      routes: [
        { match: parties.province, local: backends.province.address, timeoutMs: 5000 },
        {
          match: parties.peer,
          peer: { address: `127.0.0.1:${peer.address.port}`, party: parties.peer },
          timeoutMs: 5000,
        },
      ],
      acl: [
        { callers: [`${parties.province}/*`], methods: ["hutong.v1.TicketService/*"] },
        // Other provinces' systems, relayed by their gateway, may verify Sichuan's tickets: a share.
        {
          callers: [`${parties.peer}/*`],
          methods: ["hutong.v1.TicketService/VerifyTicket"],
          purposes: ["BOARDING_CHECK"],
          targets: [parties.province],
        },
      ],
      relays: [{ peer: parties.peer, origins: [`${parties.peer}/*`] }],
      audit: { checkpointIntervalMs: 1000 },
      observability: {
        logLevel: "info",
        prometheus: { host: "127.0.0.1", port: Number(metrics[index].split(":")[1]) },
        otlp: { endpoint: otlp.endpoint },
      },
    });
    const keys = { current: { id: 1, secretFile: ticketKeyFiles[0] } };
    const env = { [postgresUrlEnv]: postgresUrl };
    // One after the other: the first creates the schema.
    const first = await startGatewayProcess("replica-1", dir, replicaConfig(0, keys), env);
    closers.push(() => first.stop());
    const second = await startGatewayProcess("replica-2", dir, replicaConfig(1, keys), env);
    closers.push(() => second.stop());

    const certificate = await makeProxyCertificate(dir);
    const proxyAddress = `127.0.0.1:${await freePort()}`;
    const proxyMetrics = `127.0.0.1:${await freePort()}`;
    const proxy = await startHaproxy({
      listen: proxyAddress,
      pemPath: certificate.pemPath,
      replicas: [first.address, second.address],
      metrics: proxyMetrics,
      adminSocket: join(dir, "haproxy.sock"),
    });
    closers.push(() => proxy.stop());
    await waitForStates(proxy, { replica1: "UP", replica2: "UP" });
    await peer.reload(await peerConfig({ address: proxyAddress, certificate }));

    const creds = await loadCredentialFiles({ ...pki.party(parties.system), anchors: [pki.rootCert], crls: pki.crls });
    const crlSource = createCrlFileSource(pki.crls, { initial: creds.crls, refreshMs: 60_000 });
    closers.push(async () => crlSource.close());
    const transports: UnaryTransport[] = [];
    closers.push(async () => {
      for (const t of transports) t.close();
    });
    const proxyTransport = () => {
      const t = createGrpcJsTransport(proxyAddress, {
        credentials: grpc.credentials.createSsl(certificate.certPem),
        channelOptions: {
          "grpc.ssl_target_name_override": certificate.serverName,
          "grpc.default_authority": certificate.serverName,
        },
      });
      transports.push(t);
      return t;
    };
    const pool = new pg.Pool({ connectionString: postgresUrl, max: 2 });
    closers.push(() => pool.end());
    return {
      dir,
      pki,
      schema,
      replicas: [first, second],
      metrics,
      proxy,
      proxyAddress,
      proxyMetrics,
      certificate,
      peer,
      backends,
      otlp,
      ticketKeyFiles,
      replicaConfig,
      proxyTransport,
      async session(transport) {
        return createSessionClient({
          transport: transport ?? proxyTransport(),
          serverParty: parties.province,
          privateKey: creds.privateKey,
          chain: creds.chain,
          trust: creds.trust,
          crls: crlSource.current,
        });
      },
      async peerSystemClient() {
        const c = await loadCredentialFiles({
          ...pki.party(parties.peerSystem),
          anchors: [pki.rootCert],
          crls: pki.crls,
        });
        const client = createHutongClient({
          address: `127.0.0.1:${peer.address.port}`,
          gatewayParty: parties.peer,
          privateKey: c.privateKey,
          chain: c.chain,
          trust: c.trust,
          crls: () => c.crls,
        });
        closers.push(async () => client.close());
        return client;
      },
      async sql(text, values) {
        const client = await pool.connect();
        try {
          await client.query(`SET search_path TO "${schema}"`);
          return (await client.query(text, values)).rows;
        } finally {
          client.release();
        }
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
