import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { IdType, Purpose, TicketServiceService, VerifyTicketRequest, VerifyTicketResponse } from "@hutong/proto";
import { sampleTickets } from "../src/dev/simulated-backends.js";

/** The parties of the benchmark's dev PKI: one province gateway and the ticketing system calling it. */
export const benchParties = {
  gateway: "prov:510000",
  client: "prov:510000/ticketing",
} as const;

export const benchPath = TicketServiceService.verifyTicket.path;
export const benchRequestBytes = 512;

/** Field number of the padding: unknown to the contract, so every protobuf reader skips it. */
const paddingField = 1000;

/**
 * The one request every call of both runs sends: a boarding check of the simulated province's
 * sample ticket, with a full holder match, a grant id and a long correlation id (the 128
 * characters the gateway allows), padded to exactly 512 bytes with an unknown field. Both paths
 * carry and parse the whole message: the gateway reads field 1 and skips the rest, the grpc-js
 * backend decodes it all and drops the unknown field. Another `purpose` gives the same request for
 * a purpose the benchmark's ACL does not allow.
 */
export function benchRequestBody(purpose: Purpose = Purpose.PURPOSE_BOARDING_CHECK): Buffer {
  const ticket = sampleTickets("510000")[0];
  if (ticket === undefined) throw new Error("the simulated backend has no sample ticket");
  const base = VerifyTicketRequest.encode({
    context: {
      targetParty: benchParties.gateway,
      purpose,
      grantId: "grant/510000/ticketing/boarding-check/2026/statutory-duty/transport-regulations-art-37/".padEnd(
        128,
        "0",
      ),
      correlationId:
        "boarding/510000-0001/gate-07/terminal-3/2026-11-22T08:25:13.123+08:00/trace-4bf92f3577b34da6a3ce929d0e0e4736/".padEnd(
          128,
          "x",
        ),
    },
    ticketNo: ticket.ticketNo,
    holderIdType: IdType.ID_TYPE_RESIDENT_ID_CARD,
    holderIdNo: ticket.passenger?.idNo ?? "",
    holderName: ticket.passenger?.name ?? "",
    scheduleNo: ticket.scheduleNo,
  }).finish();
  for (let pad = benchRequestBytes - base.length; pad > 0; pad--) {
    const padding = new BinaryWriter()
      .uint32((paddingField << 3) | 2)
      .bytes(new Uint8Array(pad).fill(0x20))
      .finish();
    if (base.length + padding.length === benchRequestBytes) return Buffer.concat([base, padding]);
  }
  throw new Error(`the request is already ${base.length} bytes, over ${benchRequestBytes}`);
}

/** Throws unless `response` says the ticket is valid and the holder and schedule match (the route really ran). */
export function checkBenchResponse(response: Uint8Array): void {
  const r = VerifyTicketResponse.decode(response);
  if (!r.valid || !r.holderMatches || !r.scheduleMatches) {
    throw new Error(`unexpected VerifyTicket answer: ${JSON.stringify(VerifyTicketResponse.toJSON(r))}`);
  }
}
