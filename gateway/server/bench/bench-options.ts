import { parseArgs } from "node:util";
import { positiveFlag } from "./positive-flag.js";

export interface BenchOptions {
  /** Measured seconds of each load run (after the warm-up). */
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Rounds of (baseline, hutong). */
  readonly rounds: number;
  /** Streams in flight at once. */
  readonly concurrency: number;
  readonly connections: number;
  readonly handshakeSeconds: number;
  readonly handshakeLoops: number;
  /** Client processes the handshake loops are spread over. */
  readonly handshakeClients: number;
  /** The session's protection on hutong: SM4 (the default), or plaintext (MACs only) to see what SM4 costs. */
  readonly protection: "sm4" | "plaintext";
}

export const benchUsage = `usage: npm run bench:gateway -- [options]
  --seconds N          measured seconds per load run (default 5)
  --warmup N           warm-up seconds before each measurement, not counted (default 1)
  --rounds N           interleaved rounds of baseline then hutong (default 3)
  --concurrency N      gRPC calls in flight at once (default 64)
  --connections N      HTTP/2 connections the load is spread over (default 2)
  --handshake-seconds N  measured seconds of the handshake phase (default: --seconds)
  --handshake-loops N  concurrent client loops doing handshakes (default 8)
  --handshake-clients N  client processes the loops are spread over (default 4)
  --protection P       hutong's sessions: sm4 (default) or plaintext (the gateway allows it for the
                       generator; MACs only), to measure what encryption costs in the same setup
  --quick              smoke test: 1 round of 1 s runs, 0.5 s warm-ups`;

function protectionFlag(value: string | undefined): "sm4" | "plaintext" {
  if (value === undefined || value === "sm4" || value === "plaintext") return value ?? "sm4";
  throw new Error(`--protection wants sm4 or plaintext, got ${JSON.stringify(value)}`);
}

/** Parses the script's flags; throws Error with a message for the user on anything it does not know. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
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
      protection: { type: "string" },
      quick: { type: "boolean", default: false },
    },
  });
  const quick = values.quick === true;
  const seconds = positiveFlag("seconds", values.seconds, quick ? 1 : 5, false);
  const options: BenchOptions = {
    seconds,
    warmupSeconds: positiveFlag("warmup", values.warmup, quick ? 0.5 : 1, false),
    rounds: positiveFlag("rounds", values.rounds, quick ? 1 : 3, true),
    concurrency: positiveFlag("concurrency", values.concurrency, 64, true),
    connections: positiveFlag("connections", values.connections, 2, true),
    handshakeSeconds: positiveFlag("handshake-seconds", values["handshake-seconds"], seconds, false),
    handshakeLoops: positiveFlag("handshake-loops", values["handshake-loops"], 8, true),
    handshakeClients: positiveFlag("handshake-clients", values["handshake-clients"], 4, true),
    protection: protectionFlag(values.protection),
  };
  if (options.handshakeClients > options.handshakeLoops) {
    throw new Error(
      "--handshake-clients must not exceed --handshake-loops (each client process runs at least one loop)",
    );
  }
  return options;
}
