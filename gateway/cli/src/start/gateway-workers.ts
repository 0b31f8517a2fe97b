import cluster from "node:cluster";
import type { GatewayConfig } from "@hutong/gateway";
import { UsageError } from "../support/usage-error.js";

/**
 * `hutong start --workers N`: one gateway on every core, as N processes sharing its listening
 * port (node:cluster hands each new connection to the next worker). Each worker is a replica on
 * one host: it has its own replay window, handshake buckets and caches, so the same rule as for
 * replicas behind a proxy holds — a call replayed on another connection may reach another worker,
 * and only a window the workers share refuses it. Hence more than one worker needs
 * `session.replayWindow: shared`, which needs the PostgreSQL store (a SQLite file is one
 * process's); the check says so before anything starts.
 */
export function checkWorkers(workers: number, config: GatewayConfig): void {
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    throw new UsageError("--workers must be an integer from 1 to 64");
  }
  if (workers === 1) return;
  if (config.store.kind !== "postgres" || config.session.replayWindow !== "shared") {
    throw new UsageError(
      `--workers ${workers}: each worker is a process with its own replay window, so a replayed call could ` +
        "reach another worker; run several workers only with session.replayWindow: shared on a PostgreSQL " +
        "store (docs/deployment.md §2)",
    );
  }
}

/**
 * Worker k (1-based) serves its metrics on the configured Prometheus port + k − 1: a port the
 * workers shared would answer each scrape from whichever worker got the connection.
 */
export function workerConfig(config: GatewayConfig, worker: number): GatewayConfig {
  const { prometheus } = config.observability;
  if (prometheus === undefined || worker <= 1) return config;
  return {
    ...config,
    observability: { ...config.observability, prometheus: { ...prometheus, port: prometheus.port + worker - 1 } },
  };
}

/**
 * In the primary: forks the workers, restarts one that dies unexpectedly (as a supervisor would
 * restart a replica), and passes SIGTERM and SIGINT on; resolves when every worker has exited after
 * a stop. Never returns in a worker.
 */
export async function runWorkers(workers: number, log: (line: string) => void): Promise<void> {
  let stopping = false;
  const fork = (index: number) => {
    const worker = cluster.fork({ HUTONG_WORKER: String(index) });
    worker.on("exit", (code, signal) => {
      if (stopping) return;
      log(`hutong: worker ${index} (pid ${worker.process.pid}) exited (${signal ?? code}); starting it again`);
      fork(index);
    });
  };
  for (let i = 1; i <= workers; i++) fork(i);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      stopping = true;
      const alive = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined && !w.isDead());
      if (alive.length === 0) resolve();
      let left = alive.length;
      for (const w of alive) {
        w?.once("exit", () => {
          if (--left === 0) resolve();
        });
        w?.process.kill(signal);
      }
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGTERM"));
  });
}

/** This process's worker number (1-based), or undefined outside a cluster. */
export function workerIndex(): number | undefined {
  if (!cluster.isWorker) return undefined;
  const n = Number(process.env.HUTONG_WORKER);
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}
