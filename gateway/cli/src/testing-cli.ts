import { spawn } from "node:child_process";

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
