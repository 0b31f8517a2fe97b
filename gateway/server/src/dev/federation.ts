import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { formatVerifierKey } from "@hutong/audit";
import { parseCertificatePem } from "@hutong/certs";
import { createCrlFileSource, createHutongClient, type HutongClient, loadCredentialFiles } from "@hutong/client";
import { type GatewayConfig, parseGatewayConfig } from "../config/gateway-config.js";
import { type RunningGateway, startGateway } from "../gateway/start-gateway.js";
import type { Logger } from "../observability/logger.js";
import type { Telemetry } from "../observability/telemetry.js";
import { type DevPki, openDevPki } from "./dev-pki.js";
import { type SimulatedBackend, startSimulatedBackend } from "./simulated-backends.js";

/**
 * A small federation on one machine: the ministry hub (mot) and two province
 * gateways (Sichuan 510000, Guangdong 440000), each province with its
 * simulated systems as a real gRPC backend. Province gateways route their own
 * party locally and everything else to the hub; the hub routes each province
 * to its gateway. For `npm run demo`, the benchmark and the tests.
 */
export const federationParties = {
  hub: "mot",
  sichuan: "prov:510000",
  guangdong: "prov:440000",
  sichuanTicketing: "prov:510000/ticketing",
  guangdongEnforcement: "prov:440000/enforcement",
  guangdongTicketing: "prov:440000/ticketing",
  /** Guangdong's audit operator: may query and export Guangdong's audit log. */
  guangdongAuditor: "prov:440000/audit",
} as const;

export interface Federation {
  readonly pki: DevPki;
  readonly hub: RunningGateway;
  readonly sichuan: RunningGateway;
  readonly guangdong: RunningGateway;
  readonly backends: { readonly sichuan: SimulatedBackend; readonly guangdong: SimulatedBackend };
  readonly configs: { hub: GatewayConfig; sichuan: GatewayConfig; guangdong: GatewayConfig };
  /** A client for one of the federation's systems, connected to its own province's gateway. */
  client(system: string): Promise<HutongClient>;
  close(): Promise<void>;
}

export interface FederationOptions {
  readonly logger?: (party: string) => Logger;
  readonly telemetry?: (party: string) => Telemetry;
  /** Extra config per gateway (e.g. limits), merged over the defaults. */
  readonly tweak?: (party: string, config: Record<string, unknown>) => Record<string, unknown>;
}

/** A gateway's audit log origin: the config default. */
export const auditOrigin = (party: string): string => `hutong/${party}/audit/sm3`;

const systemsAcl = (province: string) => [
  // A province's own systems may use every exchange service, for any party, any purpose;
  // the data owner's gateway applies the finer rules.
  {
    callers: [`${province}/*`],
    methods: ["hutong.v1.TicketService/*", "hutong.v1.LicenceService/*", "hutong.v1.GrantService/*"],
  },
];

// Grants are registered and revoked at the data owner's gateway by any province's systems (the
// artefact's own signature is the authority), and revocations arrive from peer gateways.
const grantsAcl = { callers: ["prov:*", "mot"], methods: ["hutong.v1.GrantService/*"] };

