import { X509Certificate } from "node:crypto";
import { parseAddCheckpointRequest, parseCheckpoint, parseNote } from "@hutong/audit";
import { type Certificate, type Crl, parseCertificate } from "@hutong/certs";
import { errorCodeTrailer } from "@hutong/session";
import { isWireError, Status } from "@hutong/wire";
import type { Attributes, Counter, Meter, ObservableResult } from "@opentelemetry/api";

/**
 * What an operator must be warned of before it breaks the federation, and what the alert rules in
 * deploy/prometheus/rules/hutong-alerts.yml read: this gateway's certificates and CRLs running out,
 * its audit log falling behind its checkpoints, and its witnesses missing or disagreeing
 * (docs/audit-checkpoints.md). Gauges read callbacks the composition root supplies at each
 * collection. Labels are certificate roles and serials, CA serials, witness party ids and log
 * origins only: nothing of a data subject, so no personal data can reach them.
 */
export const operationalMetricNames = {
  certificateExpiresIn: "hutong.gateway.certificate.expires_in",
  crlNextUpdateIn: "hutong.gateway.crl.next_update_in",
  auditEntries: "hutong.audit.entries",
  auditCheckpointSize: "hutong.audit.checkpoint.size",
  auditCheckpointAge: "hutong.audit.checkpoint.age",
  auditUncheckpointedOldestAge: "hutong.audit.uncheckpointed.oldest_age",
  witnessesConfigured: "hutong.audit.witnesses.configured",
  witnessesCosigned: "hutong.audit.witnesses.cosigned",
  witnessCosigned: "hutong.audit.witness.cosigned",
  witnessDisagreements: "hutong.audit.witness.disagreements",
} as const;

/**
 * The same, as Prometheus scrapes them: exporter-prometheus turns dots into underscores, adds
 * `_total` to counters and no unit suffix (so `_age` and `_in` are seconds, as each description says).
 */
export const operationalPrometheusNames = {
  certificateExpiresIn: "hutong_gateway_certificate_expires_in",
  crlNextUpdateIn: "hutong_gateway_crl_next_update_in",
  auditEntries: "hutong_audit_entries",
  auditCheckpointSize: "hutong_audit_checkpoint_size",
  auditCheckpointAge: "hutong_audit_checkpoint_age",
  auditUncheckpointedOldestAge: "hutong_audit_uncheckpointed_oldest_age",
  witnessesConfigured: "hutong_audit_witnesses_configured",
  witnessesCosigned: "hutong_audit_witnesses_cosigned",
  witnessCosigned: "hutong_audit_witness_cosigned",
  witnessDisagreements: "hutong_audit_witness_disagreements_total",
} as const satisfies Record<keyof typeof operationalMetricNames, string>;

/**
 * identity: the leaf this gateway signs with; chain: the CAs in its identity chain file;
 * intermediate / anchor: the trust store it validates peers with; tls: the listener's conventional
 * TLS certificate (`listen.tls`), which expires on its own schedule.
 */
export type CertificateRole = "identity" | "chain" | "intermediate" | "anchor" | "tls";

export interface CertificateExpiry {
  readonly role: CertificateRole;
  /** Lowercase hex serial: tells two CAs of one role apart without naming anyone. */
  readonly serial: string;
  readonly notAfter: Date;
}

export interface CrlFreshness {
  /** The serial of the CA that issued the CRL (`crlFreshness` finds it), else `aki-<its key id>`, else `unmatched-<n>`. */
  readonly issuerSerial: string;
  /** Absent: a CRL path validation never accepts as current (validate-path.ts), reported as due now. */
  readonly nextUpdate: Date | undefined;
}

/** The audit log's read side as far as these gauges need it; the gateway's AuditLog fits. */
export interface AuditMetricsSource {
  head(): Promise<{ readonly size: number }>;
  latestCheckpoint(): Promise<{ readonly size: number; readonly note: string } | undefined>;
  entry(index: number): Promise<{ readonly timeMs: number } | undefined>;
}

