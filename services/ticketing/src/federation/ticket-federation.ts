import type { HutongClient } from "@hutong/client";
import { parseGatewayConfig, type RunningGateway, startGateway } from "@hutong/gateway";
import type { DevPki } from "@hutong/gateway/dev";
import type { ConnectorKind } from "@hutong/gateway/ports";
import type { ServiceLog } from "@hutong/service-kit";
import { devClient } from "@hutong/service-kit/dev";
import type { MinistryServiceConfig } from "../run/service-config.js";
import {
  type RunningMinistryService,
  type RunningProvinceService,
  startMinistryService,
  startProvinceService,
} from "../run/start-services.js";
import type { SimulatedProvince } from "../station/simulated-registry.js";
import { type FederationPlan, planTicketFederation, type TicketFederationOptions } from "./federation-plan.js";

export {
  ministryParty,
  reconciliationParty,
  statisticsParty,
  type TicketFederationOptions,
  ticketingParty,
} from "./federation-plan.js";

/**
 * The e-ticket federation in one process: the ministry's hub gateway with its statistics service,
 * and province gateways, each with its e-ticket service (its store, its server, and the dispatcher
 * delivering its outbox through its gateway). Real gRPC servers on loopback, real SQLite files,
 * real SM2 sessions at every hop. For the tests and the benchmark; the scenario runs the same plan
 * as processes.
 */
export interface ProvinceNode {
  readonly province: string;
  readonly party: string;
  readonly service: string;
  readonly registry: SimulatedProvince;
  readonly gateway: RunningGateway;
  readonly running: RunningProvinceService;
  readonly store: RunningProvinceService["store"];
  readonly serviceAddress: string;
}

export interface TicketFederation {
  readonly dir: string;
  readonly plan: FederationPlan;
  readonly pki: DevPki;
  readonly hub: RunningGateway;
  readonly ministry: RunningMinistryService;
  readonly provinces: ReadonlyMap<string, ProvinceNode>;
  /** A client for a system, connected to its home gateway (its province's, or the hub for mot/*). */
  client(system: string): Promise<HutongClient>;
  /** Waits until every province's outbox has nothing due (deliveries settled). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

const quiet: ServiceLog = { error: () => {} };

export async function startTicketFederation(
  dir: string,
  options: TicketFederationOptions & {
    readonly log?: ServiceLog;
    /** The connector kinds the hub may host (the tax connector, when `invoicing` is set). */
    readonly connectorKinds?: readonly ConnectorKind[];
  } = {},
): Promise<TicketFederation> {
  const log = options.log ?? quiet;
  // A port the plan found free can be taken before its server binds it (other tests, other
  // processes): then start again on a new plan, a few times.
  let started: Awaited<ReturnType<typeof startPlanned>> | undefined;
  for (let attempt = 1; started === undefined; attempt++) {
    try {
      started = await startPlanned(await planTicketFederation(dir, options), dir, log, options.connectorKinds ?? []);
    } catch (e) {
      if (attempt >= 3 || !isAddressInUse(e)) throw e;
    }
  }
  const { plan, hub, ministry, provinces } = started;
  const clients: HutongClient[] = [];
  const clientOf = async (system: string, gateway: RunningGateway): Promise<HutongClient> => {
    const client = await devClient(plan.pki, system, gateway.address.port, gateway.party);
    clients.push(client);
    return client;
  };
  return {
    dir,
    plan,
    pki: plan.pki,
    hub,
    ministry,
    provinces,
    async client(system) {
      if (system.startsWith("mot")) return clientOf(system, hub);
      const code = /^prov:(\d{6})/.exec(system)?.[1] ?? "";
      const node = provinces.get(code);
      if (node === undefined) throw new Error(`no province gateway for ${system}`);
      return clientOf(system, node.gateway);
    },
    async flush() {
      await Promise.all([...provinces.values()].map((p) => p.running.dispatcher.flush()));
    },
    async close() {
      for (const c of clients) c.close();
      await Promise.all([...provinces.values()].map((p) => p.running.close()));
      await Promise.all([hub.close(), ...[...provinces.values()].map((p) => p.gateway.close())]);
      await ministry.close();
    },
  };
}

const isAddressInUse = (e: unknown): boolean => e instanceof Error && /EADDRINUSE/.test(e.message);

/** Starts what `plan` describes; on a failure, closes what had started and rethrows. */
async function startPlanned(
  plan: FederationPlan,
  dir: string,
  log: ServiceLog,
  connectorKinds: readonly ConnectorKind[],
) {
  const opened: { close(): Promise<void> }[] = [];
  try {
    const ministry = await startMinistryService(plan.ministryServiceConfig() as MinistryServiceConfig, log);
    opened.push(ministry);
    const hub = await startGateway({ config: parseGatewayConfig(await plan.hubConfig(), dir), connectorKinds });
    opened.push(hub);
    const provinces = new Map<string, ProvinceNode>();
    for (const p of plan.provinces.values()) {
      // The gateway first: the service's dispatcher calls it at once (the registry report), and a
      // grpc-js channel that found nobody there waits out its reconnect backoff, which every
      // channel to that address in the process shares.
      const gateway = await startGateway({
        config: parseGatewayConfig(await plan.provinceGatewayConfig(p.province), dir),
      });
      opened.push(gateway);
      const running = await startProvinceService(plan.provinceServiceConfig(p.province), log);
      opened.push(running);
      provinces.set(p.province, {
        province: p.province,
        party: p.party,
        service: p.service,
        registry: p.registry,
        gateway,
        running,
        store: running.store,
        serviceAddress: running.address,
      });
    }
    return { plan, hub, ministry, provinces };
  } catch (e) {
    for (const o of opened.reverse()) await o.close().catch(() => {});
    throw e;
  }
}
