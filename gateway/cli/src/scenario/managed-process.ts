import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// A server of a federation as its own process, on the port its plan gave it, so that it can be
// SIGKILLed and started again where it was: gateways are `hutong start`, services their own
// `service-main` (both from sources, as the tests run them).

/** The `hutong` CLI from sources. */
export const hutongBin = fileURLToPath(new URL("../bin.ts", import.meta.url));

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

/** Starts `args` under node (from sources) and waits until a line of `stream` matches `pattern`. */
export async function managed(
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

/**
 * Plans and starts a federation, planning again (new ports) when a port the plan found free was
 * taken before its process bound it (EADDRINUSE): a few times, then the failure stands.
 */
export async function startOnFreshPorts<P, F>(
  makePlan: () => Promise<P>,
  start: (plan: P) => Promise<F>,
): Promise<{ readonly plan: P; readonly fed: F }> {
  for (let attempt = 1; ; attempt++) {
    const plan = await makePlan();
    try {
      return { plan, fed: await start(plan) };
    } catch (e) {
      if (attempt >= 3 || !(e instanceof Error && /EADDRINUSE/.test(e.message))) throw e;
    }
  }
}

/**
 * Starts a federation's processes from their configs, each written as `<dir>/<name>.json`:
 * gateways as `hutong start`, services as `serviceMain` (a service package's entry).
 */
export function processLauncher(dir: string, serviceMain: string) {
  const file = async (name: string, config: unknown) => {
    const path = join(dir, `${name}.json`);
    await writeFile(path, JSON.stringify(config, null, 2));
    return path;
  };
  return {
    gateway: async (name: string, config: unknown) =>
      managed(name, [hutongBin, "start", "--config", await file(name, config)], "stderr", /listening on /),
    service: async (name: string, config: unknown) =>
      managed(name, [serviceMain, "--config", await file(name, config)], "stdout", /^listening /),
  };
}
