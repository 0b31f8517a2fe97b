import { type Certificate, type Crl, formatName, parseCertificate } from "@hutong/certs";
import type { WitnessProgress } from "../audit/checkpoint-publisher.js";
import type { CertificateFact, CrlFact, OperationalFacts, WitnessFact } from "../endpoints/operational-facts.js";
import {
  type AuditMetricsSource,
  defaultWitnessKeyName,
  readAuditSnapshot,
} from "../observability/operational-metrics.js";
import { type WitnessDisagreements, witnessStanding } from "../observability/witness-states.js";

export interface OperationalFactsSources {
  /** The gateway's identity chain, DER, leaf first (fixed until a restart). */
  readonly chain: readonly Uint8Array[];
  /** The CRLs in use now: re-read on a timer and on reload. */
  readonly crls: () => readonly Crl[];
  /** Every CA certificate the credentials hold (credentialAuthorities): who issued each CRL. */
  readonly authorities: readonly Certificate[];
  readonly audit: {
    readonly log: AuditMetricsSource;
    readonly origin: string;
    readonly verifierKey: string;
  };
  readonly witnesses: {
    /** The parties of config `audit.witnesses`, in order. */
    readonly parties: readonly string[];
    /** The checkpoint publisher's record of its requests to each. */
    readonly requests: () => readonly WitnessProgress[];
    readonly disagreements: WitnessDisagreements;
  };
}

/**
 * GetGatewayInfo's operational facts, from where the alert gauges take theirs
 * (observability/operational-metrics.ts): the credentials, the CRL source, one reading of the audit
 * log, and the checkpoint publisher. Read at each call, so a reload or a new checkpoint shows in
 * the next answer; the chain is parsed once, as it changes only with a restart.
 */
export function createOperationalFactsSource(sources: OperationalFactsSources): () => Promise<OperationalFacts> {
  const certificates: CertificateFact[] = sources.chain.map((der) => {
    const c = parseCertificate(der);
    return {
      subjectParty: c.partyId ?? "",
      subjectName: formatName(c.subject),
      serial: c.serialHex,
      notBefore: c.notBefore,
      notAfter: c.notAfter,
    };
  });
  const { parties } = sources.witnesses;
  const partyByKeyName = new Map(parties.map((p) => [defaultWitnessKeyName(p), p]));

  const crls = (): CrlFact[] =>
    sources.crls().map((crl) => {
      // As crlFreshness matches them: the CA whose subject is the CRL's issuer.
      const ca = sources.authorities.find((a) => Buffer.from(a.subjectDer).equals(Buffer.from(crl.issuerDer)));
      return {
        issuerName: formatName(crl.issuer),
        issuerParty: ca?.partyId ?? "",
        thisUpdate: crl.thisUpdate,
        nextUpdate: crl.nextUpdate,
        revokedCount: crl.entries.length,
      };
    });

  return async () => {
    const snapshot = await readAuditSnapshot(sources.audit.log, partyByKeyName);
    const latestSize = snapshot.checkpointed ? snapshot.signedSize : undefined;
    const requests = new Map(sources.witnesses.requests().map((r) => [r.party, r]));
    const witnesses = parties.map(
      (party): WitnessFact => ({
        party,
        keyName: defaultWitnessKeyName(party),
        ...witnessStanding({
          requests: requests.get(party),
          disagreement: sources.witnesses.disagreements.last(party),
          cosignedLatestAt: snapshot.cosignedBy.get(party),
          latestSize,
        }),
      }),
    );
    return {
      certificates,
      crls: crls(),
      auditLog: {
        origin: sources.audit.origin,
        verifierKey: sources.audit.verifierKey,
        size: snapshot.entries,
        latestCheckpointSize: latestSize,
        latestCheckpointTime: snapshot.attestedAtMs === undefined ? undefined : new Date(snapshot.attestedAtMs),
      },
      witnesses,
    };
  };
}
