import * as grpc from "@grpc/grpc-js";
import {
  type GetLicenceRequest,
  type GetLicenceResponse,
  LicenceIssuanceServiceService,
  type LicenceLookup,
  LicenceServiceService,
  LicenceStatus,
  type RecordLicenceEventsRequest,
  type RecordLicenceEventsResponse,
  type ResendLicenceEventsRequest,
  type ResendLicenceEventsResponse,
  type VerifyLicenceRequest,
  type VerifyLicenceResponse,
} from "@hutong/proto";
import { addUnaryService, beijingDay, type ServiceLog } from "@hutong/service-kit";
import { LicensingError, licensingRefusal } from "../licensing-error.js";
import type { IssuerStore } from "../store/port/issuer-store.js";

export interface IssuerServerOptions {
  readonly store: IssuerStore;
  readonly log: ServiceLog;
  readonly now: () => number;
  /** Called after a write that queued messages (the dispatcher delivers them now, not at its next poll). */
  readonly enqueued: () => void;
}

/** Most events one RecordLicenceEvents call takes, and the widest range one resend covers. */
export const maxBatch = 1000;
export const maxResend = 10_000n;

function licenceIdOf(lookup: LicenceLookup | undefined): string {
  if (lookup?.key?.$case === "licenceId" && lookup.key.value !== "") return lookup.key.value;
  throw new LicensingError("malformed", "the reference issuer looks licences up by licence_id only");
}

/**
 * A province licence system's gRPC server: LicenceIssuanceService for its 运政 system and the
 * library, LicenceService (GetLicence, VerifyLicence) for relying parties through the gateways.
 */
export function createIssuerServer(options: IssuerServerOptions): grpc.Server {
  const { store, now } = options;
  const server = new grpc.Server();
  addUnaryService(
    server,
    LicenceIssuanceServiceService,
    {
      async recordLicenceEvents(req: RecordLicenceEventsRequest): Promise<RecordLicenceEventsResponse> {
        if (req.events.length === 0 || req.events.length > maxBatch) {
          throw new LicensingError("malformed", `a batch has 1 to ${maxBatch} events, not ${req.events.length}`);
        }
        const r = await store.record(req.events, now());
        if (r.enqueued > 0) options.enqueued();
        return { results: [...r.results] };
      },
      async resendLicenceEvents(req: ResendLicenceEventsRequest): Promise<ResendLicenceEventsResponse> {
        if (req.fromSeq < 1n || req.toSeq < req.fromSeq || req.toSeq - req.fromSeq >= maxResend) {
          throw new LicensingError(
            "malformed",
            `a resend covers 1 to ${maxResend} sequence numbers from 1, not ${req.fromSeq}..${req.toSeq}`,
          );
        }
        const r = await store.resend(req.fromSeq, req.toSeq, now());
        if (r.queued > 0) options.enqueued();
        return { queued: r.queued, headSeq: r.headSeq };
      },
    },
    options.log,
    licensingRefusal,
  );
  addUnaryService(
    server,
    LicenceServiceService,
    {
      async getLicence(req: GetLicenceRequest): Promise<GetLicenceResponse> {
        const id = licenceIdOf(req.lookup);
        const licence = await store.licence(id);
        if (licence === undefined) throw new LicensingError("not-found", `no licence ${id}`);
        return { licence, annotation: undefined };
      },
      async verifyLicence(req: VerifyLicenceRequest): Promise<VerifyLicenceResponse> {
        const id = licenceIdOf(req.lookup);
        const l = await store.licence(id);
        if (l === undefined) throw new LicensingError("not-found", `no licence ${id}`);
        const today = beijingDay(now());
        const d = l.details;
        const matches = [
          req.holderIdNo === "" || (d?.$case === "practitionerQualification" && d.value.idNo === req.holderIdNo),
          req.holderName === "" ||
            (d?.$case === "practitionerQualification" && d.value.name === req.holderName) ||
            (d?.$case === "operatingPermit" && d.value.holderName === req.holderName) ||
            (d?.$case === "transportCertificate" && d.value.ownerName === req.holderName),
          req.holderUscc === "" ||
            (d?.$case === "operatingPermit" && d.value.holderUscc === req.holderUscc) ||
            (d?.$case === "transportCertificate" && d.value.ownerUscc === req.holderUscc),
          req.plateNo === "" || (d?.$case === "transportCertificate" && d.value.plateNo === req.plateNo),
        ];
        const expired = l.validTo !== "" && l.validTo < today;
        return {
          valid: l.status === LicenceStatus.LICENCE_STATUS_VALID && !expired && l.validFrom <= today,
          holderMatches: matches.every(Boolean),
          kind: l.kind,
          status:
            expired && l.status === LicenceStatus.LICENCE_STATUS_VALID
              ? LicenceStatus.LICENCE_STATUS_EXPIRED
              : l.status,
          validTo: l.validTo,
          statusUpdatedAt: l.statusUpdatedAt,
        };
      },
    },
    options.log,
    licensingRefusal,
  );
  return server;
}
