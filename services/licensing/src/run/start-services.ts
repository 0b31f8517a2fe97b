import type * as grpc from "@grpc/grpc-js";
import type { OutboxDispatcher } from "@hutong/gateway/outbox";
import {
  LicenceIssuanceServiceService,
  LicenceKind,
  LicenceLibraryServiceService,
  Purpose,
  ReportLicenceCountsRequest,
} from "@hutong/proto";
import {
  atRestSealer,
  beijingDay,
  connectGateway,
  type GatewayConnection,
  gatewayTopic,
  listen,
  readHexKey,
  type ServiceLog,
  serviceDispatcher,
  topicPolicyOf,
} from "@hutong/service-kit";
import { licenceCountsTopic, licenceEventsTopic } from "../issuer/aggregation-messages.js";
import { createIssuerServer } from "../issuer/issuer-service.js";
import { type DataCheckJob, startDataCheckJob } from "../library/data-check-job.js";
import { type GapWatch, startGapWatch } from "../library/gap-watch.js";
import { createLibraryServer } from "../library/library-service.js";
import { LicensingError } from "../licensing-error.js";
import { verifyStatement } from "../maintenance/signed-statement.js";
import { openSqliteIssuerStore, type SqliteIssuerStore } from "../store/sqlite/sqlite-issuer-store.js";
import { openSqliteLibraryStore, type SqliteLibraryStore } from "../store/sqlite/sqlite-library-store.js";
import { maintenanceApplyTopic } from "../store/sqlite/sqlite-maintenance.js";
import type { IssuerServiceConfig, LibraryServiceConfig } from "./service-config.js";

export interface RunningIssuer {
  readonly address: string;
  readonly store: SqliteIssuerStore;
  readonly dispatcher: OutboxDispatcher;
  readonly server: grpc.Server;
  /** Queues the province's counts for the library now (it also does so every countsIntervalMs). */
  reportCounts(): Promise<void>;
  close(): Promise<void>;
}

export interface RunningLibrary {
  readonly address: string;
  readonly store: SqliteLibraryStore;
  readonly gaps: GapWatch;
  readonly checks: DataCheckJob;
  readonly dispatcher: OutboxDispatcher;
  readonly server: grpc.Server;
  close(): Promise<void>;
}

const invalid = (m: string) => new LicensingError("invalid-config", m);
const enumValue = (name: string): LicenceKind =>
  (LicenceKind as unknown as Record<string, LicenceKind>)[name] as LicenceKind;

/** Undoes what a start did when a later step fails, so a service that cannot start leaves nothing open. */
async function undoAll(undo: (() => unknown)[]): Promise<void> {
  for (const u of undo.reverse()) await Promise.resolve(u()).catch(() => {});
}

const shutdown = (server: grpc.Server) => new Promise<void>((resolve) => server.tryShutdown(() => resolve()));

/**
 * A province licence system: its store, its gRPC server, and the outbox dispatcher that
 * aggregates its events to the library through its own gateway, under its own certificate,
 * whose key is also the issuing authority's seal over each licence file.
 */
