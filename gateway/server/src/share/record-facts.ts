import {
  GetLicenceRequest,
  GetLicenceResponse,
  GetTicketRequest,
  GetTicketResponse,
  IdType,
  VerifyLicenceRequest,
  VerifyLicenceResponse,
  VerifyTicketRequest,
  VerifyTicketResponse,
} from "@hutong/proto";

/** Who a record is about, as read from the request or the record: never logged, only digested. */
export interface RecordSubject {
  readonly idType: IdType;
  readonly idNo: string;
}

/** What the share step learns about the record from the request (pre-check) and the answer (final). */
export interface RecordFacts {
  /** The canonical record id: ticket_no, licence_id. Null when the call does not name it. */
  readonly recordId: string | null;
  readonly subject: RecordSubject | null;
}

const unknown: RecordFacts = Object.freeze({ recordId: null, subject: null });
const nonEmpty = (s: string | undefined): string | null => (s === undefined || s === "" ? null : s);

function subjectOf(idType: IdType, idNo: string | undefined): RecordSubject | null {
  if (idNo === undefined || idNo === "") return null;
  // A number without a type is taken as the resident ID card's, by far the most common; a wrong
  // guess can only make the digest miss (wrong-subject), never match someone else.
  return { idType: idType === IdType.ID_TYPE_UNSPECIFIED ? IdType.ID_TYPE_RESIDENT_ID_CARD : idType, idNo };
}

/** Facts in the request alone (the pre-check runs on these). */
export function requestFacts(method: string, request: Uint8Array): RecordFacts {
  switch (method) {
    case "hutong.v1.TicketService/GetTicket":
      return { recordId: nonEmpty(GetTicketRequest.decode(request).ticketNo), subject: null };
    case "hutong.v1.TicketService/VerifyTicket":
      return { recordId: nonEmpty(VerifyTicketRequest.decode(request).ticketNo), subject: null };
    case "hutong.v1.LicenceService/GetLicence": {
      const key = GetLicenceRequest.decode(request).lookup?.key;
      return { recordId: key?.$case === "licenceId" ? nonEmpty(key.value) : null, subject: null };
    }
    case "hutong.v1.LicenceService/VerifyLicence": {
      const key = VerifyLicenceRequest.decode(request).lookup?.key;
      return { recordId: key?.$case === "licenceId" ? nonEmpty(key.value) : null, subject: null };
    }
    default:
      return unknown;
  }
}

/**
 * Facts once the owner's backend has answered. A fetch reads them from the record itself. A verify
 * answer carries no personal field, so its subject is the one the caller claimed in the request,
 * and only when the owner's system confirmed that it matches the record (holder_matches): that is
 * the "subject read locally at the owner's gateway" docs/grants.md asks for.
 */
export function answerFacts(method: string, request: Uint8Array, response: Uint8Array): RecordFacts {
  switch (method) {
    case "hutong.v1.TicketService/GetTicket": {
      const ticket = GetTicketResponse.decode(response).ticket;
      const p = ticket?.passenger;
      return { recordId: nonEmpty(ticket?.ticketNo), subject: p === undefined ? null : subjectOf(p.idType, p.idNo) };
    }
    case "hutong.v1.TicketService/VerifyTicket": {
      const q = VerifyTicketRequest.decode(request);
      const confirmed = VerifyTicketResponse.decode(response).holderMatches;
      return { recordId: nonEmpty(q.ticketNo), subject: confirmed ? subjectOf(q.holderIdType, q.holderIdNo) : null };
    }
    case "hutong.v1.LicenceService/GetLicence": {
      const licence = GetLicenceResponse.decode(response).licence;
      const d = licence?.details;
      const subject = d?.$case === "practitionerQualification" ? subjectOf(d.value.idType, d.value.idNo) : null;
      return { recordId: nonEmpty(licence?.licenceId), subject };
    }
    case "hutong.v1.LicenceService/VerifyLicence": {
      const q = VerifyLicenceRequest.decode(request);
      const confirmed = VerifyLicenceResponse.decode(response).holderMatches;
      const key = q.lookup?.key;
      // VerifyLicenceRequest names no ID type: a practitioner's licence is issued on the resident ID card.
      return {
        recordId: key?.$case === "licenceId" ? nonEmpty(key.value) : null,
        subject: confirmed ? subjectOf(IdType.ID_TYPE_RESIDENT_ID_CARD, q.holderIdNo) : null,
      };
    }
    default:
      return unknown;
  }
}
