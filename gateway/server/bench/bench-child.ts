// The parent side of the benchmark's process protocol (see bench-protocol.ts): each server and
// each load run is its own Node process, so none of them shares an event loop with another.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

export interface BenchChild {
  readonly name: string;
  readonly pid: number;
  /** The child's next stdout line, parsed; rejects if the child exits first. */
  nextReport<T>(): Promise<T>;
  /** User + system CPU time the process has used so far, ms (Linux /proc; undefined elsewhere). */
  cpuMs(): number | undefined;
  /** Resolves with the exit code once the child has exited. */
  readonly exited: Promise<number | null>;
  /** Closes its stdin (it exits after cleaning up), then kills it if it is still there after 3 s. */
  stop(): Promise<void>;
  /** Last resort, synchronous: SIGKILL. */
  kill(): void;
}

const clockTicks = 100; // USER_HZ, 100 on every Linux architecture Node runs on

function procCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return undefined;
  }
}

/** Runs `script` (a .ts file next to this one) under the same Node flags as this process, with `args` as JSON. */
export function startChild(name: string, script: string, args: unknown): BenchChild {
  const path = new URL(script, import.meta.url).pathname;
  // HUTONG_BENCH_PROFILE=<script name>:<dir> writes a V8 CPU profile of that child (e.g.
  // "gateway-process.ts:/tmp/prof"), for finding where a benchmark's time goes.
  const [profiled, profileDir] = (process.env.HUTONG_BENCH_PROFILE ?? "").split(":");
  const profile =
    profiled === script.replace("./", "") && profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...process.execArgv, ...profile, path, JSON.stringify(args)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${name}`);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const lines: string[] = [];
  const waiting: { resolve: (line: string) => void; reject: (err: Error) => void }[] = [];
  let ended = false;
  const rl = createInterface({ input: child.stdout });
  rl.on("line", (line) => {
    const w = waiting.shift();
    if (w === undefined) lines.push(line);
    else w.resolve(line);
  });
  rl.on("close", () => {
    ended = true;
    void exited.then((code) => {
      for (const w of waiting.splice(0)) w.reject(new Error(`${name} exited (code ${code}) before reporting`));
    });
  });
  child.stdin.on("error", () => {}); // the child may be gone already when we close its stdin

  return {
    name,
    pid,
    exited,
    async nextReport<T>() {
      const buffered = lines.shift();
      const line =
        buffered ??
        (await new Promise<string>((resolve, reject) => {
          if (ended) {
            void exited.then((code) => reject(new Error(`${name} exited (code ${code}) before reporting`)));
          } else {
            waiting.push({ resolve, reject });
          }
        }));
      return JSON.parse(line) as T;
    },
    cpuMs: () => procCpuMs(pid),
    async stop() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}
