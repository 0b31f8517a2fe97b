// A partner simulator as its own process (`--config FILE`): prints "listening URL" once it serves;
// SIGTERM or SIGINT closes it (server and store); a bad config: every problem on stderr, exit 2.
// Each simulator's entry is this with its own loader and server.

export interface SimulatorProcess<O> {
  /** The bin's name, for the usage line. */
  readonly bin: string;
  /** Reads and checks the config file; throws a config error (see `isConfigError`) when it is bad. */
  load(path: string): Promise<O>;
  start(options: O): Promise<{ readonly url: string; close(): Promise<void> }>;
  isConfigError(e: unknown): e is Error;
}

export async function runSimulatorProcess<O>(p: SimulatorProcess<O>): Promise<void> {
  const i = process.argv.indexOf("--config");
  const path = i > 0 ? process.argv[i + 1] : undefined;
  if (path === undefined) {
    console.error(`usage: ${p.bin} --config FILE`);
    process.exit(2);
  }
  try {
    const simulator = await p.start(await p.load(path));
    process.stdout.write(`listening ${simulator.url}\n`);
    const stop = () => {
      void simulator.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  } catch (e) {
    if (p.isConfigError(e)) {
      console.error(e.message);
      process.exit(2);
    }
    console.error(e);
    process.exit(1);
  }
}
