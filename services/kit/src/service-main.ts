import type { ServiceLog } from "./unary-service.js";

/** What a reference service's process entry needs to know of its service. */
export interface ServiceMain<C> {
  load(path: string): Promise<C>;
  start(config: C, log: ServiceLog): Promise<{ readonly address: string; close(): Promise<void> }>;
  /** The service's own errors, printed as their message (a config problem); anything else with its stack. */
  isOwnError(e: unknown): e is Error;
}

/**
 * A reference service as its own process: `--config FILE`, "listening <host:port>" on stdout when it
 * serves, SIGTERM closes it (SIGKILL loses nothing acknowledged: every answer follows its commit).
 * Errors go to stderr by name only: a log line never carries request content.
 */
export async function runServiceMain<C>(main: ServiceMain<C>, argv: readonly string[] = process.argv): Promise<void> {
  const i = argv.indexOf("--config");
  const path = i > 0 ? argv[i + 1] : undefined;
  if (path === undefined) {
    console.error("usage: service-main --config FILE");
    process.exit(2);
  }
  const log: ServiceLog = {
    error: (message, cause) => console.error(`${message}: ${cause instanceof Error ? cause.name : "error"}`),
  };
  try {
    const running = await main.start(await main.load(path), log);
    process.stdout.write(`listening ${running.address}\n`);
    process.once("SIGTERM", () => {
      void running.close().then(() => process.exit(0));
    });
  } catch (e) {
    console.error(main.isOwnError(e) ? e.message : e);
    process.exit(1);
  }
}
