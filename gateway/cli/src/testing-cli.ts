import { spawn } from "node:child_process";
import { type Command, CommanderError } from "commander";
import type { CommandIo } from "./support/command-io.js";
import { UsageError } from "./support/usage-error.js";

/** The `hutong` command's entry, run from sources (as `npx hutong` runs the built one). */
export const hutongBin = new URL("./bin.ts", import.meta.url).pathname;

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `hutong <args>` as a child process, `input` on its stdin; resolves when it exits. */
export function runHutong(args: readonly string[], input = "", env?: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--conditions=hutong-source", "--import", "tsx", hutongBin, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
      ...(env === undefined ? {} : { env }),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/**
 * A command group (`annotationCommand`, `grantCommand`, …) run in this process on `args`, with
 * bin.ts's exit statuses: 2 for a usage error, the code the command set otherwise.
 */
export async function runCommandIn(make: (io: CommandIo) => Command, args: readonly string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  let code = 0;
  const command = make({
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    exitCode: (c) => {
      code = c;
    },
  });
  try {
    await command.parseAsync([...args], { from: "user" });
  } catch (e) {
    if (e instanceof UsageError) {
      stderr += `hutong: ${e.message}\n`;
      code = 2;
    } else if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 2;
    else throw e;
  }
  return { code, stdout, stderr };
}

/**
 * This process's environment without NODE_V8_COVERAGE: for the specs that start whole federations
 * as processes, whose V8 coverage is gigabytes for c8 to merge (the gate is on the cores the unit
 * specs exercise).
 */
export function envWithoutCoverage(): NodeJS.ProcessEnv {
  const { NODE_V8_COVERAGE: _, ...env } = process.env;
  return env;
}
