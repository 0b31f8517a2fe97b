import { parseArgs } from "node:util";
import { positiveFlag } from "./positive-flag.js";

export interface AuditBenchOptions {
  /** Measured seconds of each throughput run (after the warm-up). */
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Appends outstanding at once (closed loop). */
  readonly concurrency: number;
  /** The audit log's maxBatch. */
  readonly maxBatch: number;
  /** The audit log's maxInFlight. */
  readonly maxInFlight: number;
  /** Entries in the log the proofs are timed on. */
  readonly proofTreeSize: number;
  /** Random indices whose inclusion proofs are timed. */
  readonly proofs: number;
  /** PostgreSQL to bench against, or undefined to skip it. */
  readonly postgresUrl: string | undefined;
}

const defaultPostgres = process.env.HUTONG_TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

export const auditBenchUsage = `usage: npm run bench:audit -- [options]
  --seconds N        measured seconds per throughput run (default 5)
  --warmup N         warm-up seconds before each run, not counted (default 1)
  --concurrency N    appends outstanding at once (default 256)
  --max-batch N      the audit log's maxBatch (default 512)
  --in-flight N      the audit log's maxInFlight (default 1)
  --proof-size N     entries in the log the proofs are timed on (default 1000000)
  --proofs N         random inclusion proofs timed (default 5000)
  --postgres URL     PostgreSQL for the pg figures (default $HUTONG_TEST_POSTGRES_URL or ${defaultPostgres})
  --no-postgres      skip PostgreSQL
  --quick            smoke test: 1 s runs, 0.3 s warm-ups, proofs at 100000 entries`;

/** Parses the script's flags; throws Error with a message for the user on anything it does not know. */
export function parseAuditBenchOptions(argv: readonly string[]): AuditBenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      seconds: { type: "string" },
      warmup: { type: "string" },
      concurrency: { type: "string" },
      "max-batch": { type: "string" },
      "in-flight": { type: "string" },
      "proof-size": { type: "string" },
      proofs: { type: "string" },
      postgres: { type: "string" },
      "no-postgres": { type: "boolean", default: false },
      quick: { type: "boolean", default: false },
    },
  });
  const quick = values.quick === true;
  return {
    seconds: positiveFlag("seconds", values.seconds, quick ? 1 : 5, false),
    warmupSeconds: positiveFlag("warmup", values.warmup, quick ? 0.3 : 1, false),
    concurrency: positiveFlag("concurrency", values.concurrency, 256, true),
    maxBatch: positiveFlag("max-batch", values["max-batch"], 512, true),
    maxInFlight: positiveFlag("in-flight", values["in-flight"], 1, true),
    proofTreeSize: positiveFlag("proof-size", values["proof-size"], quick ? 100_000 : 1_000_000, true),
    proofs: positiveFlag("proofs", values.proofs, quick ? 1000 : 5000, true),
    postgresUrl: values["no-postgres"] === true ? undefined : (values.postgres ?? defaultPostgres),
  };
}
