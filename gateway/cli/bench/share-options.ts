import { parseArgs } from "node:util";

export interface ShareOptions {
  /** Measured seconds of each load run (after its warm-up). */
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Counted rounds of (baseline, hutong), alternating which goes first. */
  readonly rounds: number;
  readonly concurrency: number;
  readonly connections: number;
  readonly handshakeSeconds: number;
  readonly handshakeLoops: number;
  /** Client processes the handshake loops are spread over. */
  readonly handshakeClients: number;
}

export const shareUsage = `usage: npm run bench:share -- [options]
  --seconds N            measured seconds per load run (default 5)
  --warmup N             warm-up seconds before each measurement, not counted (default 1)
  --rounds N             counted rounds of baseline and hutong, alternating which goes first (default 3)
  --concurrency N        calls in flight at once (default 64)
  --connections N        HTTP/2 connections the load is spread over (default 2)
  --handshake-seconds N  measured seconds of the handshake phase (default: --seconds)
  --handshake-loops N    concurrent client loops doing handshakes (default 8)
  --handshake-clients N  client processes the loops are spread over (default 4)
  --quick                smoke test: 1 round of 1 s runs, 0.5 s warm-ups (~30 s)`;

function positive(name: string, value: string | undefined, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`--${name} wants a positive ${integer ? "integer" : "number"}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Parses the flags; throws Error with a message for the user on anything it does not know. */
export function parseShareOptions(argv: readonly string[]): ShareOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      seconds: { type: "string" },
      warmup: { type: "string" },
      rounds: { type: "string" },
      concurrency: { type: "string" },
      connections: { type: "string" },
      "handshake-seconds": { type: "string" },
      "handshake-loops": { type: "string" },
      "handshake-clients": { type: "string" },
      quick: { type: "boolean", default: false },
    },
  });
  const quick = values.quick === true;
  const seconds = positive("seconds", values.seconds, quick ? 1 : 5, false);
  const options: ShareOptions = {
    seconds,
    warmupSeconds: positive("warmup", values.warmup, quick ? 0.5 : 1, false),
    rounds: positive("rounds", values.rounds, quick ? 1 : 3, true),
    concurrency: positive("concurrency", values.concurrency, 64, true),
    connections: positive("connections", values.connections, 2, true),
    handshakeSeconds: positive("handshake-seconds", values["handshake-seconds"], seconds, false),
    handshakeLoops: positive("handshake-loops", values["handshake-loops"], 8, true),
    handshakeClients: positive("handshake-clients", values["handshake-clients"], 4, true),
  };
  if (options.handshakeClients > options.handshakeLoops) {
    throw new Error(
      "--handshake-clients must not exceed --handshake-loops (each client process runs at least one loop)",
    );
  }
  return options;
}
