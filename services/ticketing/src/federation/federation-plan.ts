import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type DevPki, openDevPki } from "@hutong/gateway/dev";
import { freePort } from "@hutong/service-kit/dev";
import type { ProvinceServiceConfig, ServiceConfig, StoreConfig } from "../run/service-config.js";
import { type SimulatedProvince, simulatedProvince } from "../station/simulated-registry.js";
import { stationParty } from "../station/station-day.js";

// The e-ticket federation written down before anything starts: who the parties are, their
// certificates, which loopback port each server takes, and every gateway's and service's
// configuration. The same plan runs in one process (the tests, the benchmark) or as separate
// processes that can be killed and restarted on their ports (the scenario).

export const ministryParty = "mot";
export const statisticsParty = "mot/statistics";
export const reconciliationParty = "mot/reconciliation";
export const ticketingParty = (province: string) => `prov:${province}/ticketing`;

export interface TicketFederationOptions {
  /** 6-digit codes; default Sichuan, Guangdong, Shanghai. */
  readonly provinces?: readonly string[];
  readonly stationsPerProvince?: number;
  readonly seed?: number;
  /** Extra gateway config, merged over the defaults. */
  readonly tweak?: (party: string, config: Record<string, unknown>) => Record<string, unknown>;
  /**
   * Where the e-ticket services keep their stores: SQLite files in the plan's directory (the
   * default), or one PostgreSQL database, each service in its own schema: `${schemaPrefix}_510000`
   * for Sichuan's, `${schemaPrefix}_mot` for the ministry's (the gateways keep theirs in SQLite).
   */
  readonly store?: "sqlite" | { readonly postgres: { readonly url: string; readonly schemaPrefix: string } };
  /**
   * Invoices for the tickets (docs/connectors.md): the hub hosts a tax-einvoice connector to the
   * channel at `baseUrl` (a simulator), and every province's e-ticket service invoices through it
   * as its own seller (`sellerTaxId`).
   */
  readonly invoicing?: PlannedInvoicing;
  /**
   * Through journeys (docs/connectors.md §4): the hub hosts a through-ticket connector per partner
   * (to its simulator at `baseUrl`), holding the partner's certificate; the provinces check the
   * legs every `checkIntervalMs`.
   */
  readonly through?: PlannedThrough;
}

export interface PlannedPartner {
  /** "rail:cr", "air:ca". */
  readonly party: string;
  readonly protocol: "rail" | "air";
  readonly baseUrl: string;
  readonly appKey: string;
  readonly appSecretHex: string;
  /** Where the connector listens for the partner's own calls (its road-leg queries). */
  readonly inboundPort: number;
}

export interface PlannedThrough {
  readonly partners: readonly PlannedPartner[];
  readonly checkIntervalMs?: number;
  readonly minTransferMinutes?: number;
  readonly pollIntervalMs?: number;
}

/** A partner's connector name at the hub ("rail-cr"). */
export const partnerConnector = (party: string) => party.replace(":", "-");

export interface PlannedInvoicing {
  readonly baseUrl: string;
  readonly appKey: string;
  readonly appSecretHex: string;
  readonly refundWithFee?: "partial" | "red-and-blue";
  /** Outbox numbers of the hub's connector topic (defaults: quick retries for tests). */
  readonly outbox?: Record<string, number>;
  /** How often each province asks for its invoice numbers. */
  readonly followUpMs?: number;
}

/** The seller each simulated province invoices as (a made-up 统一社会信用代码 shape). */
export const sellerTaxId = (province: string) => `91${province}MA0000000${province.slice(0, 1)}`;
export const taxParty = "tax:chinatax";

export interface ProvincePlan {
  readonly province: string;
  readonly party: string;
  readonly service: string;
  readonly registry: SimulatedProvince;
  readonly gatewayPort: number;
  readonly servicePort: number;
}

export interface FederationPlan {
  readonly dir: string;
  readonly pki: DevPki;
  readonly hubPort: number;
  readonly ministryPort: number;
  readonly provinces: ReadonlyMap<string, ProvincePlan>;
  /** The PostgreSQL schemas the services' stores take (none on SQLite): drop them to clean up. */
  readonly postgresSchemas: readonly string[];
  /** Raw gateway configs (for parseGatewayConfig, or written as a file for `hutong start`). */
  hubConfig(): Promise<Record<string, unknown>>;
  provinceGatewayConfig(province: string): Promise<Record<string, unknown>>;
  /** Service configs with absolute paths (for parseServiceConfig, or written as a file). */
  provinceServiceConfig(province: string): ProvinceServiceConfig;
  ministryServiceConfig(): ServiceConfig;
}

