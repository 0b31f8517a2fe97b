import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FederationPlan } from "@hutong/ticketing/dev";

// The e-ticket federation as separate processes, each on the port its plan gave it, so that any of
// them can be SIGKILLed and started again where it was: gateways are `hutong start`, the services
// are `hutong-ticketing` (both from sources, as the tests run them).

const hutongBin = fileURLToPath(new URL("../bin.ts", import.meta.url));
const serviceMain = fileURLToPath(import.meta.resolve("@hutong/ticketing/service-main"));

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number | undefined;
  /** Times it was started (1 after the first start). */
  readonly starts: number;
  /** Sends `signal` and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Starts it again with the same config on the same port; waits until it listens. */
  restart(): Promise<void>;
  /** What it wrote, for a failure's report. */
  output(): string;
}

async function launch(name: string, args: readonly string[], stream: "stdout" | "stderr", pattern: RegExp) {
  const child = spawn(process.execPath, ["--conditions=hutong-source", "--import", "tsx", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const orphan = () => child.kill("SIGKILL");
  process.once("exit", orphan);
  child.once("exit", () => process.off("exit", orphan));
  // Keep the last 64 KiB of what it writes, and keep reading after it is ready: a pipe nobody
  // drains fills up and blocks the child's next log line.
  let output = "";
  const keep = (c: Buffer | string) => {
    output = (output + c.toString()).slice(-65_536);
  };
  const other = stream === "stdout" ? child.stderr : child.stdout;
  other?.on("data", keep);
  const ready = await new Promise<boolean>((resolve) => {
    let pending = "";
    const watch = (c: Buffer) => {
      keep(c);
      pending += c.toString();
      if (pending.split("\n").some((line) => pattern.test(line))) {
        resolve(true);
      }
      pending = pending.slice(pending.lastIndexOf("\n") + 1);
    };
    child[stream]?.on("data", watch);
    child.once("exit", () => resolve(false));
  });
  if (!ready) throw new Error(`${name} ended before it listened:\n${output}`);
  return { child, output: () => output };
}

async function managed(
  name: string,
  args: readonly string[],
  stream: "stdout" | "stderr",
  pattern: RegExp,
): Promise<ManagedProcess> {
  let current: { child: ChildProcess; output: () => string } = await launch(name, args, stream, pattern);
  let starts = 1;
  let past = "";
  return {
    name,
    get pid() {
      return current.child.pid;
    },
    get starts() {
      return starts;
    },
    async kill(signal) {
      const child = current.child;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill(signal);
      await exited;
    },
    async restart() {
      past += current.output();
      current = await launch(name, args, stream, pattern);
      starts += 1;
    },
    output: () => past + current.output(),
  };
}

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
  const file = async (name: string, config: unknown) => {
    const path = join(plan.dir, `${name}.json`);
    await writeFile(path, JSON.stringify(config, null, 2));
    return path;
  };
  const gateway = async (name: string, config: Record<string, unknown>) =>
    managed(name, [hutongBin, "start", "--config", await file(name, config)], "stderr", /listening on /);
  const service = async (name: string, config: unknown) =>
    managed(name, [serviceMain, "--config", await file(name, config)], "stdout", /^listening /);

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

/**
 * Plans and starts the federation, planning again (new ports) when a port the plan found free was
 * taken before its process bound it (EADDRINUSE): a few times, then the failure stands.
 */
export async function startPlannedProcesses(
  makePlan: () => Promise<FederationPlan>,
): Promise<{ readonly plan: FederationPlan; readonly fed: ProcessFederation }> {
  for (let attempt = 1; ; attempt++) {
    const plan = await makePlan();
    try {
      return { plan, fed: await startProcessFederation(plan) };
    } catch (e) {
      if (attempt >= 3 || !(e instanceof Error && /EADDRINUSE/.test(e.message))) throw e;
    }
  }
}
