import { fileURLToPath } from "node:url";
import type { FederationPlan } from "@hutong/ticketing/dev";
import { type ManagedProcess, processLauncher, startOnFreshPorts } from "./managed-process.js";

export type { ManagedProcess } from "./managed-process.js";

// The e-ticket federation as separate processes (managed-process.ts): gateways are `hutong start`,
// the services `hutong-ticketing`.

const serviceMain = fileURLToPath(import.meta.resolve("@hutong/ticketing/service-main"));

export interface ProcessFederation {
  readonly hub: ManagedProcess;
  readonly ministry: ManagedProcess;
  readonly gateways: ReadonlyMap<string, ManagedProcess>;
  readonly services: ReadonlyMap<string, ManagedProcess>;
  readonly all: readonly ManagedProcess[];
  /** SIGTERM to every process (services first), waiting for each. */
  stop(): Promise<void>;
}

/** Writes every config of `plan` next to it and starts the federation's processes. */
export async function startProcessFederation(plan: FederationPlan): Promise<ProcessFederation> {
  const { gateway, service } = processLauncher(plan.dir, serviceMain);

  const started: ManagedProcess[] = [];
  const keep = (p: ManagedProcess) => {
    started.push(p);
    return p;
  };
  const gateways = new Map<string, ManagedProcess>();
  const services = new Map<string, ManagedProcess>();
  let ministry: ManagedProcess;
  let hub: ManagedProcess;
  try {
    ministry = keep(await service("mot_statistics", plan.ministryServiceConfig()));
    hub = keep(await gateway("mot", await plan.hubConfig()));
    for (const p of plan.provinces.values()) {
      const gw = keep(await gateway(`gateway_${p.province}`, await plan.provinceGatewayConfig(p.province)));
      gateways.set(p.province, gw);
      services.set(p.province, keep(await service(`ticketing_${p.province}`, plan.provinceServiceConfig(p.province))));
    }
  } catch (e) {
    // Nothing half-started is left behind.
    await Promise.all(started.map((p) => p.kill("SIGKILL")));
    throw e;
  }
  const all = [ministry, hub, ...gateways.values(), ...services.values()];
  return {
    hub,
    ministry,
    gateways,
    services,
    all,
    async stop() {
      await Promise.all([...services.values(), ministry].map((p) => p.kill("SIGTERM")));
      await Promise.all([hub, ...gateways.values()].map((p) => p.kill("SIGTERM")));
    },
  };
}

/** Plans and starts the federation, on fresh ports if one was taken meanwhile. */
export function startPlannedProcesses(
  makePlan: () => Promise<FederationPlan>,
): Promise<{ readonly plan: FederationPlan; readonly fed: ProcessFederation }> {
  return startOnFreshPorts(makePlan, startProcessFederation);
}
