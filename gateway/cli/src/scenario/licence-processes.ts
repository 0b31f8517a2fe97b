import { fileURLToPath } from "node:url";
import type { LicenceFederationPlan } from "@hutong/licensing/dev";
import { type ManagedProcess, processLauncher, startOnFreshPorts } from "./managed-process.js";

// The licence federation as separate processes (managed-process.ts): gateways are `hutong start`,
// the licence systems and the library `hutong-licensing`.

const serviceMain = fileURLToPath(import.meta.resolve("@hutong/licensing/service-main"));

export interface LicenceProcessFederation {
  readonly hub: ManagedProcess;
  readonly library: ManagedProcess;
  readonly gateways: ReadonlyMap<string, ManagedProcess>;
  readonly issuers: ReadonlyMap<string, ManagedProcess>;
  readonly all: readonly ManagedProcess[];
  /** SIGTERM to every process (services first), waiting for each. */
  stop(): Promise<void>;
}

/** Writes every config of `plan` next to it and starts the federation's processes. */
export async function startLicenceProcesses(plan: LicenceFederationPlan): Promise<LicenceProcessFederation> {
  const { gateway, service } = processLauncher(plan.dir, serviceMain);

  const started: ManagedProcess[] = [];
  const keep = (p: ManagedProcess) => {
    started.push(p);
    return p;
  };
  const gateways = new Map<string, ManagedProcess>();
  const issuers = new Map<string, ManagedProcess>();
  let hub: ManagedProcess;
  let library: ManagedProcess;
  try {
    // Gateways first: a service calls its gateway as soon as it starts.
    hub = keep(await gateway("mot", await plan.hubConfig()));
    for (const p of plan.provinces.values()) {
      gateways.set(
        p.province,
        keep(await gateway(`gateway_${p.province}`, await plan.provinceGatewayConfig(p.province))),
      );
    }
    library = keep(await service("mot_licence", plan.libraryConfig()));
    for (const p of plan.provinces.values()) {
      issuers.set(p.province, keep(await service(`licence_${p.province}`, plan.issuerConfig(p.province))));
    }
  } catch (e) {
    await Promise.all(started.map((p) => p.kill("SIGKILL")));
    throw e;
  }
  return {
    hub,
    library,
    gateways,
    issuers,
    all: [hub, ...gateways.values(), library, ...issuers.values()],
    async stop() {
      await Promise.all([...issuers.values(), library].map((p) => p.kill("SIGTERM")));
      await Promise.all([hub, ...gateways.values()].map((p) => p.kill("SIGTERM")));
    },
  };
}

/** Plans and starts the licence federation, on fresh ports if one was taken meanwhile. */
export function startPlannedLicenceProcesses(
  makePlan: () => Promise<LicenceFederationPlan>,
): Promise<{ readonly plan: LicenceFederationPlan; readonly fed: LicenceProcessFederation }> {
  return startOnFreshPorts(makePlan, startLicenceProcesses);
}