const fileName = (party: string) => party.replace(/[:/]/g, "_");
const eventMethods = [
  "hutong.v1.TicketEventService/*",
  "hutong.v1.TicketStatisticsService/*",
  "hutong.v1.TicketService/*",
];

export async function planTicketFederation(
  dir: string,
  options: TicketFederationOptions = {},
): Promise<FederationPlan> {
  const codes = options.provinces ?? ["510000", "440000", "310000"];
  const seed = options.seed ?? 20261205;
  await mkdir(dir, { recursive: true });
  const registries = new Map(
    codes.map(
      (code, i) =>
        [
          code,
          simulatedProvince(
            code,
            codes.filter((o) => o !== code),
            options.stationsPerProvince ?? 6,
            seed + i,
          ),
        ] as const,
    ),
  );
  const pki = await openDevPki(join(dir, "pki"), [
    { id: ministryParty, role: "gateway" },
    { id: statisticsParty, role: "system" },
    { id: reconciliationParty, role: "system" },
    ...(options.through?.partners ?? []).map((p) => ({ id: p.party, role: "system" as const })),
    ...codes.flatMap((c) => [
      { id: `prov:${c}`, role: "gateway" as const },
      { id: ticketingParty(c), role: "system" as const },
      ...(registries.get(c)?.stations ?? []).map((s) => ({
        id: stationParty(`prov:${c}`, s.code),
        role: "system" as const,
      })),
    ]),
  ]);
  const subjectKey = await pki.subjectKeyFile();
  // Ports are picked last, just before the servers start: a port found free while the PKI was
  // being made could be taken by then.
  const provinces = new Map<string, ProvincePlan>();
  for (const [code, registry] of registries) {
    provinces.set(code, {
      province: code,
      party: `prov:${code}`,
      service: ticketingParty(code),
      registry,
      gatewayPort: await freePort(),
      servicePort: await freePort(),
    });
  }
  for (const p of provinces.values()) {
    const keyFile = join(dir, `${fileName(p.service)}.seal-key`);
    if (!existsSync(keyFile)) await writeFile(keyFile, randomBytes(32).toString("hex"), { mode: 0o600 });
  }
  const hubPort = await freePort();
  const ministryPort = await freePort();
  const loop = (port: number) => `127.0.0.1:${port}`;
  const pgStore = options.store === undefined || options.store === "sqlite" ? undefined : options.store.postgres;
  const storeOf = (name: string, file: string): StoreConfig =>
    pgStore === undefined
      ? join(dir, file)
      : { postgres: { url: pgStore.url, schema: `${pgStore.schemaPrefix}_${name}`, maxConnections: 6 } };

  const gatewayBase = async (party: string, port: number) => ({
    party,
    role: party === ministryParty ? "hub" : "province",
    listen: { host: "127.0.0.1", port },
    dataDir: join(dir, fileName(party)),
    identity: pki.party(party),
    trust: { anchors: [pki.rootCert], crls: pki.crls, crlRefreshSeconds: 60 },
    session: { ticketKeys: { current: { id: 1, secretFile: await pki.ticketKeyFile(fileName(party)) } } },
    grants: { subjectKeyFile: subjectKey, holderAnchors: [pki.holderCaCert] },
    observability: { logLevel: "warn" },
  });
  const tweak = (party: string, raw: Record<string, unknown>) => options.tweak?.(party, raw) ?? raw;
  const invoicing = options.invoicing;
  const connectors: Record<string, unknown> = {};
  const partners = options.through?.partners ?? [];
  const partnerParties = partners.map((p) => p.party);
  for (const partner of partners) {
    const name = partnerConnector(partner.party);
    const secretFile = join(dir, `${name}-app-secret.hex`);
    const sealFile = join(dir, `${name}-seal.hex`);
    await writeFile(secretFile, partner.appSecretHex, { mode: 0o600 });
    if (!existsSync(sealFile)) await writeFile(sealFile, randomBytes(32).toString("hex"), { mode: 0o600 });
    const identity = pki.party(partner.party);
    connectors[name] = {
      kind: "through-ticket",
      settings: {
        party: partner.party,
        protocol: partner.protocol,
        baseUrl: partner.baseUrl,
        appKey: partner.appKey,
        appSecretFile: secretFile,
        sealKeyFile: sealFile,
        identity: { chain: identity.chain, key: identity.key },
        anchors: [pki.rootCert],
        crls: [...pki.crls],
        gateway: { address: loop(hubPort), party: ministryParty },
        ticketing: "prov:{province}/ticketing",
        pollIntervalMs: options.through?.pollIntervalMs ?? 300,
        listen: { host: "127.0.0.1", port: partner.inboundPort },
      },
      outbox: { retryBaseMs: 50, retryCapMs: 2000, breakerCoolDownMs: 500, timeoutMs: 10_000 },
    };
  }
  if (invoicing !== undefined) {
    const secretFile = join(dir, "tax-app-secret.hex");
    const sealFile = join(dir, "tax-connector-seal.hex");
    await writeFile(secretFile, invoicing.appSecretHex, { mode: 0o600 });
    if (!existsSync(sealFile)) await writeFile(sealFile, randomBytes(32).toString("hex"), { mode: 0o600 });
    connectors.tax = {
      kind: "tax-einvoice",
      settings: {
        party: taxParty,
        baseUrl: invoicing.baseUrl,
        appKey: invoicing.appKey,
        appSecretFile: secretFile,
        sealKeyFile: sealFile,
        requestTimeoutMs: 2000,
        sellers: Object.fromEntries(codes.map((c) => [ticketingParty(c), [sellerTaxId(c)]])),
      },
      outbox: invoicing.outbox ?? { retryBaseMs: 50, retryCapMs: 1000, breakerCoolDownMs: 500, timeoutMs: 10_000 },
    };
  }

  return {
    dir,
    pki,
    hubPort,
    ministryPort,
    provinces,
    postgresSchemas: pgStore === undefined ? [] : [...codes, "mot"].map((name) => `${pgStore.schemaPrefix}_${name}`),
    async hubConfig() {
      return tweak(ministryParty, {
        ...(await gatewayBase(ministryParty, hubPort)),
        ...(Object.keys(connectors).length === 0 ? {} : { connectors }),
        routes: [
          ...partnerParties.map((party) => ({ match: party, connector: partnerConnector(party), timeoutMs: 8000 })),
          { match: statisticsParty, local: loop(ministryPort), timeoutMs: 5000 },
          ...(invoicing === undefined ? [] : [{ match: "tax:*", connector: "tax", timeoutMs: 8000 }]),
          ...[...provinces.values()].map((p) => ({
            match: p.party,
            peer: { address: loop(p.gatewayPort), party: p.party },
            timeoutMs: 5000,
          })),
        ],
        acl: [
          // The hub relays ticket events between provinces; each owner's gateway decides.
          { callers: ["prov:*"], methods: eventMethods, targets: ["prov:*"] },
          // Every province's e-ticket service reports to the ministry's statistics service.
          {
            callers: codes.map(ticketingParty),
            methods: ["hutong.v1.TicketStatisticsService/ReportTicketStatistics"],
            targets: [statisticsParty],
          },
          // The ministry's own systems: reconciliation, statistics and status queries.
          { callers: ["mot/*"], methods: eventMethods },
          // Partners' connectors bring their leg notices and ask where road legs stand (and, under
          // the passenger's grant, fetch the road leg); the provinces ask the partners' legs.
          ...(partners.length === 0
            ? []
            : [
                {
                  callers: partnerParties,
                  methods: [
                    "hutong.v1.ThroughTicketService/ApplyLegNotice",
                    "hutong.v1.ThroughTicketService/QueryRoadLeg",
                    "hutong.v1.TicketService/GetTicket",
                    "hutong.v1.GrantService/*",
                  ],
                  targets: ["prov:*"],
                },
                {
                  callers: codes.map(ticketingParty),
                  methods: ["hutong.v1.PartnerLegService/QueryPartnerLeg"],
                  targets: partnerParties,
                },
                // The ministry sees what the provinces' leg checks found.
                {
                  callers: ["mot/*"],
                  methods: ["hutong.v1.ThroughTicketService/ListLegMismatches"],
                  targets: ["prov:*"],
                },
              ]),
          // Every province's e-ticket service has its tickets invoiced through the tax connector.
          ...(invoicing === undefined
            ? []
            : [{ callers: codes.map(ticketingParty), methods: ["hutong.v1.InvoiceService/*"], targets: ["tax:*"] }]),
        ],
        relays: codes.map((c) => ({ peer: `prov:${c}`, origins: [`prov:${c}`, `prov:${c}/*`] })),
      });
    },
    async provinceGatewayConfig(code) {
      const p = provinces.get(code);
      if (p === undefined) throw new Error(`no province ${code} in the plan`);
      return tweak(p.party, {
        ...(await gatewayBase(p.party, p.gatewayPort)),
        routes: [
          { match: p.service, local: loop(p.servicePort), timeoutMs: 5000 },
          { match: p.party, local: loop(p.servicePort), timeoutMs: 5000 },
          { match: "*", peer: { address: loop(hubPort), party: ministryParty }, timeoutMs: 8000 },
        ],
        acl: [
          // The province's stations upload to its e-ticket service, each under its own name.
          {
            callers: [`${p.party}/*`],
            methods: ["hutong.v1.TicketEventService/UploadTicketEvents", "hutong.v1.TicketEventService/Ping"],
            targets: [p.service],
          },
          // Its e-ticket service delivers to the other provinces and reports to the ministry.
          {
            callers: [p.service],
            methods: [
              "hutong.v1.TicketEventService/DeliverTicketEvents",
              "hutong.v1.TicketStatisticsService/ReportTicketStatistics",
            ],
          },
          // ... asks the partners where their legs of its through journeys stand ...
          ...(partners.length === 0
            ? []
            : [
                { callers: [p.service], methods: ["hutong.v1.PartnerLegService/QueryPartnerLeg"] },
                {
                  callers: partnerParties,
                  methods: [
                    "hutong.v1.ThroughTicketService/ApplyLegNotice",
                    "hutong.v1.ThroughTicketService/QueryRoadLeg",
                    "hutong.v1.TicketService/GetTicket",
                  ],
                  targets: [p.service],
                },
                { callers: partnerParties, methods: ["hutong.v1.GrantService/*"] },
                {
                  callers: ["mot/*"],
                  methods: ["hutong.v1.ThroughTicketService/ListLegMismatches"],
                  targets: [p.service],
                },
              ]),
          // ... and has its tickets invoiced through the tax channel.
          ...(invoicing === undefined
            ? []
            : [{ callers: [p.service], methods: ["hutong.v1.InvoiceService/*"], targets: ["tax:*"] }]),
          // Other provinces' e-ticket services deliver events of tickets whose route touches this one.
          { callers: ["prov:*"], methods: ["hutong.v1.TicketEventService/DeliverTicketEvents"], targets: [p.service] },
          // The ministry reconciles, queries status and pings.
          {
            callers: ["mot/*"],
            methods: [
              "hutong.v1.TicketEventService/QueryTicketStatus",
              "hutong.v1.TicketEventService/ReconcileDaily",
              "hutong.v1.TicketEventService/Ping",
            ],
            targets: [p.service],
          },
        ],
        relays: [{ peer: ministryParty, origins: ["prov:*", "mot/*", ...partnerParties] }],
      });
    },
    provinceServiceConfig(code) {
      const p = provinces.get(code);
      if (p === undefined) throw new Error(`no province ${code} in the plan`);
      const files = pki.party(p.service);
      return {
        service: "province",
        party: p.service,
        province: code,
        listen: { host: "127.0.0.1", port: p.servicePort },
        store: storeOf(code, `${fileName(p.service)}.sqlite`),
        sealKeyFile: join(dir, `${fileName(p.service)}.seal-key`),
        stations: p.registry.stations.map((s) => ({ ...s })),
        routes: p.registry.routes.map((r) => ({ code: r.code, customised: r.customised })),
        routeParty: "prov:{province}/ticketing",
        statistics: statisticsParty,
        gateway: {
          address: loop(p.gatewayPort),
          party: p.party,
          chain: files.chain,
          key: files.key,
          anchors: [pki.rootCert],
          crls: [...pki.crls],
        },
        outbox: { concurrency: 32, pollIntervalMs: 200, retryBaseMs: 50, retryCapMs: 2000, breakerCoolDownMs: 1000 },
        through: {
          checkIntervalMs: options.through?.checkIntervalMs ?? 10_000,
          minTransferMinutes: options.through?.minTransferMinutes ?? 30,
        },
        ...(invoicing === undefined
          ? {}
          : {
              invoicing: {
                party: taxParty,
                seller: {
                  taxId: sellerTaxId(code),
                  name: `${code} 道路客运有限公司`,
                  taxpayerType: "general" as const,
                },
                taxRate: "0.09",
                taxClassificationCode: "3010101020101000000",
                itemName: "*运输服务*长途汽车旅客运输服务",
                clerk: "售票系统",
                refundWithFee: invoicing.refundWithFee ?? "partial",
                followUpMs: invoicing.followUpMs ?? 300,
              },
            }),
      };
    },
    ministryServiceConfig() {
      return {
        service: "ministry",
        party: statisticsParty,
        listen: { host: "127.0.0.1", port: ministryPort },
        store: storeOf("mot", "mot_statistics.sqlite"),
      };
    },
  };
}