export async function startFederation(dir: string, options: FederationOptions = {}): Promise<Federation> {
  const p = federationParties;
  const pki = await openDevPki(join(dir, "pki"), [
    { id: p.hub, role: "gateway" },
    { id: p.sichuan, role: "gateway" },
    { id: p.guangdong, role: "gateway" },
    { id: p.sichuanTicketing, role: "system" },
    { id: p.guangdongEnforcement, role: "system" },
    { id: p.guangdongTicketing, role: "system" },
    { id: p.guangdongAuditor, role: "system" },
  ]);
  const backends = {
    sichuan: await startSimulatedBackend("510000"),
    guangdong: await startSimulatedBackend("440000"),
  };
  const base = async (party: string) => ({
    party,
    role: party === p.hub ? "hub" : "province",
    listen: { host: "127.0.0.1", port: 0 },
    dataDir: join(dir, party.replace(/[:/]/g, "_")),
    identity: pki.party(party),
    trust: { anchors: [pki.rootCert], crls: pki.crls, crlRefreshSeconds: 1 },
    session: { ticketKeys: { current: { id: 1, secretFile: await pki.ticketKeyFile(party.replace(/[:/]/g, "_")) } } },
    grants: { subjectKeyFile: await pki.subjectKeyFile(), holderAnchors: [pki.holderCaCert] },
    observability: { logLevel: "silent" },
  });
  const make = async (party: string, extra: Record<string, unknown>) => {
    const raw = { ...(await base(party)), ...extra };
    return parseGatewayConfig(options.tweak?.(party, raw) ?? raw, dir);
  };
  const start = (config: GatewayConfig) =>
    startGateway({
      config,
      ...(options.logger === undefined ? {} : { logger: options.logger(config.party) }),
      ...(options.telemetry === undefined ? {} : { telemetry: options.telemetry(config.party) }),
    });

  // The hub starts without routes: the provinces' addresses are known only once they listen;
  // it then gets its routes by reload, as an operator would add a province.
  const hubExtra = (routes: unknown[]) => ({
    routes,
    acl: [
      // The hub relays between provinces; each data owner decides.
      {
        callers: ["prov:*"],
        methods: ["hutong.v1.TicketService/*", "hutong.v1.LicenceService/*", "hutong.v1.GrantService/*"],
        targets: ["prov:*"],
      },
      // A province's gateway hands a grant revocation to the hub, which passes it on to the other
      // provinces even though it holds no grant itself (docs/grants.md §6).
      { callers: ["prov:*"], methods: ["hutong.v1.GrantService/RevokeGrant"], targets: [p.hub] },
    ],
    relays: [
      { peer: p.sichuan, origins: [p.sichuan, `${p.sichuan}/*`] },
      { peer: p.guangdong, origins: [p.guangdong, `${p.guangdong}/*`] },
    ],
  });
  // Witnessing: the hub cosigns both provinces' audit checkpoints, and refuses a checkpoint that
  // forks from one it cosigned (docs/audit-checkpoints.md).
  const logKey = async (party: string) => {
    const leaf = parseCertificatePem(await readFile(pki.party(party).chain, "utf8"))[0];
    if (leaf === undefined) throw new Error(`no certificate for ${party}`);
    return { origin: auditOrigin(party), key: formatVerifierKey(auditOrigin(party), leaf.publicKey) };
  };
  const hubWitnessing = { audit: { witnessing: [await logKey(p.sichuan), await logKey(p.guangdong)] } };
  let hubConfig = await make(p.hub, { ...hubExtra([]), ...hubWitnessing });
  const hub = await start(hubConfig);
  const hubAddress = `127.0.0.1:${hub.address.port}`;
  const province = (party: string, backend: SimulatedBackend, acl: unknown[]) =>
    make(party, {
      routes: [
        { match: party, local: backend.address, timeoutMs: 5000 },
        { match: "*", peer: { address: hubAddress, party: p.hub }, timeoutMs: 8000 },
      ],
      acl,
      relays: [{ peer: p.hub, origins: ["prov:*"] }],
      audit: { checkpointIntervalMs: 200, witnesses: [{ party: p.hub, address: hubAddress }] },
    });
  const sichuanConfig = await province(p.sichuan, backends.sichuan, [
    ...systemsAcl(p.sichuan),
    grantsAcl,
    // Guangdong's enforcement may check Sichuan licences; any province's ticketing may verify Sichuan tickets.
    {
      callers: [p.guangdongEnforcement],
      methods: ["hutong.v1.LicenceService/VerifyLicence"],
      purposes: ["LAW_ENFORCEMENT"],
      targets: [p.sichuan],
    },
    {
      callers: ["prov:*"],
      methods: ["hutong.v1.TicketService/VerifyTicket"],
      purposes: ["BOARDING_CHECK", "THROUGH_TICKET"],
      targets: [p.sichuan],
    },
  ]);
  const guangdongConfig = await province(p.guangdong, backends.guangdong, [
    ...systemsAcl(p.guangdong),
    grantsAcl,
    { callers: [p.guangdongAuditor], methods: ["hutong.v1.AuditService/*"] },
    {
      callers: ["prov:*"],
      methods: ["hutong.v1.TicketService/VerifyTicket"],
      purposes: ["BOARDING_CHECK", "THROUGH_TICKET"],
      targets: [p.guangdong],
    },
  ]);
  const sichuan = await start(sichuanConfig);
  const guangdong = await start(guangdongConfig);
  hubConfig = await make(p.hub, {
    ...hubWitnessing,
    ...hubExtra([
      { match: p.sichuan, peer: { address: `127.0.0.1:${sichuan.address.port}`, party: p.sichuan }, timeoutMs: 5000 },
      {
        match: p.guangdong,
        peer: { address: `127.0.0.1:${guangdong.address.port}`, party: p.guangdong },
        timeoutMs: 5000,
      },
    ]),
  });
  await hub.reload(hubConfig);

  const clients: HutongClient[] = [];
  return {
    pki,
    hub,
    sichuan,
    guangdong,
    backends,
    configs: { hub: hubConfig, sichuan: sichuanConfig, guangdong: guangdongConfig },
    async client(system) {
      const home = system.startsWith(p.sichuan) ? sichuan : guangdong;
      const creds = await loadCredentialFiles({ ...pki.party(system), anchors: [pki.rootCert], crls: pki.crls });
      const crls = createCrlFileSource(pki.crls, { initial: creds.crls, refreshMs: 500 });
      const client = createHutongClient({
        address: `127.0.0.1:${home.address.port}`,
        gatewayParty: home.party,
        privateKey: creds.privateKey,
        chain: creds.chain,
        trust: creds.trust,
        crls: crls.current,
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const c of clients) c.close();
      await Promise.all([hub.close(), sichuan.close(), guangdong.close()]);
      await Promise.all([backends.sichuan.close(), backends.guangdong.close()]);
    },
  };
}
