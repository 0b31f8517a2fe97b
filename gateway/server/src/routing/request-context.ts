import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { isValidPartyId } from "@hutong/certs";
import { Purpose, RequestContext } from "@hutong/proto";
import { GatewayError } from "../gateway-error.js";
import { isPurposeName } from "./purpose-names.js";

/** The routing and authorization facts of an exchange request, as the pipeline uses them. */
export interface ExchangeContext {
  readonly targetParty: string;
  /** Purpose enum name without its prefix, e.g. "BOARDING_CHECK" (the ACL's spelling). */
  readonly purpose: string;
  readonly grantId: string;
  readonly correlationId: string;
}

const maxIdLength = 128;
const printableAscii = /^[\x21-\x7e]*$/;

/**
 * A grant or correlation id as the gateway records and logs it: at most 128 printable ASCII
 * characters, so a caller's id cannot smuggle controls or unbounded text into logs and entries.
 */
export function isContextId(value: string): boolean {
  return value.length <= maxIdLength && printableAscii.test(value);
}

/** What a refusal of such an id says, naming the field. */
export function contextIdRule(field: string): string {
  return `${field} must be at most ${maxIdLength} printable ASCII`;
}

/** Purpose enum value -> the ACL's name for it ("BOARDING_CHECK"); unspecified and unknown values are absent. */
const purposeNames: ReadonlyMap<number, string> = new Map(
  Object.values(Purpose)
    .filter((v): v is number => typeof v === "number")
    .map((v) => [v, (Purpose[v] ?? "").replace(/^PURPOSE_/, "")] as const)
    .filter(([, name]) => isPurposeName(name)),
);

function checkId(name: string, value: string): void {
  if (!isContextId(value)) throw new GatewayError("bad-request-context", contextIdRule(`context.${name}`));
}

/**
 * Reads field 1 (RequestContext) of an exchange request without decoding the
 * rest: one pass over the top-level wire structure, which also refuses bytes
 * that are not well-formed protobuf. Every request message of the exchange
 * services keeps its RequestContext at field 1 (proto/src/contract.spec.ts
 * checks that), so this works for every method without per-method code.
 */
export function readExchangeContext(body: Uint8Array): ExchangeContext {
  let contextBytes: Uint8Array | undefined;
  try {
    const reader = new BinaryReader(body);
    while (reader.pos < reader.len) {
      const [fieldNo, wireType] = reader.tag();
      if (fieldNo === 1 && wireType === WireType.LengthDelimited) {
        // Protobuf merges repeated occurrences of a message field; a gateway that read only one
        // of them could route on facts the backend never sees, so two are refused outright.
        if (contextBytes !== undefined) throw new GatewayError("bad-request-context", "RequestContext given twice");
        contextBytes = reader.bytes();
      } else {
        reader.skip(wireType, fieldNo);
      }
    }
  } catch (cause) {
    if (cause instanceof GatewayError) throw cause;
    throw new GatewayError("malformed-request", "request is not well-formed protobuf", { cause });
  }
  if (contextBytes === undefined) throw new GatewayError("bad-request-context", "request has no RequestContext");
  let ctx: RequestContext;
  try {
    ctx = RequestContext.decode(contextBytes);
  } catch (cause) {
    throw new GatewayError("malformed-request", "RequestContext is not well-formed protobuf", { cause });
  }
  if (!isValidPartyId(ctx.targetParty)) {
    throw new GatewayError("bad-request-context", "context.target_party is not a valid party id");
  }
  const purpose = purposeNames.get(ctx.purpose);
  if (purpose === undefined) {
    throw new GatewayError("bad-request-context", "context.purpose is unspecified or unknown");
  }
  checkId("grant_id", ctx.grantId);
  checkId("correlation_id", ctx.correlationId);
  return {
    targetParty: ctx.targetParty,
    purpose,
    grantId: ctx.grantId,
    correlationId: ctx.correlationId,
  };
}
