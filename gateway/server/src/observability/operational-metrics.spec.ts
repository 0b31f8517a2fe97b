import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { describe, it } from "node:test";
import {
  cosignCheckpoint,
  createCosignatureSigner,
  createNoteSigner,
  formatAddCheckpointRequest,
  signCheckpoint,
} from "@hutong/audit";
import { generateSm2PrivateKey } from "@hutong/certs";
import { errorCodeTrailer } from "@hutong/session";
import { Status, WireError } from "@hutong/wire";
import { selfSignedCert } from "@hutong/wire/testing";
import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { createTestPki } from "../testing.js";
import {
  type AuditMetricsSource,
  type CrlFreshness,
  countForkAlarms,
  createOperationalMetrics,
  credentialAuthorities,
  credentialCertificates,
  crlFreshness,
  operationalMetricNames as names,
  type OperationalMetricsSources,
  observeWitness,
  operationalPrometheusNames,
  type SubmittingWitness,
  tlsCertificates,
} from "./operational-metrics.js";

const day = 86_400;
const t0 = 1_780_000_000_000;
const origin = "hutong/prov:510000/audit/sm3";

function setUp(sources: OperationalMetricsSources) {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const metrics = createOperationalMetrics(provider.getMeter("test"), sources);
  const collect = async (): Promise<Map<string, MetricData>> => {
    exporter.reset();
    await reader.forceFlush();
    const byName = new Map<string, MetricData>();
    for (const rm of exporter.getMetrics()) {
      for (const sm of rm.scopeMetrics) for (const m of sm.metrics) byName.set(m.descriptor.name, m);
    }
    return byName;
  };
  return { metrics, collect, shutdown: () => provider.shutdown() };
}

type Point = { attributes: Record<string, unknown>; value: unknown };

/** Points in one order whatever the (random) serials in their attributes. */
function sorted(list: Point[]): Point[] {
  return list.sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes)));
}

function points(m: MetricData | undefined): Point[] {
  assert.ok(m, "metric present");
  return sorted(m.dataPoints.map((p) => ({ attributes: { ...p.attributes }, value: p.value })));
}

function value(m: MetricData | undefined): unknown {
  const [p, ...rest] = points(m);
  assert.equal(rest.length, 0, "one data point");
  return p?.value;
}

/** A signed checkpoint of `size`, cosigned by each witness key name at its time (ms). */
function checkpointNote(size: number, cosigners: ReadonlyArray<readonly [string, number]>): string {
  const note = signCheckpoint(createNoteSigner(origin, generateSm2PrivateKey()), {
    origin,
    size,
    root: new Uint8Array(32).fill(size),
  });
  const lines = cosigners.map(([name, at]) =>
    cosignCheckpoint(createCosignatureSigner(name, generateSm2PrivateKey()), note, at),
  );
  return `${note}${lines.join("")}`;
}

/** An audit log of `size` entries, entry i appended at base + i seconds. */
function fakeLog(
  size: number,
  latest: { size: number; note: string } | undefined,
  base: number,
  fail: { readonly head?: boolean; readonly entry?: boolean } = {},
): AuditMetricsSource {
  return {
    head: async () => {
      if (fail.head === true) throw new Error("store closed");
      return { size };
    },
    latestCheckpoint: async () => latest,
    entry: async (i) => {
      if (fail.entry === true) throw new Error("store closed");
      return i < size ? { timeMs: base + i * 1000 } : undefined;
    },
  };
}

