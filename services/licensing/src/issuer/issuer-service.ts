import * as grpc from "@grpc/grpc-js";
import { type Sm2PublicKey, sm3 } from "@hutong/certs";
import {
  type ApplyMaintenanceRequest,
  type ApplyMaintenanceResponse,
  EventOutcome,
  type GetLicenceRequest,
  type GetLicenceResponse,
  LicenceIssuanceServiceService,
  type LicenceLookup,
  LicenceServiceService,
  LicenceStatus,
  type ListLicenceStatesRequest,
  type ListLicenceStatesResponse,
  MaintenanceDecision,
  MaintenanceRequest,
  type RecordLicenceEventsRequest,
  type RecordLicenceEventsResponse,
  type ResendLicenceEventsRequest,
  type ResendLicenceEventsResponse,
  type SignedStatement,
  type VerifyLicenceRequest,
  type VerifyLicenceResponse,
} from "@hutong/proto";
import { addUnaryService, beijingDay, type ServiceLog } from "@hutong/service-kit";
import { LicensingError, licensingRefusal } from "../licensing-error.js";
import type { StatementCheck } from "../maintenance/signed-statement.js";
import type { IssuerStore } from "../store/port/issuer-store.js";
import { checkLicenceQr } from "./licence-qr.js";
import { maxResend } from "./resend-limit.js";

export interface IssuerServerOptions {
  readonly store: IssuerStore;
  readonly log: ServiceLog;
  readonly now: () => number;
  /** Called after a write that queued messages (the dispatcher delivers them now, not at its next poll). */
  readonly enqueued: () => void;
  /** This licence system's party and province. */
  readonly party: string;
  readonly province: string;
  /** Checks a signed statement against the federation's trust: its signer's party, or why not. */
  readonly verify: (statement: SignedStatement, party: (p: string) => boolean) => StatementCheck;
  /** The issuer's own public key: the QR payloads it signed check with it. */
  readonly qrKey: Sm2PublicKey;
  /** The ministry systems whose signed decision approves a maintenance request (not the library, which carries it). */
  readonly deciders: readonly string[];
}

/** The statement's body, after its signer and signature were checked; refused otherwise. */
function checked<T>(
  statement: SignedStatement | undefined,
  decode: (b: Uint8Array) => T,
  verify: IssuerServerOptions["verify"],
  signer: (party: string) => boolean,
  what: string,
): T {
  if (statement === undefined) throw new LicensingError("malformed", `the ${what} is missing`);
  const check = verify(statement, signer);
  if (!check.ok) throw new LicensingError("bad-signature", `the ${what}: ${check.reason}`);
  try {
    return decode(statement.body);
  } catch {
    throw new LicensingError("malformed", `the ${what}'s body is not a ${what}`);
  }
}

/** Most events one RecordLicenceEvents call takes, and the widest range one resend covers. */
export const maxBatch = 1000;
export { maxResend } from "./resend-limit.js";

/**
 * The licence a lookup names: by its id, or by the QR payload scanned from it, which must be one
 * this issuer signed (checked with its own key; a payload changed or signed by anyone else is
 * refused).
 */
function licenceIdOf(
  lookup: LicenceLookup | undefined,
  qr: { readonly party: string; readonly key: Sm2PublicKey },
): string {
  const key = lookup?.key;
  if (key?.$case === "licenceId" && key.value !== "") return key.value;
  if (key?.$case === "qrPayload" && key.value !== "") {
    const check = checkLicenceQr(key.value, qr.key);
    if (!check.ok) throw new LicensingError("malformed", `the QR payload: ${check.reason}`);
    if (check.claims.issuer !== qr.party) {
      throw new LicensingError("not-found", `the QR payload is ${check.claims.issuer}'s, not this issuer's`);
    }
    return check.claims.licenceId;
  }
  throw new LicensingError("malformed", "the reference issuer looks licences up by licence_id or qr_payload");
}

/**
 * A province licence system's gRPC server: LicenceIssuanceService for its 运政 system and the
 * library, LicenceService (GetLicence, VerifyLicence) for relying parties through the gateways.
 */
export function createIssuerServer(options: IssuerServerOptions): grpc.Server {
  const { store, now } = options;
  const qr = { party: options.party, key: options.qrKey };
  const server = new grpc.Server();
  addUnaryService(
    server,
    LicenceIssuanceServiceService,
    {
      async recordLicenceEvents(req: RecordLicenceEventsRequest): Promise<RecordLicenceEventsResponse> {
        if (req.events.length === 0 || req.events.length > maxBatch) {
          throw new LicensingError("malformed", `a batch has 1 to ${maxBatch} events, not ${req.events.length}`);
        }
        if (req.events.some((e) => e.maintenanceRequestId !== "")) {
          throw new LicensingError(
            "malformed",
            "maintenance_request_id is set by the issuer itself, not by its 运政 system",
          );
        }
        const r = await store.record(req.events, now());
        if (r.enqueued > 0) options.enqueued();
        return { results: [...r.results] };
      },
      async applyMaintenance(req: ApplyMaintenanceRequest): Promise<ApplyMaintenanceResponse> {
        // The request must be this system's own, the decision a ministry system's approval of
        // exactly it by one of the configured deciders: the library only carries them.
        const request = checked(
          req.request,
          (b) => MaintenanceRequest.decode(b),
          options.verify,
          (p) => p === options.party,
          "request",
        );
        const decision = checked(
          req.decision,
          (b) => MaintenanceDecision.decode(b),
          options.verify,
          (p) => options.deciders.includes(p),
          "decision",
        );
        if (request.province !== options.province || decision.province !== options.province) {
          throw new LicensingError("wrong-province", `the request is not province ${options.province}'s`);
        }
        if (!decision.approved || decision.requestId !== request.requestId) {
          throw new LicensingError(
            "invalid-transition",
            `request ${request.requestId} is not approved by this decision`,
          );
        }
        if (!Buffer.from(sm3((req.request as SignedStatement).body)).equals(Buffer.from(decision.requestSm3))) {
          throw new LicensingError("malformed", "the decision is about another version of the request (request_sm3)");
        }
        const byLicence = new Map<string, { field: string; correctedValue: string }[]>();
        for (const c of request.corrections) byLicence.set(c.licenceId, [...(byLicence.get(c.licenceId) ?? []), c]);
        const r = await store.applyMaintenance(request.requestId, byLicence, now());
        if (r.enqueued > 0) options.enqueued();
        return { events: r.results.filter((x) => x.outcome === EventOutcome.EVENT_OUTCOME_APPLIED).length };
      },
      async listLicenceStates(req: ListLicenceStatesRequest): Promise<ListLicenceStatesResponse> {
        const limit = req.limit === 0 || req.limit > 1000 ? 1000 : req.limit;
        const states = [...(await store.states(req.afterLicenceId, limit))];
        return { states, nextAfter: states.length < limit ? "" : (states.at(-1)?.licenceId ?? "") };
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
        const id = licenceIdOf(req.lookup, qr);
        const licence = await store.licence(id);
        if (licence === undefined) throw new LicensingError("not-found", `no licence ${id}`);
        return { licence, annotation: undefined };
      },
      async verifyLicence(req: VerifyLicenceRequest): Promise<VerifyLicenceResponse> {
        const id = licenceIdOf(req.lookup, qr);
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
