import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type * as grpc from "@grpc/grpc-js";
import { createCrlFileSource, createHutongClient, type HutongClient, loadCredentialFiles } from "@hutong/client";
import { type GatewayConfig, parseGatewayConfig, type RunningGateway, startGateway } from "@hutong/gateway";
import { type DevPki, openDevPki } from "@hutong/gateway/dev";
import {
  createOutboxDispatcher,
  defaultTopicPolicy,
  type OutboxDispatcher,
  sqliteOutboxStore,
} from "@hutong/gateway/outbox";
import { Purpose } from "@hutong/proto";
import { createEventRouter, defaultEventRoutes } from "../emission/event-routes.js";
import { createMinistryServer } from "../ministry/ministry-service.js";
import { gatewayTopics } from "../province/gateway-topics.js";
import { createProvinceServer } from "../province/province-service.js";
import { registryReport } from "../province/registry-report.js";
import { listen, type ServiceLog } from "../service/unary-service.js";
import { type SimulatedProvince, simulatedProvince } from "../station/simulated-registry.js";
import { stationParty } from "../station/station-day.js";
import { type MinistryStore, openMinistryStore } from "../store/ministry-store.js";
import { openProvinceStore, type ProvinceStore } from "../store/province-store.js";

/**
 * The e-ticket federation on one machine: the ministry's hub gateway with its statistics service,
 * and province gateways, each with its e-ticket service, its station systems' certificates and a
 * dispatcher delivering the service's outbox through its gateway. Real gRPC servers on loopback,
 * real SQLite files, real SM2 sessions at every hop. For the tests, the benchmark and the scenario.
 */
export const ministryParty = "mot";
export const statisticsParty = "mot/statistics";
export const ticketingParty = (province: string) => `prov:${province}/ticketing`;

export interface ProvinceNode {
  readonly province: string;
  readonly party: string;
  readonly service: string;
  readonly registry: SimulatedProvince;
  gateway: RunningGateway;
  store: ProvinceStore;
  server: grpc.Server;
  serviceAddress: string;
  dispatcher: OutboxDispatcher;
}

export interface TicketFederation {
  readonly dir: string;
  readonly pki: DevPki;
  readonly hub: RunningGateway;
  readonly ministry: { store: MinistryStore; server: grpc.Server; address: string };
  readonly provinces: ReadonlyMap<string, ProvinceNode>;
  /** A client for a system, connected to its home gateway (its province's, or the hub for mot/*). */
  client(system: string): Promise<HutongClient>;
  /** Waits until every province's outbox has nothing due (deliveries settled). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface TicketFederationOptions {
  /** 6-digit codes; default Sichuan, Guangdong, Shanghai. */
  readonly provinces?: readonly string[];
  readonly stationsPerProvince?: number;
  readonly seed?: number;
  readonly log?: ServiceLog;
  /** Extra gateway config, merged over the defaults. */
  readonly tweak?: (party: string, config: Record<string, unknown>) => Record<string, unknown>;
}

const quiet: ServiceLog = { error: () => {} };
const fileName = (party: string) => party.replace(/[:/]/g, "_");

function gatewayBase(pki: DevPki, dir: string, party: string, ticketKey: string, subjectKey: string) {
  return {
    party,
    role: party === ministryParty ? "hub" : "province",
    listen: { host: "127.0.0.1", port: 0 },
    dataDir: join(dir, fileName(party)),
    identity: pki.party(party),
    trust: { anchors: [pki.rootCert], crls: pki.crls, crlRefreshSeconds: 1 },
    session: { ticketKeys: { current: { id: 1, secretFile: ticketKey } } },
    grants: { subjectKeyFile: subjectKey, holderAnchors: [pki.holderCaCert] },
    observability: { logLevel: "silent" },
  };
}

const eventMethods = [
  "hutong.v1.TicketEventService/*",
  "hutong.v1.TicketStatisticsService/*",
  "hutong.v1.TicketService/*",
];

