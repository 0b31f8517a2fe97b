import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Purpose, RequestContext, VerifyTicketRequest } from "@hutong/proto";
import { isGatewayError } from "../gateway-error.js";
import { readExchangeContext } from "./request-context.js";

const context = {
  targetParty: "prov:440000",
  purpose: Purpose.PURPOSE_BOARDING_CHECK,
  grantId: "g-1",
  correlationId: "c-1",
};
const encode = (ctx: RequestContext | undefined) =>
  VerifyTicketRequest.encode({
    context: ctx,
    ticketNo: "44001",
    holderIdType: 0,
    holderIdNo: "",
    holderName: "",
    scheduleNo: "",
  }).finish();

function refuses(bytes: Uint8Array, code: "bad-request-context" | "malformed-request"): void {
  assert.throws(
    () => readExchangeContext(bytes),
    (e) => isGatewayError(e, code),
  );
}

describe("readExchangeContext", () => {
  it("reads field 1 of any exchange request, with the purpose in the ACL's spelling", () => {
    assert.deepEqual(readExchangeContext(encode(context)), {
      targetParty: "prov:440000",
      purpose: "BOARDING_CHECK",
      grantId: "g-1",
      correlationId: "c-1",
    });
  });

  it("refuses a context given twice, since protobuf would merge what the backend sees", () => {
    const second = RequestContext.encode({ ...context, targetParty: "prov:510000" }).finish();
    const twice = Buffer.concat([encode(context), Buffer.from([0x0a, second.length]), second]);
    refuses(twice, "bad-request-context");
  });

  it("refuses a missing context, an invalid party, an unspecified or unknown purpose, and odd ids", () => {
    refuses(encode(undefined), "bad-request-context");
    refuses(encode({ ...context, targetParty: "prov:999999" }), "bad-request-context");
    refuses(encode({ ...context, purpose: Purpose.PURPOSE_UNSPECIFIED }), "bad-request-context");
    refuses(encode({ ...context, purpose: 999 as Purpose }), "bad-request-context");
    refuses(encode({ ...context, correlationId: "has space" }), "bad-request-context");
    refuses(encode({ ...context, grantId: "x".repeat(129) }), "bad-request-context");
  });

  it("refuses bytes that are not well-formed protobuf", () => {
    refuses(Uint8Array.of(0x0a, 0x05, 0x01), "malformed-request");
    refuses(Uint8Array.of(0x0a, 0x02, 0xff, 0xff), "malformed-request");
    refuses(Uint8Array.of(0x0f), "malformed-request");
  });
});
