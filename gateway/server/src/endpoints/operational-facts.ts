import {
  AuditWitnessState,
  type CertificateInfo,
  type CrlInfo,
  type GetGatewayInfoResponse,
  type WitnessInfo,
} from "@hutong/proto";

/**
 * What GetGatewayInfo reports about how a gateway stands, beyond who it is: its own certificate
 * chain, the CRLs it checks against, its audit log and the witnesses of that log. All of it is
 * public to the federation (the handshake sends the chain, CRLs are published, checkpoints are
 * served to any member) and none of it names a data subject. A fact this gateway does not have is
 * left out, never made up.
 */
export interface OperationalFacts {
  readonly certificates: readonly CertificateFact[];
  readonly crls: readonly CrlFact[];
  readonly auditLog: AuditLogFact | undefined;
  readonly witnesses: readonly WitnessFact[];
}

export interface CertificateFact {
  /** Empty for a CA certificate (no urn:hutong:party: URI). */
  readonly subjectParty: string;
  readonly subjectName: string;
  /** Lowercase hex. */
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface CrlFact {
  readonly issuerName: string;
  /** Empty when the issuing CA's certificate is not held here or names no party. */
  readonly issuerParty: string;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  readonly revokedCount: number;
}

export interface AuditLogFact {
  readonly origin: string;
  /** The log's verifier key, signed-note text form (formatVerifierKey). */
  readonly verifierKey: string;
  readonly size: number;
  /** Undefined before the first checkpoint. */
  readonly latestCheckpointSize: number | undefined;
  /** When the latest checkpoint was last attested; undefined without one or without a time for it. */
  readonly latestCheckpointTime: Date | undefined;
}

export type WitnessStateName = "cosigned" | "unreachable" | "disagrees" | "unknown";

export interface WitnessFact {
  readonly party: string;
  readonly keyName: string;
  readonly state: WitnessStateName;
  readonly lastCosignedSize: number | undefined;
  /** Closed texts with sizes and times only: never a peer's own words. */
  readonly detail: string;
}

const witnessStates: Readonly<Record<WitnessStateName, AuditWitnessState>> = {
  cosigned: AuditWitnessState.AUDIT_WITNESS_STATE_COSIGNED,
  unreachable: AuditWitnessState.AUDIT_WITNESS_STATE_UNREACHABLE,
  disagrees: AuditWitnessState.AUDIT_WITNESS_STATE_DISAGREES,
  unknown: AuditWitnessState.AUDIT_WITNESS_STATE_UNKNOWN,
};

const maxUint32 = 0xffff_ffff;

/** The facts as GetGatewayInfoResponse fields 7 to 10. */
export function operationalFields(
  facts: OperationalFacts,
): Pick<GetGatewayInfoResponse, "certificates" | "crls" | "auditLog" | "witnesses"> {
  const log = facts.auditLog;
  return {
    certificates: facts.certificates.map(
      (c): CertificateInfo => ({
        subjectParty: c.subjectParty,
        subjectName: c.subjectName,
        serial: c.serial,
        notBefore: c.notBefore,
        notAfter: c.notAfter,
      }),
    ),
    crls: facts.crls.map(
      (c): CrlInfo => ({
        issuerName: c.issuerName,
        issuerParty: c.issuerParty,
        thisUpdate: c.thisUpdate,
        nextUpdate: c.nextUpdate,
        revokedCount: Math.min(c.revokedCount, maxUint32),
      }),
    ),
    auditLog:
      log === undefined
        ? undefined
        : {
            origin: log.origin,
            verifierKey: log.verifierKey,
            size: BigInt(log.size),
            latestCheckpointSize: log.latestCheckpointSize === undefined ? undefined : BigInt(log.latestCheckpointSize),
            latestCheckpointTime: log.latestCheckpointTime,
          },
    witnesses: facts.witnesses.map(
      (w): WitnessInfo => ({
        party: w.party,
        keyName: w.keyName,
        state: witnessStates[w.state],
        lastCosignedSize: w.lastCosignedSize === undefined ? undefined : BigInt(w.lastCosignedSize),
        detail: w.detail,
      }),
    ),
  };
}
