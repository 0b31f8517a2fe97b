// deploy/prometheus/ checked with the real promtool (Debian's prometheus package), and the rules'
// metric names checked against what a real gateway serves on /metrics.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  type Credentials,
  createGrpcJsTransport,
  createSessionClient,
  loadCredentialFiles,
  type SessionClient,
  type UnaryTransport,
} from "@hutong/client";
import { parseGatewayConfig, type RunningGateway, startGateway } from "@hutong/gateway";
import { openDevPki, startSimulatedBackend } from "@hutong/gateway/dev";
import { parse, stringify } from "yaml";
import { missingTool } from "./deploy-tools.js";

const dir = fileURLToPath(new URL("../prometheus/", import.meta.url));
const configFile = join(dir, "prometheus.yml");
const rulesFile = join(dir, "rules", "hutong-alerts.yml");
const testsFile = join(dir, "rules", "hutong-alerts.test.yml");
const runbookFile = fileURLToPath(new URL("../../docs/operations/alerts.md", import.meta.url));
const skip = missingTool("promtool");

/**
 * What the rules read that the gateway does not export yet. Remove each entry as it lands: the test
 * fails while an entry here is already exported, so the list cannot go stale.
 */
const pending = {
  metrics: new Set<string>(),
  /** metric{label}: a label the rules match on that the metric does not carry yet. */
  labels: new Set<string>(),
  /** Label names the rules group or template by that only the pending metrics carry. */
  labelNames: new Set<string>(),
};
/** Labels Prometheus itself attaches (the scrape and targets/gateways.json), never in /metrics. */
const targetLabels = new Set(["job", "instance", "party", "gateway_role", "namespace", "pod"]);