export interface OperationalMetricsSources {
  /** This gateway's own certificates; `credentialCertificates` and `tlsCertificates` build the list. */
  readonly certificates?: () => readonly CertificateExpiry[];
  /** The CRLs in use now (they are re-read on a timer); `crlFreshness` builds the list. */
  readonly crls?: () => readonly CrlFreshness[];
  readonly audit?: {
    readonly log: AuditMetricsSource;
    /** Parties that cosign this log's checkpoints (config `audit.witnesses[].party`). */
    readonly witnesses: readonly string[];
    /** Origins of the logs this gateway cosigns (config `audit.witnessing[].origin`). */
    readonly witnessing?: readonly string[];
    /** A witness party's cosignature key name; default `hutong/<party>/witness`, as start-audit-log.ts names them. */
    readonly witnessKeyName?: (party: string) => string;
  };
  /** Milliseconds since the epoch; default Date.now. */
  readonly now?: () => number;
}

/**
 * A witness disagreement: signed evidence that some log forked, never a witness merely down.
 * fork: another root at a size already cosigned; bad-proof: the new checkpoint does not extend the
 * one cosigned; ahead: the witness cosigned a larger checkpoint of this log than this gateway signed.
 */
export type DisagreementKind = "fork" | "bad-proof" | "ahead";

export interface OperationalMetrics {
  /** A witness of this gateway's log refused its checkpoint as inconsistent (side="log", peer = the witness party). */
  recordWitnessDisagreement(a: { readonly witness: string; readonly kind: DisagreementKind }): void;
  /** This gateway, as a witness, refused a log's signed checkpoint as inconsistent (side="witness", peer = its origin). */
  recordWitnessedInconsistency(a: { readonly origin: string; readonly kind: Exclude<DisagreementKind, "ahead"> }): void;
}

/** A witness party's cosignature key name, as start-audit-log.ts names every gateway's. */
export const defaultWitnessKeyName = (party: string): string => `hutong/${party}/witness`;
const seconds = (ms: number): number => ms / 1000;

export function createOperationalMetrics(meter: Meter, sources: OperationalMetricsSources): OperationalMetrics {
  const now = sources.now ?? Date.now;

  const certificates = sources.certificates;
  if (certificates !== undefined) {
    meter
      .createObservableGauge(operationalMetricNames.certificateExpiresIn, {
        description: "Seconds until a certificate of this gateway expires (negative: expired), by role and serial",
        unit: "s",
      })
      .addCallback((result: ObservableResult) => {
        const t = now();
        for (const c of certificates()) {
          result.observe(seconds(c.notAfter.getTime() - t), { role: c.role, serial: c.serial });
        }
      });
  }

  const crls = sources.crls;
  const seenIssuers = new Set<string>();
  if (crls !== undefined) {
    meter
      .createObservableGauge(operationalMetricNames.crlNextUpdateIn, {
        description: "Seconds until a CRL in use reaches its nextUpdate (0 or less: no longer current), by issuer",
        unit: "s",
      })
      .addCallback((result: ObservableResult) => {
        const t = now();
        const gone = new Set(seenIssuers);
        for (const c of crls()) {
          // Without a nextUpdate the CRL is never current: say so the way a passed one does.
          const left = c.nextUpdate === undefined ? 0 : seconds(c.nextUpdate.getTime() - t);
          result.observe(left, { issuer_serial: c.issuerSerial });
          seenIssuers.add(c.issuerSerial);
          gone.delete(c.issuerSerial);
        }
        // The SDK keeps exporting a series left out at its last value; NaN compares false in every
        // alert, so a CRL no longer loaded cannot fire one forever.
        for (const issuer of gone) result.observe(Number.NaN, { issuer_serial: issuer });
      });
  }

  const disagreements: Counter = meter.createCounter(operationalMetricNames.witnessDisagreements, {
    description:
      "Witness refusals that are evidence of a fork, by side (log: our witness refused us; witness: we refused a log), peer and kind",
  });
  const audit = sources.audit;
  if (audit !== undefined) {
    // Zero series from the start, so `increase()` sees the first disagreement as one.
    for (const witness of audit.witnesses) {
      for (const kind of ["fork", "bad-proof", "ahead"] as const) disagreements.add(0, logSide(witness, kind));
    }
    for (const origin of audit.witnessing ?? []) {
      for (const kind of ["fork", "bad-proof"] as const) disagreements.add(0, witnessSide(origin, kind));
    }
    observeAudit(meter, audit, now);
  }

  return {
    recordWitnessDisagreement({ witness, kind }) {
      disagreements.add(1, logSide(witness, kind));
    },
    recordWitnessedInconsistency({ origin, kind }) {
      disagreements.add(1, witnessSide(origin, kind));
    },
  };
}