export async function startTicketFederation(
  dir: string,
  options: TicketFederationOptions = {},
): Promise<TicketFederation> {
  const codes = options.provinces ?? ["510000", "440000", "310000"];
  const seed = options.seed ?? 20261205;
  const log = options.log ?? quiet;
  const registries = new Map(
    codes.map(
      (c, i) =>
        [
          c,
          simulatedProvince(
            c,
            codes.filter((o) => o !== c),
            options.stationsPerProvince ?? 6,
            seed + i,
          ),
        ] as const,
    ),
  );
  const parties = [
    { id: ministryParty, role: "gateway" as const },
    { id: statisticsParty, role: "system" as const },
    { id: "mot/reconciliation", role: "system" as const },
    ...codes.flatMap((c) => [
      { id: `prov:${c}`, role: "gateway" as const },
      { id: ticketingParty(c), role: "system" as const },
      ...(registries.get(c)?.stations ?? []).map((s) => ({
        id: stationParty(`prov:${c}`, s.code),
        role: "system" as const,
      })),
    ]),
  ];
  await mkdir(dir, { recursive: true });
  const pki = await openDevPki(join(dir, "pki"), parties);
  const subjectKey = await pki.subjectKeyFile();
  const make = async (party: string, extra: Record<string, unknown>): Promise<GatewayConfig> => {
    const raw = { ...gatewayBase(pki, dir, party, await pki.ticketKeyFile(fileName(party)), subjectKey), ...extra };
    return parseGatewayConfig(options.tweak?.(party, raw) ?? raw, dir);
  };

  // The ministry: its statistics service, then the hub (routes to the provinces come by reload).
  const ministryStore = openMinistryStore(join(dir, "ministry.sqlite"));
  const ministryServer = createMinistryServer(ministryStore, log);
  const ministryAddress = await listen(ministryServer);
  const hubConfig = (routes: unknown[]) =>
    make(ministryParty, {
      routes: [{ match: statisticsParty, local: ministryAddress, timeoutMs: 5000 }, ...routes],
      acl: [
        // The hub relays ticket events between provinces; each owner's gateway decides.
        { callers: ["prov:*"], methods: eventMethods, targets: ["prov:*"] },
        // Every province's e-ticket service reports to the ministry's statistics service.
        {
          callers: codes.map(ticketingParty),
          methods: ["hutong.v1.TicketStatisticsService/ReportTicketStatistics"],
          targets: [statisticsParty],
        },
        // The ministry's own systems: reconciliation and status queries towards the provinces.
        { callers: ["mot/*"], methods: eventMethods },
      ],
      relays: codes.map((c) => ({ peer: `prov:${c}`, origins: [`prov:${c}`, `prov:${c}/*`] })),
    });
  const hub = await startGateway({ config: await hubConfig([]) });
  const hubAddress = `127.0.0.1:${hub.address.port}`;

  const clients: HutongClient[] = [];
  const clientOf = async (system: string, gateway: RunningGateway): Promise<HutongClient> => {
    const creds = await loadCredentialFiles({ ...pki.party(system), anchors: [pki.rootCert], crls: pki.crls });
    const crls = createCrlFileSource(pki.crls, { initial: creds.crls, refreshMs: 60_000 });
    const client = createHutongClient({
      address: `127.0.0.1:${gateway.address.port}`,
      gatewayParty: gateway.party,
      privateKey: creds.privateKey,
      chain: creds.chain,
      trust: creds.trust,
      crls: crls.current,
    });
    clients.push(client);
    return client;
  };

  const provinces = new Map<string, ProvinceNode>();
  for (const code of codes) {
    const party = `prov:${code}`;
    const service = ticketingParty(code);
    const registry = registries.get(code) as SimulatedProvince;
    const store = openProvinceStore({
      path: join(dir, `${fileName(service)}.sqlite`),
      party: service,
      province: code,
      sealKey: randomBytes(32),
      stations: registry.stations,
      routes: registry.routes.map((r) => ({ code: r.code, customised: r.customised })),
      router: createEventRouter(code, defaultEventRoutes, ticketingParty),
    });
    let dispatcher: OutboxDispatcher | undefined;
    const server = createProvinceServer({ store, log, enqueued: () => dispatcher?.kick() });
    const serviceAddress = await listen(server);
    const config = await make(party, {
      routes: [
        { match: service, local: serviceAddress, timeoutMs: 5000 },
        { match: party, local: serviceAddress, timeoutMs: 5000 },
        { match: "*", peer: { address: hubAddress, party: ministryParty }, timeoutMs: 8000 },
      ],
      acl: [
        // The province's stations upload to its e-ticket service, each under its own name.
        {
          callers: [`${party}/*`],
          methods: ["hutong.v1.TicketEventService/UploadTicketEvents", "hutong.v1.TicketEventService/Ping"],
          targets: [service],
        },
        // Its e-ticket service delivers to the other provinces and reports to the ministry.
        {
          callers: [service],
          methods: [
            "hutong.v1.TicketEventService/DeliverTicketEvents",
            "hutong.v1.TicketStatisticsService/ReportTicketStatistics",
          ],
        },
        // Other provinces' e-ticket services deliver events of tickets whose route touches this one.
        { callers: ["prov:*"], methods: ["hutong.v1.TicketEventService/DeliverTicketEvents"], targets: [service] },
        // The ministry reconciles, queries status and pings.
        {
          callers: ["mot/*"],
          methods: [
            "hutong.v1.TicketEventService/QueryTicketStatus",
            "hutong.v1.TicketEventService/ReconcileDaily",
            "hutong.v1.TicketEventService/Ping",
          ],
          targets: [service],
        },
      ],
      relays: [{ peer: ministryParty, origins: ["prov:*", "mot/*"] }],
    });
    const gateway = await startGateway({ config });
    const node: ProvinceNode = {
      province: code,
      party,
      service,
      registry,
      gateway,
      store,
      server,
      serviceAddress,
      dispatcher: undefined as unknown as OutboxDispatcher,
    };
    const serviceClient = await clientOf(service, gateway);
    dispatcher = createOutboxDispatcher({
      store: sqliteOutboxStore(store.db),
      topics: gatewayTopics(() => serviceClient, {
        ...defaultTopicPolicy,
        retryBaseMs: 50,
        retryCapMs: 2000,
        breakerCoolDownMs: 1000,
      }),
      concurrency: 32,
      pollIntervalMs: 200,
      name: service,
    });
    node.dispatcher = dispatcher;
    const reg = registryReport(
      service,
      statisticsParty,
      Purpose.PURPOSE_REGULATORY_SUPERVISION,
      store.stations,
      store.routes,
    );
    if (store.enqueueRegistry(reg.key, statisticsParty, reg.payload, Date.now()) > 0) dispatcher.kick();
    provinces.set(code, node);
  }
  await hub.reload(
    await hubConfig(
      [...provinces.values()].map((p) => ({
        match: p.party,
        peer: { address: `127.0.0.1:${p.gateway.address.port}`, party: p.party },
        timeoutMs: 5000,
      })),
    ),
  );

  return {
    dir,
    pki,
    hub,
    ministry: { store: ministryStore, server: ministryServer, address: ministryAddress },
    provinces,
    async client(system) {
      if (system.startsWith("mot")) return clientOf(system, hub);
      const code = /^prov:(\d{6})/.exec(system)?.[1] ?? "";
      const node = provinces.get(code);
      if (node === undefined) throw new Error(`no province gateway for ${system}`);
      return clientOf(system, node.gateway);
    },
    async flush() {
      await Promise.all([...provinces.values()].map((p) => p.dispatcher.flush()));
    },
    async close() {
      await Promise.all([...provinces.values()].map((p) => p.dispatcher.close()));
      for (const c of clients) c.close();
      await Promise.all([hub.close(), ...[...provinces.values()].map((p) => p.gateway.close())]);
      for (const p of provinces.values()) {
        p.server.forceShutdown();
        p.store.close();
      }
      ministryServer.forceShutdown();
      ministryStore.close();
    },
  };
}
