import type { ConnectorCall } from "@hutong/gateway/ports";
import { PartnerLegServiceService, QueryPartnerLegRequest, QueryPartnerLegResponse } from "@hutong/proto";
import { Status, type StatusCode, WireError } from "@hutong/wire";
import type { PartnerProtocol } from "./partner-protocols.js";

const refuse = (code: StatusCode, message: string): never => {
  throw new WireError(code, message);
};

/**
 * PartnerLegService as a through-ticket connector answers it: the partner's leg of a journey, asked
 * of the partner now. A partner that cannot say is UNAVAILABLE (the caller asks again later).
 */
export function partnerLegService(protocol: PartnerProtocol, requestTimeoutMs: number) {
  return async (path: string, body: Uint8Array, _call: ConnectorCall): Promise<Uint8Array> => {
    if (path !== PartnerLegServiceService.queryPartnerLeg.path) {
      return refuse(Status.UNIMPLEMENTED, `a through-ticket connector does not serve ${path}`);
    }
    let req: QueryPartnerLegRequest;
    try {
      req = QueryPartnerLegRequest.decode(body);
    } catch {
      return refuse(Status.INVALID_ARGUMENT, "QueryPartnerLegRequest is not valid protobuf");
    }
    if (!/^[0-9A-Za-z_-]{1,64}$/.test(req.journeyId))
      refuse(Status.INVALID_ARGUMENT, "journey_id: 1..64 of [0-9A-Za-z_-]");
    const asked = await protocol.queryLeg(req.journeyId, AbortSignal.timeout(requestTimeoutMs));
    if (asked.kind === "no-answer") return refuse(Status.UNAVAILABLE, `the partner did not answer: ${asked.reason}`);
    return QueryPartnerLegResponse.encode(
      asked.kind === "ok" ? { found: true, leg: asked.value } : { found: false, leg: undefined },
    ).finish();
  };
}