describe("operational metrics", () => {
  it("report seconds until each of the gateway's certificates expires, by role and serial", async () => {
    const pki = createTestPki(new Date(t0));
    const gw = pki.party("prov:510000");
    const certificates = credentialCertificates({
      leaf: gw.cert,
      chain: pki.chain(gw),
      trust: { trustAnchors: [pki.root.cert], intermediates: [pki.ca.cert] },
    });
    const tls = selfSignedCert();
    const t = setUp({ certificates: () => [...certificates, ...tlsCertificates(tls.cert)], now: () => t0 });
    try {
      const got = points((await t.collect()).get(names.certificateExpiresIn));
      const tlsPoint = got.find((p) => p.attributes.role === "tls");
      assert.deepEqual(
        got.filter((p) => p !== tlsPoint),
        sorted([
          { attributes: { role: "anchor", serial: pki.root.cert.serialHex }, value: 3650 * day },
          { attributes: { role: "chain", serial: pki.ca.cert.serialHex }, value: 3650 * day },
          { attributes: { role: "identity", serial: gw.cert.serialHex }, value: 365 * day },
          { attributes: { role: "intermediate", serial: pki.ca.cert.serialHex }, value: 3650 * day },
        ]),
      );
      const x509 = new X509Certificate(tls.cert);
      assert.equal(tlsPoint?.attributes.serial, x509.serialNumber.toLowerCase());
      assert.equal(tlsPoint?.value, (Date.parse(x509.validTo) - t0) / 1000);
      assert.equal((await t.collect()).get(names.certificateExpiresIn)?.descriptor.unit, "s");
    } finally {
      await t.shutdown();
    }
  });

  it("report seconds until each issuer's CRL is due, the longest-lived one per issuer, and 0 without nextUpdate", async () => {
    const pki = createTestPki(new Date(t0));
    const [rootCrl, caCrl, holderCrl] = pki.crls;
    assert.ok(rootCrl && caCrl && holderCrl);
    const older = { ...rootCrl, nextUpdate: new Date(t0 - 3_600_000) };
    // The CA is known from the identity chain only, the root as a trust anchor; the holder-app CA not at all.
    const gw = pki.party("prov:510000");
    const authorities = credentialAuthorities({
      leaf: gw.cert,
      chain: pki.chain(gw),
      trust: { trustAnchors: [pki.root.cert] },
    });
    const { authorityKeyId: _, ...anonymous } = holderCrl;
    const freshness = crlFreshness([older, rootCrl, caCrl, holderCrl, anonymous], authorities);
    let extra: CrlFreshness[] = [{ issuerSerial: "legacy", nextUpdate: undefined }];
    const t = setUp({ crls: () => [...freshness, ...extra], now: () => t0 + 3600_000 });
    try {
      assert.deepEqual(
        points((await t.collect()).get(names.crlNextUpdateIn)),
        sorted([
          { attributes: { issuer_serial: pki.ca.cert.serialHex }, value: 7 * day - 3600 },
          { attributes: { issuer_serial: pki.root.cert.serialHex }, value: 7 * day - 3600 },
          { attributes: { issuer_serial: "legacy" }, value: 0 },
          {
            attributes: { issuer_serial: `aki-${Buffer.from(holderCrl.authorityKeyId ?? []).toString("hex")}` },
            value: 7 * day - 3600,
          },
          { attributes: { issuer_serial: "unmatched-4" }, value: 7 * day - 3600 },
        ]),
      );
      extra = [];
      const again = points((await t.collect()).get(names.crlNextUpdateIn));
      assert.equal(again.length, 5);
      assert.ok(
        again.every((p) => (p.attributes.issuer_serial === "legacy") === Number.isNaN(p.value)),
        "a CRL no longer loaded reads NaN, never its old value",
      );
    } finally {
      await t.shutdown();
    }
  });

  it("report the log's size, its checkpoint's size and age, the oldest uncheckpointed entry and who cosigned", async () => {
    const base = t0 - 100_000;
    const note = checkpointNote(7, [
      ["hutong/mot/witness", t0 - 50_000],
      ["hutong/rail:cr/witness", t0 - 10_000], // not configured: neither counted nor dated
    ]);
    const t = setUp({
      audit: { log: fakeLog(10, { size: 7, note }, base), witnesses: ["mot", "prov:440000"] },
      now: () => t0,
    });
    try {
      const m = await t.collect();
      assert.equal(value(m.get(names.auditEntries)), 10);
      assert.equal(value(m.get(names.auditCheckpointSize)), 7);
      assert.equal(value(m.get(names.auditUncheckpointedOldestAge)), 93, "entry 7 waits since base + 7 s");
      assert.equal(value(m.get(names.auditCheckpointAge)), 50, "the cosignature is newer than entry 6");
      assert.equal(m.get(names.auditCheckpointAge)?.descriptor.unit, "s");
      assert.equal(value(m.get(names.witnessesConfigured)), 2);
      assert.equal(value(m.get(names.witnessesCosigned)), 1);
      assert.deepEqual(points(m.get(names.witnessCosigned)), [
        { attributes: { witness: "mot" }, value: 1 },
        { attributes: { witness: "prov:440000" }, value: 0 },
      ]);
    } finally {
      await t.shutdown();
    }
  });

  it("date an uncosigned checkpoint by its newest entry, and report lag from entry 0 before the first", async () => {
    const base = t0 - 100_000;
    const witnesses = ["mot"];
    const signed = setUp({
      audit: { log: fakeLog(5, { size: 5, note: checkpointNote(5, []) }, base), witnesses },
      now: () => t0,
    });
    const none = setUp({ audit: { log: fakeLog(3, undefined, base), witnesses }, now: () => t0 });
    const empty = setUp({ audit: { log: fakeLog(0, undefined, base), witnesses: [] }, now: () => t0 });
    try {
      let m = await signed.collect();
      assert.equal(value(m.get(names.auditCheckpointAge)), 96, "entry 4 at base + 4 s");
      assert.equal(value(m.get(names.auditUncheckpointedOldestAge)), 0, "nothing waits");
      assert.equal(value(m.get(names.witnessesCosigned)), 0);

      m = await none.collect();
      assert.equal(value(m.get(names.auditCheckpointSize)), 0);
      assert.equal(value(m.get(names.auditUncheckpointedOldestAge)), 100, "entry 0 waits since base");
      assert.equal(m.has(names.auditCheckpointAge), false, "no checkpoint, no age");
      assert.deepEqual(points(m.get(names.witnessCosigned)), [{ attributes: { witness: "mot" }, value: 0 }]);

      m = await empty.collect();
      assert.equal(value(m.get(names.auditEntries)), 0);
      assert.equal(value(m.get(names.auditUncheckpointedOldestAge)), 0);
      assert.equal(value(m.get(names.witnessesConfigured)), 0);
      assert.equal(m.has(names.witnessCosigned), false);
    } finally {
      await Promise.all([signed.shutdown(), none.shutdown(), empty.shutdown()]);
    }
  });

  it("report nothing of the log before its first reading, then keep the last reading's ages growing while the store fails", async () => {
    const note = checkpointNote(2, []);
    const fail = { head: true, entry: false };
    let t = t0;
    const m = setUp({
      audit: { log: fakeLog(4, { size: 2, note }, t0 - 10_000, fail), witnesses: ["mot"] },
      crls: () => [{ issuerSerial: "01", nextUpdate: new Date(t0 + 1000) }],
      now: () => t,
    });
    try {
      let got = await m.collect();
      assert.equal(got.has(names.auditEntries), false, "no reading yet");
      assert.equal(value(got.get(names.crlNextUpdateIn)), 1, "the other gauges still report");

      fail.head = false;
      got = await m.collect();
      assert.equal(value(got.get(names.auditEntries)), 4);
      assert.equal(value(got.get(names.auditUncheckpointedOldestAge)), 8);
      assert.equal(value(got.get(names.auditCheckpointAge)), 9);

      // Any query failing (here the entry read) keeps the whole previous reading, aged to now.
      fail.entry = true;
      t += 60_000;
      got = await m.collect();
      assert.equal(value(got.get(names.auditEntries)), 4);
      assert.equal(value(got.get(names.auditCheckpointSize)), 2);
      assert.equal(value(got.get(names.auditUncheckpointedOldestAge)), 68);
      assert.equal(value(got.get(names.auditCheckpointAge)), 69);
      assert.deepEqual(points(got.get(names.witnessCosigned)), [{ attributes: { witness: "mot" }, value: 0 }]);
    } finally {
      await m.shutdown();
    }
  });

  it("count witness disagreements on both sides, from zero series for every configured peer", async () => {
    const t = setUp({
      audit: { log: fakeLog(0, undefined, t0), witnesses: ["mot"], witnessing: ["hutong/prov:440000/audit/sm3"] },
    });
    try {
      const log = (kind: string, v: number) => ({ attributes: { side: "log", peer: "mot", kind }, value: v });
      const wit = (kind: string, v: number) => ({
        attributes: { side: "witness", peer: "hutong/prov:440000/audit/sm3", kind },
        value: v,
      });
      assert.deepEqual(points((await t.collect()).get(names.witnessDisagreements)), [
        log("ahead", 0),
        log("bad-proof", 0),
        log("fork", 0),
        wit("bad-proof", 0),
        wit("fork", 0),
      ]);
      t.metrics.recordWitnessDisagreement({ witness: "mot", kind: "fork" });
      t.metrics.recordWitnessDisagreement({ witness: "mot", kind: "fork" });
      t.metrics.recordWitnessedInconsistency({ origin: "hutong/prov:440000/audit/sm3", kind: "bad-proof" });
      assert.deepEqual(points((await t.collect()).get(names.witnessDisagreements)), [
        log("ahead", 0),
        log("bad-proof", 0),
        log("fork", 2),
        wit("bad-proof", 1),
        wit("fork", 0),
      ]);
    } finally {
      await t.shutdown();
    }
  });

  it("classify a witness's answers for the publisher: fork, bad proof and a larger size count, the rest pass", async () => {
    const recorded: string[] = [];
    const body = formatAddCheckpointRequest({ oldSize: 0, proof: [], checkpointNote: checkpointNote(7, []) });
    let next: () => Promise<{ cosignature: string } | { conflictSize: number }> = async () => ({ cosignature: "x\n" });
    let closed = false;
    const base: SubmittingWitness & { close(): void } = {
      party: "mot",
      submit: () => next(),
      close: () => {
        closed = true;
      },
    };
    const witness = observeWitness(base, {
      recordWitnessDisagreement: ({ witness, kind }) => recorded.push(`${witness} ${kind}`),
    });
    assert.equal(witness.party, "mot");
    witness.close();
    assert.ok(closed, "the witness's own methods are kept");

    assert.deepEqual(await witness.submit(body), { cosignature: "x\n" });
    next = async () => ({ conflictSize: 3 });
    assert.deepEqual(await witness.submit(body), { conflictSize: 3 }, "behind us: a restart, not a disagreement");
    next = async () => ({ conflictSize: 7 });
    await witness.submit(body);
    assert.deepEqual(recorded, []);

    next = async () => ({ conflictSize: 9 });
    assert.deepEqual(await witness.submit(body), { conflictSize: 9 });
    for (const code of [Status.ABORTED, Status.INVALID_ARGUMENT, Status.UNAVAILABLE, Status.PERMISSION_DENIED]) {
      const error = new WireError(code, "refused");
      next = () => Promise.reject(error);
      await assert.rejects(witness.submit(body), (e) => e === error);
    }
    const sessionFailure = new WireError(Status.INVALID_ARGUMENT, "session: malformed", {
      trailers: { [errorCodeTrailer]: "malformed" },
    });
    next = () => Promise.reject(sessionFailure);
    await assert.rejects(witness.submit(body), (e) => e === sessionFailure);
    next = () => Promise.reject(new Error("socket hang up"));
    await assert.rejects(witness.submit(body), /socket hang up/);
    assert.deepEqual(recorded, ["mot ahead", "mot fork", "mot bad-proof"]);
  });

  it("count the witness endpoint's fork alarms and still log every line", () => {
    const logged: string[] = [];
    const counted: string[] = [];
    const logger = countForkAlarms(
      { error: (_facts, message) => logged.push(message) },
      { recordWitnessedInconsistency: ({ origin, kind }) => counted.push(`${origin} ${kind}`) },
    );
    logger.error({ alarm: "audit-fork", origin, outcome: "same-size-different-root" }, "fork 1");
    logger.error({ alarm: "audit-fork", origin, outcome: "bad-proof" }, "fork 2");
    logger.error({ err: new Error("x") }, "something else");
    assert.deepEqual(logged, ["fork 1", "fork 2", "something else"]);
    assert.deepEqual(counted, [`${origin} fork`, `${origin} bad-proof`]);
  });

  it("are scraped by Prometheus under the names the alert rules use", async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
    const provider = new MeterProvider({ readers: [exporter] });
    const note = checkpointNote(1, []);
    const metrics = createOperationalMetrics(provider.getMeter("test"), {
      certificates: () => [{ role: "identity", serial: "0a", notAfter: new Date(t0 + 1000) }],
      crls: () => [{ issuerSerial: "0b", nextUpdate: new Date(t0 + 1000) }],
      audit: { log: fakeLog(2, { size: 1, note }, t0), witnesses: ["mot"] },
      now: () => t0,
    });
    metrics.recordWitnessDisagreement({ witness: "mot", kind: "fork" });
    try {
      const { resourceMetrics } = await exporter.collect();
      const text = new PrometheusSerializer(undefined, false, undefined, true, true).serialize(resourceMetrics);
      const sampled = new Set(
        text
          .split("\n")
          .filter((l) => l !== "" && !l.startsWith("#"))
          .map((l) => l.split(/[{ ]/, 1)[0]),
      );
      assert.deepEqual([...sampled].sort(), Object.values(operationalPrometheusNames).sort());
      assert.match(text, /hutong_audit_witness_disagreements_total\{side="log",peer="mot",kind="fork"\} 1/);
    } finally {
      await provider.shutdown();
    }
  });
});