export async function startIssuer(
  config: IssuerServiceConfig,
  log: ServiceLog,
  now: () => number = Date.now,
): Promise<RunningIssuer> {
  const sealKey = await readHexKey(config.sealKeyFile, invalid);
  const undo: (() => unknown)[] = [];
  try {
    const link: GatewayConnection = await connectGateway(config.gateway);
    undo.push(() => link.close());
    const drop = config.faults?.dropRange;
    const store = openSqliteIssuerStore(config.store, {
      province: config.province,
      party: config.party,
      library: config.library,
      purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
      sealKey,
      seal: { key: link.credentials.privateKey, certificateDer: link.credentials.leaf.der },
      ...(drop === undefined ? {} : { dropRange: { from: BigInt(drop.from), to: BigInt(drop.to) } }),
    });
    undo.push(() => store.close());
    const sealer = atRestSealer(sealKey);
    const policy = topicPolicyOf(config.outbox);
    const dispatcher = serviceDispatcher(
      config.party,
      store.outbox,
      [
        gatewayTopic(
          licenceEventsTopic,
          LicenceLibraryServiceService.aggregateLicenceEvents.path,
          () => link.client,
          policy,
          (payload, key) => sealer.open(payload, key),
        ),
        gatewayTopic(
          licenceCountsTopic,
          LicenceLibraryServiceService.reportLicenceCounts.path,
          () => link.client,
          policy,
        ),
      ],
      config.outbox,
      now,
    );
    undo.push(() => dispatcher.close());
    const server = createIssuerServer({
      store,
      log,
      now,
      enqueued: () => dispatcher.kick(),
      party: config.party,
      province: config.province,
      verify: (statement, party) =>
        verifyStatement(statement, { trust: link.credentials.trust, crls: link.crls(), now: now(), party }),
      qrKey: link.credentials.privateKey.publicKey,
      deciders: config.maintenanceDeciders,
    });
    const address = await listen(server, config.listen.port, config.listen.host);
    undo.push(() => shutdown(server));

    const paper = new Map(Object.entries(config.paperLicences).map(([k, n]) => [enumValue(k), n]));
    const reportCounts = async (): Promise<void> => {
      const held = await store.held(beijingDay(now()));
      const head = await store.headSeq();
      const kinds = new Set<LicenceKind>([...held.map((h) => h.kind), ...paper.keys()]);
      const counts = [...kinds]
        .sort((a, b) => a - b)
        .map((kind) => {
          const h = held.find((x) => x.kind === kind);
          return {
            kind,
            registryValid: BigInt((h?.valid ?? 0) + (paper.get(kind) ?? 0)),
            electronic: BigInt(h?.electronic ?? 0),
          };
        });
      const payload = ReportLicenceCountsRequest.encode({
        context: {
          targetParty: config.library,
          purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
          grantId: "",
          correlationId: `counts-${config.province}-${head}`,
        },
        province: config.province,
        asOf: new Date(now()),
        headSeq: head,
        counts,
      }).finish();
      // The same counts at the same head are one report: its key says so.
      const key = `counts-${head}-${counts.map((c) => `${c.kind}:${c.registryValid}:${c.electronic}`).join(",")}`;
      if ((await store.enqueueCounts(key, payload, now())) > 0) dispatcher.kick();
    };
    const timer = setInterval(() => {
      reportCounts().catch((e: unknown) => log.error("counts report failed", e));
    }, config.countsIntervalMs);
    timer.unref();
    await reportCounts();
    return {
      address,
      store,
      dispatcher,
      server,
      reportCounts,
      async close() {
        clearInterval(timer);
        await shutdown(server);
        await dispatcher.close();
        link.close();
        await store.close();
      },
    };
  } catch (e) {
    await undoAll(undo);
    throw e;
  }
}

/** The ministry's licence library: its store, its server, and the watch that repairs gaps. */
export async function startLibrary(
  config: LibraryServiceConfig,
  log: ServiceLog,
  now: () => number = Date.now,
): Promise<RunningLibrary> {
  const sealKey = await readHexKey(config.sealKeyFile, invalid);
  const undo: (() => unknown)[] = [];
  try {
    const link = await connectGateway(config.gateway);
    undo.push(() => link.close());
    const issuerOf = (province: string) => config.issuerParty.replace("{province}", province);
    const store = openSqliteLibraryStore(config.store, { sealKey, issuerOf, lag: config.lag });
    undo.push(() => store.close());
    const sealer = atRestSealer(sealKey);
    const dispatcher = serviceDispatcher(
      config.party,
      store.outbox,
      [
        gatewayTopic(
          maintenanceApplyTopic,
          LicenceIssuanceServiceService.applyMaintenance.path,
          () => link.client,
          topicPolicyOf(config.outbox),
          (payload, key) => sealer.open(payload, key),
        ),
      ],
      config.outbox,
      now,
    );
    undo.push(() => dispatcher.close());
    const server = createLibraryServer({
      store,
      log,
      now,
      deciders: config.maintenanceDeciders,
      enqueued: () => dispatcher.kick(),
      verify: (statement, party) =>
        verifyStatement(statement, { trust: link.credentials.trust, crls: link.crls(), now: now(), party }),
    });
    const address = await listen(server, config.listen.port, config.listen.host);
    undo.push(() => shutdown(server));
    const gaps = startGapWatch({
      store,
      policy: { graceMs: config.gaps.graceMs, retryMs: config.gaps.retryMs },
      intervalMs: config.gaps.intervalMs,
      issuerOf,
      client: () => link.client,
      log,
      now,
    });
    const checks = startDataCheckJob({
      store,
      client: () => link.client,
      issuerOf,
      intervalMs: config.checks.intervalMs,
      timelinessMs: config.checks.timelinessMs,
      log,
      now,
    });
    return {
      address,
      store,
      gaps,
      checks,
      dispatcher,
      server,
      async close() {
        await checks.close();
        await gaps.close();
        await shutdown(server);
        await dispatcher.close();
        link.close();
        await store.close();
      },
    };
  } catch (e) {
    await undoAll(undo);
    throw e;
  }
}
