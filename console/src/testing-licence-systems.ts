import { join } from "node:path";
import { loadCredentialFiles } from "@hutong/client";
import type { DevPki, Federation } from "@hutong/gateway/dev";
import {
  decideMaintenanceRequest,
  fileMaintenanceRequest,
  type IssuerServiceConfig,
  type LibraryServiceConfig,
  parseLicenceServiceConfig,
  type RunningIssuer,
  type RunningLibrary,
  recordWorkload,
  type StatementSigner,
  startIssuer,
  startLibrary,
} from "@hutong/licensing";
import { licenceWorkload } from "@hutong/licensing/dev";
import { LicenceLibraryServiceService } from "@hutong/proto";
import { devClient, freePort } from "@hutong/service-kit/dev";

// The licence side of the console's test federation: each province's licence system (the issuer)
// behind its gateway, the ministry's licence library behind the hub, a year of licence events
// recorded by each province's 运政 system and aggregated to the library, and data-maintenance
// requests filed, approved and rejected, so the indicators page has real rates, lag and states.

export const library = "mot/licence";
export const supervision = "mot/supervision";
const issuer = (code: string) => `prov:${code}/licence`;
const yunzheng = (code: string) => `prov:${code}/yunzheng`;
const codes = ["510000", "440000"] as const;

const libraryService = "hutong.v1.LicenceLibraryService";
const issuance = "hutong.v1.LicenceIssuanceService";
const maintenance = "hutong.v1.LicenceMaintenanceService";

export const licenceParties = [
  { id: library, role: "system" as const },
  { id: supervision, role: "system" as const },
  ...codes.flatMap((c) => [
    { id: issuer(c), role: "system" as const },
    { id: yunzheng(c), role: "system" as const },
  ]),
];

export interface LicencePorts {
  readonly library: number;
  readonly issuers: Readonly<Record<string, number>>;
}

export async function pickLicencePorts(): Promise<LicencePorts> {
  const issuers: Record<string, number> = {};
  for (const c of codes) issuers[c] = await freePort();
  return { library: await freePort(), issuers };
}

/** Routes and ACL rules a gateway of the dev federation gains for the licence systems. */
export function licenceTweak(party: string, raw: Record<string, unknown>, ports: LicencePorts, consoleParty: string) {
  const routes = (raw.routes as unknown[]) ?? [];
  const acl = (raw.acl as unknown[]) ?? [];
  if (party === "mot") {
    return {
      ...raw,
      routes: [{ match: library, local: `127.0.0.1:${ports.library}`, timeoutMs: 5000 }, ...routes],
      acl: [
        ...acl,
        {
          callers: codes.map(issuer),
          methods: [
            `${libraryService}/AggregateLicenceEvents`,
            `${libraryService}/ReportLicenceCounts`,
            `${maintenance}/FileMaintenanceRequest`,
            `${maintenance}/QueryMaintenanceRequest`,
          ],
          targets: [library],
        },
        { callers: [supervision], methods: [`${maintenance}/*`], targets: [library] },
        {
          callers: [supervision],
          methods: [`${libraryService}/QueryLicenceRates`, `${libraryService}/QueryAggregationStatus`],
          targets: [library],
        },
        {
          callers: [library],
          methods: [`${issuance}/ResendLicenceEvents`, `${issuance}/ApplyMaintenance`, `${issuance}/ListLicenceStates`],
          targets: ["prov:*"],
        },
        {
          callers: [consoleParty],
          methods: [
            `${libraryService}/QueryLicenceRates`,
            `${libraryService}/QueryAggregationStatus`,
            `${maintenance}/CountMaintenanceRequests`,
          ],
          targets: [library],
        },
      ],
    };
  }
  const code = /^prov:([0-9]{6})$/.exec(party)?.[1];
  if (code === undefined || !(codes as readonly string[]).includes(code)) return raw;
  return {
    ...raw,
    routes: [{ match: issuer(code), local: `127.0.0.1:${ports.issuers[code]}`, timeoutMs: 5000 }, ...routes],
    acl: [
      ...acl,
      { callers: [yunzheng(code)], methods: [`${issuance}/RecordLicenceEvents`], targets: [issuer(code)] },
      {
        callers: [issuer(code)],
        methods: [
          `${libraryService}/AggregateLicenceEvents`,
          `${libraryService}/ReportLicenceCounts`,
          `${maintenance}/FileMaintenanceRequest`,
          `${maintenance}/QueryMaintenanceRequest`,
        ],
        targets: [library],
      },
      {
        callers: [library],
        methods: [`${issuance}/ResendLicenceEvents`, `${issuance}/ApplyMaintenance`, `${issuance}/ListLicenceStates`],
        targets: [issuer(code)],
      },
    ],
  };
}

export interface LicenceSystems {
  close(): Promise<void>;
}

const quiet = { error: () => {} };

