// The child side of bench:share's process protocol (share-protocol.ts): the JSON argument, JSON
// lines to the parent, commands from it on stdin, and exit when the parent goes away.
import { createInterface } from "node:readline";
import type { CpuReport } from "./share-protocol.js";

export function childArgs<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error("bench child started without its JSON argument");
  return JSON.parse(raw) as T;
}

/** Writes one JSON line and resolves once the pipe has taken it. */
export function report(value: unknown): Promise<void> {
  return new Promise((resolve, reject) =>
    process.stdout.write(`${JSON.stringify(value)}\n`, (err) => (err ? reject(err) : resolve())),
  );
}

/** This process's CPU time so far (user + system, all threads), µs. */
export function cpuNow(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/**
 * Serves the parent: each stdin line is a command answered with one JSON line ("cpu" is always
 * known; `commands` adds others). When stdin ends, which also happens when the parent dies
 * however it dies, runs `cleanup` and exits, so a killed benchmark leaves no servers behind.
 */
export function serveParent(
  cleanup: () => Promise<void> = async () => {},
  commands: Readonly<Record<string, () => unknown | Promise<unknown>>> = {},
): void {
  let exiting = false;
  const exit = () => {
    if (exiting) return;
    exiting = true;
    setTimeout(() => process.exit(0), 3000).unref();
    cleanup().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    const command = line.trim();
    const run = command === "cpu" ? () => ({ cpuUs: cpuNow() }) satisfies CpuReport : commands[command];
    if (run === undefined) {
      void report({ error: `unknown command ${JSON.stringify(command)}` });
      return;
    }
    Promise.resolve(run()).then(report, (e: unknown) => report({ error: e instanceof Error ? e.message : String(e) }));
  });
  lines.on("close", exit);
  process.stdin.on("error", exit);
  process.on("SIGTERM", exit);
}

/** Runs a child's main, turning any failure into a message on stderr and exit code 1. */
export function runChild(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
}
