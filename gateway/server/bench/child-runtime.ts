// The child side of the benchmark's process protocol (see bench-protocol.ts).

/** The JSON argument the parent passed. */
export function childArgs<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error("benchmark child started without its JSON argument");
  return JSON.parse(raw) as T;
}

/** Writes one JSON line for the parent and resolves once the pipe has taken it. */
export function reportToParent(value: unknown): Promise<void> {
  return new Promise((resolve, reject) =>
    process.stdout.write(`${JSON.stringify(value)}\n`, (err) => (err ? reject(err) : resolve())),
  );
}

/**
 * Exits (after `cleanup`) when the parent closes our stdin, which also happens when the parent
 * dies however it dies, so a killed benchmark leaves no servers behind. Reading stdin keeps the
 * process alive: a server child waits here until it is told to stop.
 */
export function exitWithParent(cleanup: () => Promise<void> = async () => {}): void {
  let exiting = false;
  const exit = () => {
    if (exiting) return;
    exiting = true;
    const force = setTimeout(() => process.exit(0), 3000);
    force.unref();
    cleanup().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.stdin.on("end", exit);
  process.stdin.on("error", exit);
  process.stdin.resume();
  process.on("SIGTERM", exit);
}

/** Runs a child's main, turning any failure into a message on stderr and exit code 1. */
export function runChild(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
}