/** Polls `check` every 100 ms (each poll may be a call through the gateways) until it holds. */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts the library and the issuers on `ports`, records and aggregates a workload, files maintenance requests. */
export async function startLicenceSystems(
  fed: Federation,
  pki: DevPki,
  dir: string,
  ports: LicencePorts,
): Promise<LicenceSystems> {
  const hubPort = fed.hub.address.port;
  const gatewayOf = (code: string) => (code === "510000" ? fed.sichuan : fed.guangdong);
  const link = (system: string, gatewayParty: string, port: number) => {
    const files = pki.party(system);
    return {
      address: `127.0.0.1:${port}`,
      party: gatewayParty,
      chain: files.chain,
      key: files.key,
      anchors: [pki.rootCert],
      crls: [...pki.crls],
    };
  };
  const sealKey = (name: string) => pki.ticketKeyFile(`seal-${name}`);
  const outbox = { concurrency: 8, pollIntervalMs: 200, retryBaseMs: 50, retryCapMs: 2000, breakerCoolDownMs: 1000 };
  const opened: { close(): Promise<void> }[] = [];
  const running: { library?: RunningLibrary; issuers: RunningIssuer[] } = { issuers: [] };
  try {
    running.library = await startLibrary(
      parseLicenceServiceConfig(
        {
          service: "library",
          party: library,
          listen: { host: "127.0.0.1", port: ports.library },
          store: join(dir, "mot_licence.sqlite"),
          sealKeyFile: await sealKey("library"),
          gateway: link(library, "mot", hubPort),
          issuerParty: "prov:{province}/licence",
          maintenanceDeciders: [supervision],
          outbox,
          gaps: { graceMs: 3000, retryMs: 5000, intervalMs: 500 },
          lag: { windowS: 300, alertMs: 60_000 },
          checks: { intervalMs: 3_600_000, timelinessMs: 600_000 },
        },
        dir,
      ) as LibraryServiceConfig,
      quiet,
    );
    opened.push(running.library);
    for (const code of codes) {
      const started = await startIssuer(
        parseLicenceServiceConfig(
          {
            service: "issuer",
            party: issuer(code),
            province: code,
            listen: { host: "127.0.0.1", port: ports.issuers[code] },
            store: join(dir, `licence_${code}.sqlite`),
            sealKeyFile: await sealKey(`issuer-${code}`),
            library,
            gateway: link(issuer(code), `prov:${code}`, gatewayOf(code).address.port),
            outbox,
            // Paper licences in the registry besides the e-licences: 制证率 below 100%.
            paperLicences:
              code === "510000"
                ? { LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE: 12 }
                : { LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE: 30, LICENCE_KIND_PRACTITIONER_QUALIFICATION: 10 },
            countsIntervalMs: 500,
            maintenanceDeciders: [supervision],
          },
          dir,
        ) as IssuerServiceConfig,
        quiet,
      );
      running.issuers.push(started);
      opened.push(started);
    }
    // Ten days of events per province, recorded by its 运政 system through its gateway.
    const startMs = Date.now() - 10 * 86_400_000;
    const workloads = new Map<string, ReturnType<typeof licenceWorkload>>();
    for (const [i, code] of codes.entries()) {
      const workload = licenceWorkload({
        province: code,
        licences: code === "510000" ? 60 : 40,
        seed: 20261206 + i,
        startMs,
        spanDays: 9,
        defectRate: 0.05,
      });
      workloads.set(code, workload);
      const client = await devClient(pki, yunzheng(code), gatewayOf(code).address.port, `prov:${code}`);
      await recordWorkload(workload.events, { client: () => client, issuer: issuer(code), batchSize: 100 });
      client.close();
    }
    const supervisor = await devClient(pki, supervision, hubPort, "mot");
    opened.push({ close: async () => supervisor.close() });
    await eventually("the library holds every province's events", async () => {
      const status = await supervisor.unary(LicenceLibraryServiceService.queryAggregationStatus, {
        context: { targetParty: library, purpose: 6, grantId: "", correlationId: "" },
        province: "",
      });
      return codes.every((c) => {
        const p = status.provinces.find((s) => s.province === c);
        const events = workloads.get(c)?.events.length ?? 0;
        return p !== undefined && Number(p.appliedSeq) >= events;
      });
    });
    // Maintenance: Sichuan files three corrections; the ministry approves one and rejects one.
    const signer = async (party: string): Promise<StatementSigner> => {
      const c = await loadCredentialFiles({ ...pki.party(party), anchors: [pki.rootCert] });
      return { key: c.privateKey, chain: c.chain };
    };
    const issuerClient = await devClient(pki, issuer("510000"), fed.sichuan.address.port, "prov:510000");
    opened.push({ close: async () => issuerClient.close() });
    const permits = (workloads.get("510000")?.events ?? [])
      .filter(
        (e) =>
          e.licence?.details?.$case === "operatingPermit" && !workloads.get("510000")?.defective.has(e.idempotencyKey),
      )
      .map((e) => e.licence?.licenceId ?? "");
    const ids = [...new Set(permits)].slice(0, 3);
    const filed = [];
    for (const [n, licenceId] of ids.entries()) {
      filed.push(
        await fileMaintenanceRequest(issuerClient, await signer(issuer("510000")), {
          requestId: `WH-2026-000${n + 1}`,
          province: "510000",
          applicantUnit: "四川省道路运输事务中心",
          operatorId: "SC-0042",
          corrections: [
            { licenceId, field: "operating_permit.address", correctedValue: `成都市武侯区人民南路${n + 1}号` },
          ],
          reason: "地址录入错误",
          attachments: [],
          filedAt: new Date(),
        }),
      );
    }
    const [first, second] = filed;
    if (first !== undefined) {
      await decideMaintenanceRequest(supervisor, await signer(supervision), first, {
        approved: true,
        reason: "同意",
        at: new Date(),
      });
    }
    if (second !== undefined) {
      await decideMaintenanceRequest(supervisor, await signer(supervision), second, {
        approved: false,
        reason: "材料不全",
        at: new Date(),
      });
    }
    return {
      async close() {
        for (const o of opened.reverse()) await o.close().catch(() => {});
      },
    };
  } catch (e) {
    for (const o of opened.reverse()) await o.close().catch(() => {});
    throw e;
  }
}
