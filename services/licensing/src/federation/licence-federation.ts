import type { HutongClient } from "@hutong/client";
import { parseGatewayConfig, type RunningGateway, startGateway } from "@hutong/gateway";
import type { ServiceLog } from "@hutong/service-kit";
import { devClient } from "@hutong/service-kit/dev";
import { type RunningIssuer, type RunningLibrary, startIssuer, startLibrary } from "../run/start-services.js";
import {
  type LicenceFederationOptions,
  type LicenceFederationPlan,
  planLicenceFederation,
} from "./licence-federation-plan.js";

/**
 * The licence federation in one process: the ministry's hub gateway with the licence library, and
 * province gateways, each with its licence system. Real gRPC servers on loopback, real SQLite
 * files, real SM2 sessions at every hop. For the tests; the scenario runs the same plan as processes.
 */
export interface LicenceProvinceNode {
  readonly province: string;
  readonly gateway: RunningGateway;
  readonly issuer: RunningIssuer;
}

export interface LicenceFederation {
  readonly plan: LicenceFederationPlan;
  readonly hub: RunningGateway;
  readonly library: RunningLibrary;
  readonly provinces: ReadonlyMap<string, LicenceProvinceNode>;
  /** A client for a system, connected to its home gateway (its province's, or the hub for mot/*). */
  client(system: string): Promise<HutongClient>;
  /** Waits until every licence system's outbox has nothing due. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

const quiet: ServiceLog = { error: () => {} };
const isAddressInUse = (e: unknown): boolean => e instanceof Error && /EADDRINUSE/.test(e.message);

export async function startLicenceFederation(
  dir: string,
  options: LicenceFederationOptions & { readonly log?: ServiceLog } = {},
): Promise<LicenceFederation> {
  const log = options.log ?? quiet;
  let started: Awaited<ReturnType<typeof startPlanned>> | undefined;
  for (let attempt = 1; started === undefined; attempt++) {
    try {
      started = await startPlanned(await planLicenceFederation(dir, options), dir, log);
    } catch (e) {
      if (attempt >= 3 || !isAddressInUse(e)) throw e;
    }
  }
  const { plan, hub, library, provinces } = started;
  const clients: HutongClient[] = [];
  return {
    plan,
    hub,
    library,
    provinces,
    async client(system) {
      const code = /^prov:(\d{6})/.exec(system)?.[1];
      const gateway = code === undefined ? hub : provinces.get(code)?.gateway;
      if (gateway === undefined) throw new Error(`no gateway for ${system}`);
      const client = await devClient(plan.pki, system, gateway.address.port, gateway.party);
      clients.push(client);
      return client;
    },
    async flush() {
      await Promise.all([...provinces.values()].map((p) => p.issuer.dispatcher.flush()));
    },
    async close() {
      for (const c of clients) c.close();
      await Promise.all([...provinces.values()].map((p) => p.issuer.close()));
      await library.close();
      await Promise.all([hub.close(), ...[...provinces.values()].map((p) => p.gateway.close())]);
    },
  };
}

/** Starts what `plan` describes; on a failure, closes what had started and rethrows. */
async function startPlanned(plan: LicenceFederationPlan, dir: string, log: ServiceLog) {
  const opened: { close(): Promise<void> }[] = [];
  try {
    // Gateways first: a service calls its gateway at once, and a grpc-js channel that found nobody
    // there waits out a reconnect backoff every channel to that address in the process shares.
    const hub = await startGateway({ config: parseGatewayConfig(await plan.hubConfig(), dir) });
    opened.push(hub);
    const gateways = new Map<string, RunningGateway>();
    for (const p of plan.provinces.values()) {
      const gateway = await startGateway({
        config: parseGatewayConfig(await plan.provinceGatewayConfig(p.province), dir),
      });
      opened.push(gateway);
      gateways.set(p.province, gateway);
    }
    const library = await startLibrary(plan.libraryConfig(), log);
    opened.push(library);
    const provinces = new Map<string, LicenceProvinceNode>();
    for (const p of plan.provinces.values()) {
      const issuer = await startIssuer(plan.issuerConfig(p.province), log);
      opened.push(issuer);
      provinces.set(p.province, { province: p.province, gateway: gateways.get(p.province) as RunningGateway, issuer });
    }
    return { plan, hub, library, provinces };
  } catch (e) {
    for (const o of opened.reverse()) await o.close().catch(() => {});
    throw e;
  }
}