function logSide(witness: string, kind: DisagreementKind): Attributes {
  return { side: "log", peer: witness, kind };
}

function witnessSide(origin: string, kind: DisagreementKind): Attributes {
  return { side: "witness", peer: origin, kind };
}

function observeAudit(meter: Meter, audit: NonNullable<OperationalMetricsSources["audit"]>, now: () => number): void {
  const { log, witnesses } = audit;
  const keyNameOf = audit.witnessKeyName ?? defaultWitnessKeyName;
  const partyByKeyName = new Map(witnesses.map((p) => [keyNameOf(p), p]));

  const entries = meter.createObservableGauge(operationalMetricNames.auditEntries, {
    description: "Entries in this gateway's audit log (its tree size)",
  });
  const checkpointSize = meter.createObservableGauge(operationalMetricNames.auditCheckpointSize, {
    description: "Tree size of the latest signed checkpoint (0 before the first)",
  });
  const checkpointAge = meter.createObservableGauge(operationalMetricNames.auditCheckpointAge, {
    description:
      "Seconds since the latest checkpoint was last attested: its newest cosignature, or the append time of the newest entry it covers",
    unit: "s",
  });
  const oldestAge = meter.createObservableGauge(operationalMetricNames.auditUncheckpointedOldestAge, {
    description: "Seconds the oldest entry not yet in a signed checkpoint has waited (0 when none waits)",
    unit: "s",
  });
  const configured = meter.createObservableGauge(operationalMetricNames.witnessesConfigured, {
    description: "Witnesses configured to cosign this log's checkpoints",
  });
  const cosigned = meter.createObservableGauge(operationalMetricNames.witnessesCosigned, {
    description: "Configured witnesses whose cosignature is on the latest checkpoint",
  });
  const perWitness = meter.createObservableGauge(operationalMetricNames.witnessCosigned, {
    description: "1 when this witness's cosignature is on the latest checkpoint, else 0",
  });

  // The last reading, so that while the store cannot be read the ages keep growing from what was
  // last known instead of freezing (the SDK would re-export a series left out at its old value).
  let last: AuditSnapshot | undefined;
  meter.addBatchObservableCallback(
    async (result) => {
      last = (await readAuditSnapshot(log, partyByKeyName).catch(() => undefined)) ?? last;
      if (last === undefined) return;
      const t = now();
      const s = last;
      result.observe(entries, s.entries);
      result.observe(checkpointSize, s.signedSize);
      result.observe(oldestAge, s.waitingSinceMs === null ? 0 : Math.max(0, seconds(t - s.waitingSinceMs)));
      if (s.attestedAtMs !== undefined) result.observe(checkpointAge, Math.max(0, seconds(t - s.attestedAtMs)));
      result.observe(configured, witnesses.length);
      result.observe(cosigned, s.cosignedBy.size);
      for (const party of witnesses) result.observe(perWitness, s.cosignedBy.has(party) ? 1 : 0, { witness: party });
    },
    [entries, checkpointSize, checkpointAge, oldestAge, configured, cosigned, perWitness],
  );
}

/** One reading of the audit log, for these gauges and for GetGatewayInfo. */
export interface AuditSnapshot {
  readonly entries: number;
  /** Whether any checkpoint was signed yet. */
  readonly checkpointed: boolean;
  /** The latest checkpoint's size, 0 before the first. */
  readonly signedSize: number;
  /** When the oldest entry not in a checkpoint was appended; null when none waits. */
  readonly waitingSinceMs: number | null;
  /** The latest checkpoint's newest attestation (ms); undefined without a checkpoint or a time for it. */
  readonly attestedAtMs: number | undefined;
  /** Configured witness party → its cosignature's timestamp (s) on the latest checkpoint. */
  readonly cosignedBy: ReadonlyMap<string, number>;
}

/**
 * One reading of the log: at most four store queries. Rejects when any of them fails.
 * `partyByKeyName`: configured witnesses by their cosignature key name.
 */
