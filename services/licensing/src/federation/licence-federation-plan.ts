import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type DevPki, openDevPki } from "@hutong/gateway/dev";
import { freePort } from "@hutong/service-kit/dev";
import type { IssuerServiceConfig, LibraryServiceConfig } from "../run/service-config.js";

// The licence federation written down before anything starts: the parties, their certificates,
// the loopback ports, every gateway's and service's configuration. The same plan runs in one
// process (the tests) or as processes that can be killed and restarted on their ports (the
// scenario).

export const hubParty = "mot";
export const libraryParty = "mot/licence";
/** The ministry's supervision system: it queries the rates and reviews maintenance requests. */
export const supervisionParty = "mot/supervision";
export const issuerParty = (province: string) => `prov:${province}/licence`;
/** The province's 运政 system, which records licence events at its licence system. */
export const yunzhengParty = (province: string) => `prov:${province}/yunzheng`;

export interface LicenceFederationOptions {
  /** 6-digit codes; default Sichuan and Guangdong. */
  readonly provinces?: readonly string[];
  /** Per province: a range of its sequence its licence system does not send the first time. */
  readonly dropRanges?: Readonly<Record<string, { readonly from: number; readonly to: number }>>;
  /** Valid paper licences in each province's registry with no e-licence yet, by kind name. */
  readonly paperLicences?: Readonly<Record<string, number>>;
  readonly countsIntervalMs?: number;
  readonly gaps?: { readonly graceMs: number; readonly retryMs: number; readonly intervalMs: number };
  readonly lagAlertMs?: number;
  /** The library's data checks: how often, and when an event is late. */
  readonly checks?: { readonly intervalMs: number; readonly timelinessMs: number };
  /** How long the gateways' annotated copies stay valid (default: the gateway's, 30 days). */
  readonly annotationValidityDays?: number;
}

export interface LicenceProvincePlan {
  readonly province: string;
  readonly party: string;
  readonly issuer: string;
  readonly yunzheng: string;
  readonly gatewayPort: number;
  readonly issuerPort: number;
}

export interface LicenceFederationPlan {
  readonly dir: string;
  readonly pki: DevPki;
  readonly hubPort: number;
  readonly libraryPort: number;
  readonly provinces: ReadonlyMap<string, LicenceProvincePlan>;
  hubConfig(): Promise<Record<string, unknown>>;
  provinceGatewayConfig(province: string): Promise<Record<string, unknown>>;
  issuerConfig(province: string): IssuerServiceConfig;
  libraryConfig(): LibraryServiceConfig;
}

const fileName = (party: string) => party.replace(/[:/]/g, "_");
const library = "hutong.v1.LicenceLibraryService";
const issuance = "hutong.v1.LicenceIssuanceService";
const licenceService = "hutong.v1.LicenceService";
const maintenance = "hutong.v1.LicenceMaintenanceService";

async function sealKeyFile(dir: string, party: string): Promise<string> {
  const file = join(dir, `${fileName(party)}.seal-key`);
  if (!existsSync(file)) await writeFile(file, randomBytes(32).toString("hex"), { mode: 0o600 });
  return file;
}

