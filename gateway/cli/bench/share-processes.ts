// The parent side of bench:share's process protocol (share-protocol.ts): every server and every
// load run is its own Node process, started under this process's flags, so none of them shares
// an event loop with another.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface BenchProcess {
  readonly name: string;
  readonly pid: number;
  /** The child's next stdout line, parsed; rejects if it exits first. */
  next<T>(): Promise<T>;
  /** Sends a command line and waits for its answer (one command at a time per child). */
  ask<T>(command: string): Promise<T>;
  /** Resolves with the exit code once the child has exited. */
  readonly exited: Promise<number | null>;
  /** Closes its stdin (it cleans up and exits), then kills it if it is still there after 3 s. */
  stop(): Promise<void>;
  /** Last resort, synchronous. */
  kill(): void;
}

/** Runs `script` (a .ts file next to this one) with `args` as JSON. */
export function startProcess(name: string, script: string, args: unknown): BenchProcess {
  const path = new URL(script, import.meta.url).pathname;
  // HUTONG_BENCH_PROFILE=<script name>:<dir> writes a V8 CPU profile of those children, e.g.
  // "share-gateway.ts:/tmp/prof", for finding where a run's time goes.
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
      for (const w of waiting.splice(0)) w.reject(new Error(`${name} exited (code ${code}) before answering`));
    });
  });
  child.stdin.on("error", () => {}); // it may be gone already when we write or close
  const next = async <T>(): Promise<T> => {
    const line =
      lines.shift() ??
      (await new Promise<string>((resolve, reject) => {
        if (ended) void exited.then((code) => reject(new Error(`${name} exited (code ${code}) before answering`)));
        else waiting.push({ resolve, reject });
      }));
    const value = JSON.parse(line) as T & { error?: string };
    if (typeof value === "object" && value !== null && typeof value.error === "string") {
      throw new Error(`${name}: ${value.error}`);
    }
    return value;
  };
  let chain: Promise<unknown> = Promise.resolve();
  return {
    name,
    pid,
    exited,
    next,
    ask<T>(command: string) {
      const answer = chain.then(() => {
        child.stdin.write(`${command}\n`);
        return next<T>();
      });
      chain = answer.catch(() => {});
      return answer;
    },
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