function promtool(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync("promtool", args, { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

interface Rule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to '-'. */
function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function rules(): Rule[] {
  const doc = parse(readFileSync(rulesFile, "utf8")) as { groups: { rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

describe("Prometheus config and rules (deploy/prometheus)", () => {
  it("promtool check config accepts prometheus.yml, its rule files and its file_sd targets", { skip }, () => {
    const r = promtool("check", "config", configFile);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /SUCCESS: 1 rule files found/);
  });

  it("promtool check rules accepts the rules", { skip }, () => {
    const r = promtool("check", "rules", rulesFile);
    assert.equal(r.status, 0, r.output);
  });

  it("promtool test rules passes every unit test", { skip }, () => {
    const r = promtool("test", "rules", testsFile);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /SUCCESS/);
  });

  it("promtool check rules refuses a rule with a bad PromQL expression", { skip }, () => {
    const tmp = mkdtempSync(join(tmpdir(), "hutong-promtool-"));
    try {
      const bad = join(tmp, "bad.yml");
      writeFileSync(
        bad,
        stringify({ groups: [{ name: "g", rules: [{ alert: "Broken", expr: "sum by (job) (rate(up[5m])" }] }] }),
      );
      const r = promtool("check", "rules", bad);
      assert.notEqual(r.status, 0, r.output);
      assert.match(r.output, /parse error|unclosed left parenthesis/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("the commented Kubernetes job turns pod labels into the party and role the alerts group by", { skip }, () => {
    // Debian's Prometheus is built without kubernetes_sd, so the job's discovery is swapped for
    // static targets carrying the same __meta_ labels; the relabelling is what is checked.
    const text = readFileSync(configFile, "utf8");
    const start = text.indexOf("  # - job_name: hutong-gateway");
    assert.ok(start > 0, "the commented kubernetes_sd job is in prometheus.yml");
    const uncommented = text
      .slice(start)
      .split("\n")
      .filter((l) => l.startsWith("  # "))
      .map((l) => `  ${l.slice(4)}`)
      .join("\n");
    const [job] = parse(uncommented) as Record<string, unknown>[];
    assert.ok(job?.kubernetes_sd_configs, "the job discovers pods");
    delete job.kubernetes_sd_configs;
    const pod = (address: string, instance: string, port: string) => ({
      targets: [address],
      labels: {
        __meta_kubernetes_pod_label_app_kubernetes_io_name: "hutong-gateway",
        __meta_kubernetes_pod_label_app_kubernetes_io_component: "gateway",
        __meta_kubernetes_pod_label_app_kubernetes_io_instance: instance,
        __meta_kubernetes_pod_container_port_name: port,
        __meta_kubernetes_namespace: `ns-${instance}`,
        __meta_kubernetes_pod_name: `pod-${instance}`,
      },
    });
    job.static_configs = [
      pod("192.0.2.1:9464", "prov-510000", "metrics"),
      pod("192.0.2.2:9464", "mot", "metrics"),
      pod("192.0.2.2:7443", "mot", "grpc"),
    ];
    const tmp = mkdtempSync(join(tmpdir(), "hutong-promtool-"));
    try {
      const file = join(tmp, "prometheus.yml");
      writeFileSync(file, stringify({ scrape_configs: [job] }));
      const r = promtool("check", "service-discovery", "--timeout=1s", file, "hutong-gateway");
      assert.equal(r.status, 0, r.output);
      const targets = (JSON.parse(r.output.slice(r.output.indexOf("["))) as { labels: Record<string, string> }[])
        .map((t) => t.labels)
        .filter((l) => Object.keys(l).length > 0)
        .map((l) => ({ instance: l.instance, party: l.party, gateway_role: l.gateway_role, job: l.job }))
        .sort((a, b) => String(a.instance).localeCompare(String(b.instance)));
      assert.deepEqual(targets, [
        { instance: "192.0.2.1:9464", party: "prov:510000", gateway_role: "province", job: "hutong-gateway" },
        { instance: "192.0.2.2:9464", party: "mot", gateway_role: "hub", job: "hutong-gateway" },
      ]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("every alert has a severity, a summary, a description and its runbook section", () => {
    const alerts = rules().filter((r) => r.alert !== undefined);
    assert.ok(alerts.length >= 15);
    for (const a of alerts) {
      const name = a.alert ?? "";
      assert.ok(["warning", "critical"].includes(a.labels?.severity ?? ""), `${name}: severity`);
      assert.ok(a.annotations?.summary, `${name}: summary`);
      assert.ok(a.annotations?.description, `${name}: description`);
      assert.equal(a.annotations?.runbook_url, `docs/operations/alerts.md#${name.toLowerCase()}`, name);
    }
    assert.equal(new Set(alerts.map((a) => a.alert)).size, alerts.length, "alert names are unique");
  });

  it("docs/operations/alerts.md has one section per alert, in the rules' order, and none for an alert not defined", () => {
    const names = rules().flatMap((r) => (r.alert === undefined ? [] : [r.alert]));
    const headings = [...readFileSync(runbookFile, "utf8").matchAll(/^## (.+?)\s*$/gm)].map((m) => m[1] ?? "");
    const anchors = new Map(headings.map((h) => [githubAnchor(h), h]));
    for (const a of rules().filter((r) => r.alert !== undefined)) {
      const anchor = (a.annotations?.runbook_url ?? "").split("#")[1] ?? "";
      assert.equal(anchors.get(anchor), a.alert, `${a.alert}: no "## ${a.alert}" section for #${anchor} in alerts.md`);
    }
    const defined = new Set(names);
    const stray = headings.filter((h) => /^Hutong/.test(h) && !defined.has(h));
    assert.deepEqual(stray, [], "alerts.md has sections for alerts the rules do not define");
    assert.deepEqual(
      headings.filter((h) => defined.has(h)),
      names,
      "alerts.md's sections are in the rules file's order, one each",
    );
  });

  it("every alert has a unit test where it fires and one where it does not", () => {
    const doc = parse(readFileSync(testsFile, "utf8")) as {
      tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
    };
    const cases = doc.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const name of rules().flatMap((r) => (r.alert === undefined ? [] : [r.alert]))) {
      const mine = cases.filter((c) => c.alertname === name);
      assert.ok(
        mine.some((c) => (c.exp_alerts ?? []).length > 0),
        `${name}: no case where it fires`,
      );
      assert.ok(
        mine.some((c) => (c.exp_alerts ?? []).length === 0),
        `${name}: no case where it stays quiet`,
      );
    }
  });

  it("every metric the rules read is one a running gateway exports", { timeout: 120_000 }, async () => {
    const used = metricsUsed(rules());
    const scrape = await scrapeGateway();

    const missing = [...used.metrics].filter((m) => !scrape.labels.has(m) && !pending.metrics.has(m));
    assert.deepEqual(missing, [], `the rules read metrics the gateway does not export:\n${scrape.text}`);
    const landed = [...pending.metrics].filter((m) => scrape.labels.has(m));
    assert.deepEqual(landed, [], "exported now: remove from `pending.metrics` in this spec");
    assert.deepEqual(
      [...pending.metrics].filter((m) => !used.metrics.has(m)),
      [],
      "pending metrics the rules no longer read",
    );

    for (const { metric, label, value } of used.matchers) {
      const key = `${metric}{${label}}`;
      if (pending.metrics.has(metric) || targetLabels.has(label)) continue;
      const has = scrape.labels.get(metric)?.get(label);
      if (pending.labels.has(key)) {
        assert.equal(has, undefined, `${key} is exported now: remove it from \`pending.labels\` in this spec`);
        continue;
      }
      assert.ok(has, `the rules match ${key}, which the gateway does not export`);
      if (value !== undefined) assert.ok(has.has(value), `the rules match ${metric}{${label}="${value}"}: never seen`);
    }

    const exportedNames = new Set([...scrape.labels.values()].flatMap((byLabel) => [...byLabel.keys()]));
    const unknown = [...used.labelNames].filter(
      (l) => !exportedNames.has(l) && !targetLabels.has(l) && !pending.labelNames.has(l),
    );
    assert.deepEqual(unknown, [], "label names the rules group or template by that no hutong metric carries");
  });
});

interface UsedSeries {
  readonly metrics: Set<string>;
  readonly matchers: { readonly metric: string; readonly label: string; readonly value: string | undefined }[];
  /** Labels in by/on/without/ignoring clauses and in `$labels.x` templates. */
  readonly labelNames: Set<string>;
}

/**
 * The hutong series the rules read. Every metric of ours starts with hutong_ (recording rules'
 * outputs with hutong:), so a token scan of the expressions finds them all; `up` is Prometheus's own.
 */
function metricsUsed(list: readonly Rule[]): UsedSeries {
  const used: UsedSeries = { metrics: new Set(), matchers: [], labelNames: new Set() };
  for (const rule of list) {
    for (const m of rule.expr.matchAll(/\bhutong_[a-z0-9_]+/g)) used.metrics.add(m[0]);
    for (const m of rule.expr.matchAll(/\b(hutong_[a-z0-9_]+)\s*\{([^}]*)\}/g)) {
      for (const matcher of (m[2] ?? "").matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)) {
        const [, label = "", op, value] = matcher;
        used.matchers.push({ metric: m[1] ?? "", label, value: op === "=" ? value : undefined });
      }
    }
    for (const m of rule.expr.matchAll(/\b(?:by|on|without|ignoring)\s*\(([^)]*)\)/g)) {
      for (const l of (m[1] ?? "").split(",")) if (l.trim() !== "") used.labelNames.add(l.trim());
    }
    for (const text of Object.values(rule.annotations ?? {})) {
      for (const m of text.matchAll(/\$labels\.(\w+)/g)) used.labelNames.add(m[1] ?? "");
    }
  }
  return used;
}

interface Scrape {
  readonly text: string;
  /** Sample name (as scraped: _total, _bucket included) → label → values seen. */
  readonly labels: Map<string, Map<string, Set<string>>>;
}

function parseScrape(text: string): Scrape {
  const labels = new Map<string, Map<string, Set<string>>>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (m === null) continue;
    const byLabel = labels.get(m[1] ?? "") ?? new Map<string, Set<string>>();
    labels.set(m[1] ?? "", byLabel);
    for (const pair of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      const values = byLabel.get(pair[1] ?? "") ?? new Set<string>();
      values.add(pair[2] ?? "");
      byLabel.set(pair[1] ?? "", values);
    }
  }
  return { text, labels };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A province gateway with Prometheus on, a witness configured (unreachable: it shows as missing),
 * after a good handshake and a call, a handshake refused (a certificate of another PKI), a call whose
 * bytes were changed after its MAC, an audit entry and checkpoint, and an outbox message that
 * becomes a dead letter (its destination is no peer of this gateway): so every series the rules
 * read has a reason to exist. Returns its /metrics once the outbox figures show.
 */
async function scrapeGateway(): Promise<Scrape> {
  const work = await mkdtemp(join(tmpdir(), "hutong-prom-gw-"));
  const party = "prov:510000";
  const system = "prov:510000/ticketing";
  const clients: SessionClient[] = [];
  let gateway: RunningGateway | undefined;
  const backend = await startSimulatedBackend("510000");
  try {
    const pki = await openDevPki(join(work, "pki"), [
      { id: party, role: "gateway" },
      { id: system, role: "system" },
    ]);
    const foreign = await openDevPki(join(work, "foreign-pki"), [{ id: system, role: "system" }]);
    const config = parseGatewayConfig(
      {
        party,
        role: "province",
        listen: { host: "127.0.0.1", port: 0 },
        dataDir: work,
        identity: pki.party(party),
        trust: { anchors: [pki.rootCert], crls: pki.crls, crlRefreshSeconds: 3600 },
        session: { ticketKeys: { current: { id: 1, secretFile: await pki.ticketKeyFile("gw") } } },
        routes: [{ match: party, local: backend.address, timeoutMs: 3000 }],
        acl: [],
        audit: { witnesses: [{ party: "mot", address: "127.0.0.1:1" }] },
        outbox: { pollIntervalMs: 100 },
        observability: { logLevel: "silent", prometheus: { host: "127.0.0.1", port: 0 } },
      },
      work,
    );
    gateway = await startGateway({ config });
    const address = `127.0.0.1:${gateway.address.port}`;

    // Both clients trust the gateway's PKI; the foreign one signs with a chain of another root.
    const own = await loadCredentialFiles({ ...pki.party(system), anchors: [pki.rootCert], crls: pki.crls });
    const foreignChain = await loadCredentialFiles({
      ...foreign.party(system),
      anchors: [pki.rootCert],
      crls: pki.crls,
    });
    const session = (creds: Credentials, wrap?: (t: UnaryTransport) => UnaryTransport) => {
      const transport = createGrpcJsTransport(address);
      const client = createSessionClient({
        transport: wrap === undefined ? transport : wrap(transport),
        serverParty: party,
        privateKey: creds.privateKey,
        chain: creds.chain,
        trust: creds.trust,
        crls: () => creds.crls,
      });
      clients.push(client);
      return client;
    };

    const verify = "/hutong.v1.TicketService/VerifyTicket";
    const body = Buffer.from([0x0a, 0x00]);
    await session(own)
      .call(verify, body)
      .catch(() => undefined); // a handshake, then a refused call
    await session(foreignChain)
      .call(verify, body)
      .catch(() => undefined); // a handshake refused
    const tamper = (t: UnaryTransport): UnaryTransport => ({
      ...t,
      unary: (path, bytes, metadata, options) =>
        t.unary(path, path === verify ? Buffer.concat([bytes, Buffer.from([0])]) : bytes, metadata, options),
      close: () => t.close(),
    });
    await session(own, tamper)
      .call(verify, body)
      .catch(() => undefined); // a bad MAC

    await gateway.auditLog.append({
      bytes: new Uint8Array([1, 2, 3]),
      timeMs: Date.now(),
      requesterParty: system,
      ownerParty: party,
      subjectDigest: null,
      grantId: null,
      decision: "deny",
      reason: "acl-denied",
      correlationId: "prometheus-spec",
      traceId: "0".repeat(32),
    });
    await gateway.publishCheckpoint();
    await gateway.store.enqueueOutbox(
      [
        {
          topic: "grant-revocation",
          destination: "prov:440000",
          idempotencyKey: "prometheus-spec",
          orderingKey: null,
          payload: new Uint8Array([0, 0, 0, 1]),
        },
      ],
      Date.now(),
    );

    const metrics = gateway.telemetry.prometheusAddress;
    assert.ok(metrics, "the gateway serves /metrics");
    const deadline = Date.now() + 30_000;
    for (;;) {
      const scrape = parseScrape(await (await fetch(`http://${metrics.host}:${metrics.port}/metrics`)).text());
      const dead = scrape.labels.get("hutong_outbox_dead_lettered_total");
      if (dead !== undefined) return scrape;
      if (Date.now() > deadline) throw new Error(`no dead letter in the outbox metrics:\n${scrape.text}`);
      await sleep(200);
    }
  } finally {
    for (const c of clients) c.close();
    await gateway?.close();
    await backend.close();
    await rm(work, { recursive: true, force: true });
  }
}
