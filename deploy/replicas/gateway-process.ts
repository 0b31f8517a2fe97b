import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type ManagedProcess, startManagedProcess } from "./managed-process.js";

const repo = join(import.meta.dirname, "..", "..");

/**
 * One gateway replica as operators run it: `hutong start --config FILE` in its own process (from
 * source, so the tests need no build), its config a file it watches and reloads.
 */
export interface GatewayProcess {
  readonly name: string;
  readonly configPath: string;
  readonly address: string;
  current(): ManagedProcess;
  /** Rewrites the config file; the running process reloads it (waits for its log line). */
  rewrite(config: Record<string, unknown>): Promise<void>;
  /** Starts it again on the same config and port (after a kill). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startGatewayProcess(
  name: string,
  dir: string,
  config: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Promise<GatewayProcess> {
  const configPath = join(dir, `${name}.json`);
  await writeFile(configPath, JSON.stringify(config, null, 2));
  const launch = async () => {
    const proc = startManagedProcess(
      name,
      process.execPath,
      [
        "--conditions=hutong-source",
        "--import",
        "tsx",
        join(repo, "gateway/cli/src/bin.ts"),
        "start",
        "--config",
        configPath,
      ],
      { env: { ...process.env, ...env }, cwd: repo },
    );
    const m = await proc.waitFor(/listening on (\S+) /, 60_000);
    return { proc, address: m[1] ?? "" };
  };
  let { proc, address } = await launch();
  return {
    name,
    configPath,
    address,
    current: () => proc,
    async rewrite(next) {
      const from = proc.output().length;
      await writeFile(configPath, JSON.stringify(next, null, 2));
      await proc.waitFor(/"msg":"configuration reloaded"|reload failed|reload refused/, 20_000, from).then((m) => {
        if (!m[0].includes("configuration reloaded")) throw new Error(`${name}: ${m[0]}\n${proc.output().slice(from)}`);
      });
    },
    async restart() {
      const again = await launch();
      proc = again.proc;
      if (again.address !== address) throw new Error(`${name} came back on ${again.address}, not ${address}`);
    },
    stop: () => proc.stop(),
  };
}
