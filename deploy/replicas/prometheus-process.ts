import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type ManagedProcess, startManagedProcess } from "./managed-process.js";

export interface RunningPrometheus {
  readonly process: ManagedProcess;
  readonly url: string;
  /** An instant query through the HTTP API: each series' labels and value. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: number }[]>;
  stop(): Promise<void>;
}

/**
 * Debian's Prometheus, scraping the given jobs every second, its data in `dir`. The rules and the
 * scrape shape of a deployment are deploy/prometheus/; this one only proves the replicas and the
 * proxy can be scraped for real.
 */
export async function startPrometheus(
  dir: string,
  listen: string,
  jobs: Record<string, readonly string[]>,
): Promise<RunningPrometheus> {
  const config = join(dir, "prometheus.yml");
  const scrape = Object.entries(jobs).map(([job, targets]) => ({
    job_name: job,
    scrape_interval: "1s",
    scrape_timeout: "900ms",
    static_configs: [{ targets }],
  }));
  await writeFile(config, JSON.stringify({ global: { scrape_interval: "1s" }, scrape_configs: scrape }, null, 2));
  const proc = startManagedProcess("prometheus", "prometheus", [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, "tsdb")}`,
    `--web.listen-address=${listen}`,
    "--web.enable-lifecycle",
  ]);
  const url = `http://${listen}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`prometheus did not become ready:\n${proc.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    process: proc,
    url,
    async query(promql) {
      const r = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await r.json()) as {
        status: string;
        error?: string;
        data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== "success") throw new Error(`query ${promql}: ${body.error ?? r.status}`);
      return (body.data?.result ?? []).map((s) => ({ metric: s.metric, value: Number(s.value[1]) }));
    },
    stop: () => proc.stop(),
  };
}