export async function readAuditSnapshot(
  log: AuditMetricsSource,
  partyByKeyName: ReadonlyMap<string, string>,
): Promise<AuditSnapshot> {
  const [head, latest] = await Promise.all([log.head(), log.latestCheckpoint()]);
  const signedSize = latest?.size ?? 0;
  // The first entry past the checkpoint is the one that has waited longest.
  const waitingSinceMs = head.size > signedSize ? ((await log.entry(signedSize))?.timeMs ?? null) : null;
  const cosignedBy = latest === undefined ? new Map<string, number>() : cosignatureTimes(latest.note, partyByKeyName);
  let attestedAtMs: number | undefined;
  if (latest !== undefined) {
    // The log signs right after the entries it covers, so the newest one's time bounds the signing
    // time from below (the age errs high, towards alerting); a cosignature comes later still.
    const newestCovered = latest.size > 0 ? (await log.entry(latest.size - 1))?.timeMs : undefined;
    const attested = Math.max(newestCovered ?? -Infinity, ...[...cosignedBy.values()].map((at) => at * 1000));
    if (Number.isFinite(attested)) attestedAtMs = attested;
  }
  return {
    entries: head.size,
    checkpointed: latest !== undefined,
    signedSize,
    waitingSinceMs,
    attestedAtMs,
    cosignedBy,
  };
}

/**
 * Configured witness → the timestamp (s) of its cosignature on the note. Read without verifying:
 * the publisher checked each line before it went on the note, and a count needs no more.
 */
function cosignatureTimes(note: string, partyByKeyName: ReadonlyMap<string, string>): Map<string, number> {
  const times = new Map<string, number>();
  let signatures: ReturnType<typeof parseNote>["signatures"];
  try {
    signatures = parseNote(note).signatures;
  } catch {
    return times;
  }
  for (const s of signatures) {
    const party = partyByKeyName.get(s.name);
    // A cosignature's payload after the key id is u64be(timestamp) || r || s (72 bytes, §5).
    if (party === undefined || s.signature.length !== 72) continue;
    const at = Number(Buffer.from(s.signature).readBigUInt64BE(0));
    times.set(party, Math.max(times.get(party) ?? 0, at));
  }
  return times;
}

/** The witness side of checkpoint-publisher.ts, as witness-client.ts makes it. */
export interface SubmittingWitness {
  readonly party: string;
  submit(body: string): Promise<{ readonly cosignature: string } | { readonly conflictSize: number }>;
}

/**
 * A witness whose answers are also counted as disagreements, for checkpoint-publisher.ts to use
 * unchanged: ABORTED is the witness's `fork` (another root at a size it cosigned), INVALID_ARGUMENT
 * without a session error code its `bad-proof` (our publisher never sends a malformed body, so the
 * proof from the root it holds failed), and a size conflict above the checkpoint sent means it
 * cosigned a checkpoint of this log that this gateway never signed. Answers and errors pass through as they came. `witness` must be a
 * plain object (witness-client.ts's is): its own properties are copied.
 */
export function observeWitness<W extends SubmittingWitness>(
  witness: W,
  metrics: Pick<OperationalMetrics, "recordWitnessDisagreement">,
): W {
  const party = witness.party;
  return {
    ...witness,
    async submit(body: string) {
      try {
        const answer = await witness.submit(body);
        if ("conflictSize" in answer && answer.conflictSize > sizeSent(body)) {
          metrics.recordWitnessDisagreement({ witness: party, kind: "ahead" });
        }
        return answer;
      } catch (e) {
        if (isWireError(e) && e.code === Status.ABORTED) {
          metrics.recordWitnessDisagreement({ witness: party, kind: "fork" });
        }
        // A session failure (`malformed` is INVALID_ARGUMENT too) names its code in a trailer: no verdict on the log.
        if (isWireError(e) && e.code === Status.INVALID_ARGUMENT && e.trailers[errorCodeTrailer] === undefined) {
          metrics.recordWitnessDisagreement({ witness: party, kind: "bad-proof" });
        }
        throw e;
      }
    },
  };
}

function sizeSent(body: string): number {
  try {
    return parseCheckpoint(parseNote(parseAddCheckpointRequest(body).checkpointNote).text).size;
  } catch {
    return Number.POSITIVE_INFINITY; // not ours to judge: never counted as a disagreement
  }
}