export async function planLicenceFederation(
  dir: string,
  options: LicenceFederationOptions = {},
): Promise<LicenceFederationPlan> {
  const codes = options.provinces ?? ["510000", "440000"];
  await mkdir(dir, { recursive: true });
  const pki = await openDevPki(join(dir, "pki"), [
    { id: hubParty, role: "gateway" },
    { id: libraryParty, role: "system" },
    { id: supervisionParty, role: "system" },
    ...codes.flatMap((c) => [
      { id: `prov:${c}`, role: "gateway" as const },
      { id: issuerParty(c), role: "system" as const },
      { id: yunzhengParty(c), role: "system" as const },
    ]),
  ]);
  const subjectKey = await pki.subjectKeyFile();
  const keys = new Map<string, string>();
  for (const party of [libraryParty, ...codes.map(issuerParty)]) keys.set(party, await sealKeyFile(dir, party));
  // Ports last, just before the servers start: one found free while the PKI was made could be taken.
  const provinces = new Map<string, LicenceProvincePlan>();
  for (const code of codes) {
    provinces.set(code, {
      province: code,
      party: `prov:${code}`,
      issuer: issuerParty(code),
      yunzheng: yunzhengParty(code),
      gatewayPort: await freePort(),
      issuerPort: await freePort(),
    });
  }
  const hubPort = await freePort();
  const libraryPort = await freePort();
  const loop = (port: number) => `127.0.0.1:${port}`;
  const gatewayBase = async (party: string, port: number) => ({
    party,
    role: party === hubParty ? "hub" : "province",
    listen: { host: "127.0.0.1", port },
    dataDir: join(dir, fileName(party)),
    identity: pki.party(party),
    trust: { anchors: [pki.rootCert], crls: pki.crls, crlRefreshSeconds: 60 },
    session: { ticketKeys: { current: { id: 1, secretFile: await pki.ticketKeyFile(fileName(party)) } } },
    grants: { subjectKeyFile: subjectKey, holderAnchors: [pki.holderCaCert] },
    observability: { logLevel: "warn" },
    ...(options.annotationValidityDays === undefined
      ? {}
      : { annotations: { validityDays: options.annotationValidityDays } }),
  });
  const link = (system: string, gatewayParty: string, port: number) => {
    const files = pki.party(system);
    return {
      address: loop(port),
      party: gatewayParty,
      chain: files.chain,
      key: files.key,
      anchors: [pki.rootCert],
      crls: [...pki.crls],
    };
  };
  const outbox = { concurrency: 32, pollIntervalMs: 200, retryBaseMs: 50, retryCapMs: 2000, breakerCoolDownMs: 1000 };

  return {
    dir,
    pki,
    hubPort,
    libraryPort,
    provinces,
    async hubConfig() {
      return {
        ...(await gatewayBase(hubParty, hubPort)),
        routes: [
          { match: libraryParty, local: loop(libraryPort), timeoutMs: 5000 },
          ...[...provinces.values()].map((p) => ({
            match: p.party,
            peer: { address: loop(p.gatewayPort), party: p.party },
            timeoutMs: 5000,
          })),
        ],
        acl: [
          // Each province's licence system aggregates to the library and reports its counts.
          {
            callers: codes.map(issuerParty),
            methods: [`${library}/AggregateLicenceEvents`, `${library}/ReportLicenceCounts`],
            targets: [libraryParty],
          },
          // Each province's licence system files data-maintenance requests and follows them.
          {
            callers: codes.map(issuerParty),
            methods: [`${maintenance}/FileMaintenanceRequest`, `${maintenance}/QueryMaintenanceRequest`],
            targets: [libraryParty],
          },
          // The ministry decides them; the library sends an approved one to its province.
          { callers: ["mot/*"], methods: [`${maintenance}/*`], targets: [libraryParty] },
          // The ministry's systems: the library asks provinces to resend; rates and status queries.
          {
            callers: ["mot/*"],
            methods: [
              `${issuance}/ResendLicenceEvents`,
              `${issuance}/ApplyMaintenance`,
              `${issuance}/ListLicenceStates`,
              `${licenceService}/*`,
            ],
            targets: ["prov:*"],
          },
          {
            callers: ["mot/*", "prov:*"],
            methods: [
              `${library}/QueryLicenceRates`,
              `${library}/QueryAggregationStatus`,
              `${library}/ListDataFindings`,
            ],
          },
          // Verification across provinces: any province's systems may verify any province's licence,
          // and fetch it (an annotated copy) as far as the purpose and a grant allow.
          {
            callers: ["prov:*"],
            methods: [`${licenceService}/VerifyLicence`, `${licenceService}/GetLicence`],
            targets: ["prov:*"],
          },
        ],
        relays: codes.map((c) => ({ peer: `prov:${c}`, origins: [`prov:${c}`, `prov:${c}/*`] })),
      };
    },
    async provinceGatewayConfig(code) {
      const p = provinces.get(code);
      if (p === undefined) throw new Error(`no province ${code} in the plan`);
      return {
        ...(await gatewayBase(p.party, p.gatewayPort)),
        routes: [
          { match: p.issuer, local: loop(p.issuerPort), timeoutMs: 5000 },
          { match: "*", peer: { address: loop(hubPort), party: hubParty }, timeoutMs: 8000 },
        ],
        acl: [
          // The province's 运政 system records licence events at its licence system.
          { callers: [p.yunzheng], methods: [`${issuance}/RecordLicenceEvents`], targets: [p.issuer] },
          // The licence system aggregates to the ministry.
          {
            callers: [p.issuer],
            methods: [`${library}/AggregateLicenceEvents`, `${library}/ReportLicenceCounts`],
            targets: [libraryParty],
          },
          // The library asks for a range again, and sends approved maintenance requests.
          {
            callers: [libraryParty],
            methods: [
              `${issuance}/ResendLicenceEvents`,
              `${issuance}/ApplyMaintenance`,
              `${issuance}/ListLicenceStates`,
            ],
            targets: [p.issuer],
          },
          // The licence system files maintenance requests at the library and follows them.
          {
            callers: [p.issuer],
            methods: [`${maintenance}/FileMaintenanceRequest`, `${maintenance}/QueryMaintenanceRequest`],
            targets: [libraryParty],
          },
          // Verification of this province's licences from anywhere in the federation; fetches as far
          // as the purpose and a grant allow (the share policy minimises and annotates the copy).
          {
            callers: ["prov:*", "mot/*"],
            methods: [`${licenceService}/VerifyLicence`, `${licenceService}/GetLicence`],
            targets: [p.issuer],
          },
          // The province's own systems query the library and verify or fetch other provinces' licences.
          {
            callers: [`${p.party}/*`],
            methods: [
              `${library}/QueryLicenceRates`,
              `${library}/QueryAggregationStatus`,
              `${library}/ListDataFindings`,
              `${licenceService}/VerifyLicence`,
              `${licenceService}/GetLicence`,
            ],
          },
        ],
        relays: [{ peer: hubParty, origins: ["prov:*", "mot/*"] }],
      };
    },
    issuerConfig(code) {
      const p = provinces.get(code);
      if (p === undefined) throw new Error(`no province ${code} in the plan`);
      const drop = options.dropRanges?.[code];
      return {
        service: "issuer",
        party: p.issuer,
        province: code,
        listen: { host: "127.0.0.1", port: p.issuerPort },
        store: join(dir, `${fileName(p.issuer)}.sqlite`),
        sealKeyFile: keys.get(p.issuer) as string,
        library: libraryParty,
        gateway: link(p.issuer, p.party, p.gatewayPort),
        outbox,
        paperLicences: { ...(options.paperLicences ?? {}) },
        countsIntervalMs: options.countsIntervalMs ?? 2000,
        maintenanceDeciders: [supervisionParty],
        ...(drop === undefined ? {} : { faults: { dropRange: { from: drop.from, to: drop.to } } }),
      };
    },
    libraryConfig() {
      return {
        service: "library",
        party: libraryParty,
        listen: { host: "127.0.0.1", port: libraryPort },
        store: join(dir, "mot_licence.sqlite"),
        sealKeyFile: keys.get(libraryParty) as string,
        gateway: link(libraryParty, hubParty, hubPort),
        issuerParty: "prov:{province}/licence",
        maintenanceDeciders: [supervisionParty],
        outbox,
        gaps: options.gaps ?? { graceMs: 3000, retryMs: 5000, intervalMs: 500 },
        lag: { windowS: 300, alertMs: options.lagAlertMs ?? 60_000 },
        checks: options.checks ?? { intervalMs: 3_600_000, timelinessMs: 600_000 },
      };
    },
  };
}
