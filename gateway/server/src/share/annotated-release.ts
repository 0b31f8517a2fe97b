import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { sm3 } from "@hutong/certs";
import { annotationSigningBytes } from "@hutong/client";
import { Annotation, type Purpose } from "@hutong/proto";
import { readBool } from "./field-reader.js";
import type { ShareMethod } from "./share-methods.js";
import { payloadOf, scanMessage } from "./wire-scan.js";

/**
 * Annotated copies (加注件, docs/annotated-copies.md) at the owner's gateway: the methods whose
 * contract declares them ((hutong.v1.share) annotate_request, response_annotation), the request bool
 * that asks for one, and the released response rewritten so that the annotation in it is this
 * gateway's and nobody else's. Pure: the signing key stays behind the Annotator port.
 */

/** This gateway's signing capability, built in the composition root from its identity. */
export interface Annotator {
  /** This gateway's party (the annotation's signer_party). */
  readonly party: string;
  /** Its certificate chain, DER, leaf first. */
  readonly chain: readonly Uint8Array[];
  /** How long a copy stays valid after it is issued. */
  readonly validityMs: number;
  /** An SM2 signature (DER, user id 1234567812345678) of `message` with the chain's leaf key. */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** The method declares annotated copies. */
export const hasAnnotations = (method: ShareMethod): boolean =>
  method.annotateRequest !== undefined &&
  method.responseAnnotation !== undefined &&
  method.responseRecord !== undefined;

/** Whether the request asks for an annotated copy; bytes it cannot read there ask for nothing. */
export function annotationAsked(method: ShareMethod, request: Uint8Array): boolean {
  const at = method.annotateRequest;
  if (at === undefined) return false;
  try {
    return readBool(request, at) === true;
  } catch {
    return false;
  }
}

/**
 * The response without any occurrence of its annotation field, whatever its wire type: a backend
 * cannot pre-fill or forge one (occurrences of a singular message field merge, so every one goes).
 * The same bytes when there was none.
 */
export function stripAnnotation(method: ShareMethod, response: Uint8Array): Uint8Array {
  const number = method.responseAnnotation?.number;
  const fields = scanMessage(response);
  if (!fields.some((o) => o.number === number)) return response;
  return Buffer.concat(fields.filter((o) => o.number !== number).map((o) => response.subarray(o.start, o.end)));
}

const lengthDelimited = (number: number, payload: Uint8Array): Uint8Array =>
  new BinaryWriter().tag(number, WireType.LengthDelimited).bytes(payload).finish();

export interface AnnotationFacts {
  /** The calling system's party. */
  readonly recipientParty: string;
  readonly purpose: Purpose;
  /** The grant the share used, or null. */
  readonly grantId: string | null;
  readonly now: number;
}

/**
 * The released response with this gateway's annotation: any annotation the backend put there
 * removed, the record's occurrences merged into one (their payloads concatenated, which is what a
 * parser makes of them), so that the record bytes a recipient extracts are exactly the bytes
 * digested, and the signed Annotation appended. `response` is the minimized response.
 */
export async function annotateResponse(
  method: ShareMethod,
  response: Uint8Array,
  annotator: Annotator,
  facts: AnnotationFacts,
): Promise<Uint8Array> {
  const recordNumber = method.responseRecord?.number;
  const annotationNumber = method.responseAnnotation?.number;
  const recordType = method.record?.message;
  if (recordNumber === undefined || annotationNumber === undefined || recordType === undefined) {
    throw new Error(`${method.method} declares no annotated copies`);
  }
  const fields = scanMessage(response).filter((o) => o.number !== annotationNumber);
  // Minimization has dropped record occurrences of the wrong wire type.
  const records = fields.filter((o) => o.number === recordNumber && o.wireType === WireType.LengthDelimited);
  const record =
    records.length === 1 && records[0] !== undefined
      ? payloadOf(response, records[0])
      : Buffer.concat(records.map((o) => payloadOf(response, o)));
  const pieces: Uint8Array[] = [];
  let placed = false;
  for (const o of fields) {
    if (o.number !== recordNumber) pieces.push(response.subarray(o.start, o.end));
    else if (!placed && o.wireType === WireType.LengthDelimited) {
      pieces.push(records.length === 1 ? response.subarray(o.start, o.end) : lengthDelimited(recordNumber, record));
      placed = true;
    }
  }
  const signed = {
    recordType,
    recipientParty: facts.recipientParty,
    purpose: facts.purpose,
    grantId: facts.grantId ?? "",
    issuedAtMs: facts.now,
    validUntilMs: facts.now + annotator.validityMs,
    recordSm3: sm3(record),
    signerParty: annotator.party,
    signerChain: annotator.chain,
  };
  const signature = await annotator.sign(annotationSigningBytes(signed));
  const annotation = Annotation.encode({
    recipientParty: signed.recipientParty,
    purpose: signed.purpose,
    grantId: signed.grantId,
    issuedAt: new Date(signed.issuedAtMs),
    validUntil: new Date(signed.validUntilMs),
    recordSm3: Buffer.from(signed.recordSm3),
    signerParty: signed.signerParty,
    signerChain: signed.signerChain.map((der) => Buffer.from(der)),
    signature: Buffer.from(signature),
  }).finish();
  pieces.push(lengthDelimited(annotationNumber, annotation));
  return Buffer.concat(pieces);
}