/** What endpoints/audit-endpoint.ts logs through (its AuditAlarmLogger). */
export interface AlarmLogger {
  error(facts: Record<string, unknown>, message: string): void;
}

/**
 * The witness side without touching audit-endpoint.ts: it logs every refusal that is evidence of
 * a fork with `alarm: "audit-fork"`, the log's origin and the outcome. This logger counts those
 * lines, then logs them as before.
 */
export function countForkAlarms(
  logger: AlarmLogger,
  metrics: Pick<OperationalMetrics, "recordWitnessedInconsistency">,
): AlarmLogger {
  return {
    error(facts, message) {
      if (facts.alarm === "audit-fork" && typeof facts.origin === "string") {
        const kind = facts.outcome === "bad-proof" ? "bad-proof" : "fork";
        metrics.recordWitnessedInconsistency({ origin: facts.origin, kind });
      }
      logger.error(facts, message);
    },
  };
}

/** What a gateway's credentials hold (@hutong/client's Credentials fits). */
export interface CredentialCertificates {
  readonly leaf: Certificate;
  /** DER, leaf first. */
  readonly chain: readonly Uint8Array[];
  readonly trust: { readonly trustAnchors: readonly Certificate[]; readonly intermediates?: readonly Certificate[] };
}

/** The certificates of the gateway's credentials, by role. */
export function credentialCertificates(credentials: CredentialCertificates): CertificateExpiry[] {
  const seen = new Set<string>();
  const out: CertificateExpiry[] = [];
  const add = (role: CertificateRole, cert: Certificate) => {
    if (seen.has(`${role} ${cert.serialHex}`)) return;
    seen.add(`${role} ${cert.serialHex}`);
    out.push({ role, serial: cert.serialHex, notAfter: cert.notAfter });
  };
  add("identity", credentials.leaf);
  // chain[0] is the leaf itself (loadCredentialFiles checks it carries the key).
  for (const der of credentials.chain.slice(1)) add("chain", parseCertificate(der));
  for (const cert of credentials.trust.intermediates ?? []) add("intermediate", cert);
  for (const cert of credentials.trust.trustAnchors) add("anchor", cert);
  return out;
}

/** The listener's TLS certificate(s) from PEM: conventional (RSA/ECDSA) ones, which @hutong/certs does not parse. */
export function tlsCertificates(pem: string | Buffer): CertificateExpiry[] {
  const blocks = String(pem).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => {
    const cert = new X509Certificate(block);
    return { role: "tls", serial: cert.serialNumber.toLowerCase(), notAfter: new Date(cert.validTo) };
  });
}

/** Every CA certificate the credentials know (anchors, intermediates, the chain's CAs): what CRLs are matched to. */
export function credentialAuthorities(credentials: CredentialCertificates): Certificate[] {
  return [
    ...credentials.trust.trustAnchors,
    ...(credentials.trust.intermediates ?? []),
    ...credentials.chain.slice(1).map((der) => parseCertificate(der)),
  ];
}

/**
 * One entry per issuing CA, labelled by that CA's serial among `authorities`; when a CA has several
 * CRLs loaded, the one that stays current longest (the one path validation can use).
 */
export function crlFreshness(crls: readonly Crl[], authorities: readonly Certificate[]): CrlFreshness[] {
  const byIssuer = new Map<string, Date | undefined>();
  crls.forEach((crl, i) => {
    const ca = authorities.find((a) => Buffer.from(a.subjectDer).equals(Buffer.from(crl.issuerDer)));
    // A CA the credentials do not hold (the holder app's, say) is named by its key id, which stays put.
    const aki = crl.authorityKeyId === undefined ? undefined : `aki-${Buffer.from(crl.authorityKeyId).toString("hex")}`;
    const issuerSerial = ca?.serialHex ?? aki ?? `unmatched-${i}`;
    const kept = byIssuer.get(issuerSerial);
    if (kept === undefined || (crl.nextUpdate !== undefined && crl.nextUpdate > kept)) {
      byIssuer.set(issuerSerial, crl.nextUpdate);
    }
  });
  return [...byIssuer].map(([issuerSerial, nextUpdate]) => ({ issuerSerial, nextUpdate }));
}
