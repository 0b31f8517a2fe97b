import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { UnaryTransport } from "@hutong/client";
import {
  type Credentials,
  createGrpcJsTransport,
  createHutongClient,
  createSessionClient,
  type HutongClient,
  loadCredentialFiles,
  type SessionClient,
} from "@hutong/client";
import type { ProtectionMode } from "@hutong/session";
import { type GatewayConfig, parseGatewayConfig } from "../config/gateway-config.js";
import { type DevPki, openDevPki } from "../dev/dev-pki.js";
import { type SimulatedBackend, startSimulatedBackend } from "../dev/simulated-backends.js";
import type { Logger } from "../observability/logger.js";
import type { Telemetry } from "../observability/telemetry.js";
import { type RunningGateway, startGateway } from "./start-gateway.js";

/** Test support: one province gateway (prov:510000) in front of its simulated systems, on a dev PKI. */
export const gw = "prov:510000";
export const allowed = "prov:510000/ticketing";
export const denied = "prov:510000/other";

export interface GatewayFixture {
  readonly dir: string;
  readonly pki: DevPki;
  readonly backend: SimulatedBackend;
  readonly gateway: RunningGateway;
  readonly config: GatewayConfig;
  readonly address: string;
  credentials(party: string, pki?: DevPki): Promise<Credentials>;
  /** A session client for `party` over grpc-js, optionally through a transport wrapper. */
  session(
    party: string,
    o?: {
      wrap?: (t: UnaryTransport) => UnaryTransport;
      now?: () => number;
      pki?: DevPki;
      serverParty?: string;
      address?: string;
      protection?: ProtectionMode;
    },
  ): Promise<SessionClient>;
  client(party: string): Promise<HutongClient>;
  startAnother(
    overrides?: Record<string, unknown>,
    options?: { logger?: Logger; telemetry?: Telemetry },
  ): Promise<RunningGateway>;
  close(): Promise<void>;
}

export async function gatewayConfigFor(
  dir: string,
  pki: DevPki,
  backend: SimulatedBackend,
  overrides: Record<string, unknown> = {},
): Promise<GatewayConfig> {
  return parseGatewayConfig(
    {
      party: gw,
      role: "province",
      listen: { host: "127.0.0.1", port: 0 },
      dataDir: dir,
      identity: pki.party(gw),
      trust: { anchors: [pki.rootCert], crls: pki.crls, crlRefreshSeconds: 3600 },
      session: { ticketKeys: { current: { id: 1, secretFile: await pki.ticketKeyFile("gw") } } },
      limits: { maxMessageBytes: 64 * 1024 },
      routes: [
        { match: gw, local: backend.address, timeoutMs: 3000 },
        { match: "prov:440000", local: "127.0.0.1:1", timeoutMs: 1000 },
      ],
      acl: [
        { callers: [allowed], methods: ["hutong.v1.TicketService/*"], purposes: ["BOARDING_CHECK"] },
        {
          callers: [allowed],
          methods: ["hutong.v1.TicketService/VerifyTicket"],
          targets: ["prov:440000", "prov:650000"],
        },
        { callers: [denied], methods: ["hutong.v1.LicenceService/*"] },
      ],
      reflection: true,
      observability: { logLevel: "silent" },
      ...overrides,
    },
    dir,
  );
}

export async function startGatewayFixture(): Promise<GatewayFixture> {
  const dir = await mkdtemp(join(tmpdir(), "hutong-gw-"));
  const pki = await openDevPki(join(dir, "pki"), [
    { id: gw, role: "gateway" },
    { id: "mot", role: "gateway" },
    { id: allowed, role: "system" },
    { id: denied, role: "system" },
    { id: "prov:510000/revoked-early", role: "system" },
    { id: "prov:510000/revoked-late", role: "system" },
    { id: "prov:510000/revoked-scheduled", role: "system" },
    { id: "prov:510000/server-only", role: "server-only" },
  ]);
  const backend = await startSimulatedBackend("510000");
  const config = await gatewayConfigFor(dir, pki, backend);
  const gateway = await startGateway({ config });
  const address = `127.0.0.1:${gateway.address.port}`;
  const others: RunningGateway[] = [];
  const closers: (() => void)[] = [];
  const credentials = (party: string, from: DevPki = pki) =>
    loadCredentialFiles({ ...from.party(party), anchors: [pki.rootCert], crls: pki.crls });
  return {
    dir,
    pki,
    backend,
    gateway,
    config,
    address,
    credentials,
    async session(party, o = {}) {
      const creds = await credentials(party, o.pki);
      const base = createGrpcJsTransport(o.address ?? address);
      const client = createSessionClient({
        transport: o.wrap === undefined ? base : o.wrap(base),
        serverParty: o.serverParty ?? gw,
        privateKey: creds.privateKey,
        chain: creds.chain,
        trust: creds.trust,
        crls: () => creds.crls,
        ...(o.now === undefined ? {} : { now: o.now }),
        ...(o.protection === undefined ? {} : { protection: o.protection }),
      });
      closers.push(() => client.close());
      return client;
    },
    async client(party) {
      const creds = await credentials(party);
      const client = createHutongClient({
        address,
        gatewayParty: gw,
        privateKey: creds.privateKey,
        chain: creds.chain,
        trust: creds.trust,
        crls: () => creds.crls,
      });
      closers.push(() => client.close());
      return client;
    },
    async startAnother(overrides = {}, options = {}) {
      // Each gateway its own store: two processes' worth of writers on one SQLite file would contend.
      const store = { kind: "sqlite", path: join(dir, `another-${others.length}.db`) };
      const g = await startGateway({
        config: await gatewayConfigFor(dir, pki, backend, { store, ...overrides }),
        ...(options.logger === undefined ? {} : { logger: options.logger }),
        ...(options.telemetry === undefined ? {} : { telemetry: options.telemetry }),
      });
      others.push(g);
      return g;
    },
    async close() {
      for (const c of closers) c();
      await Promise.all([gateway.close(), ...others.map((g) => g.close())]);
      await backend.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
