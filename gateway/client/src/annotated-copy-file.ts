import { constantTimeEqual, sm3 } from "@hutong/certs";
import type { MessageFns, ShareMethodSpec } from "@hutong/proto";
import * as contract from "@hutong/proto";
import { ClientError } from "./client-error.js";
import { payloadOf, readWireString, scanWireFields } from "./wire-fields.js";

/**
 * The annotated-copy file (docs/annotated-copies.md §5): one JSON object holding the record's exact
 * bytes and the annotation's protobuf bytes, both base64, so that what is verified later is
 * byte for byte what the owner's gateway released and signed.
 */
export const annotatedCopyFormat = "hutong-annotated-copy/v1";

export interface AnnotatedCopyFile {
  readonly format: typeof annotatedCopyFormat;
  /** The record message's full name, e.g. "hutong.v1.<Record>". */
  readonly recordType: string;
  /** Base64 (RFC 4648, padded) of the record's exact bytes. */
  readonly record: string;
  /** Base64 of the hutong.v1.Annotation's protobuf bytes. */
  readonly annotation: string;
}

/** An annotated copy in bytes. */
export interface AnnotatedCopy {
  readonly recordType: string;
  readonly record: Uint8Array;
  readonly annotation: Uint8Array;
}

const { Annotation, recordSchemas } = contract;

const fail = (message: string): never => {
  throw new ClientError("invalid-annotated-copy", message);
};

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function recordTypeOf(method: ShareMethodSpec): string {
  if (method.operation !== "fetch" || method.responseRecord === undefined || method.responseAnnotation === undefined) {
    return fail(`${method.method} is not a fetch with annotated copies ((hutong.v1.share) response_annotation)`);
  }
  return recordSchemas.get(method.recordKind)?.message ?? fail(`${method.method} names no record message`);
}

/** The record and annotation bytes of a response's wire form, as the owner's gateway wrote them. */
function fromBytes(method: ShareMethodSpec, response: Uint8Array): { record: Uint8Array; annotation?: Uint8Array } {
  const recordNumber = method.responseRecord?.number;
  const annotationNumber = method.responseAnnotation?.number;
  let fields: ReturnType<typeof scanWireFields>;
  try {
    fields = scanWireFields(response);
  } catch (e) {
    return fail(`the response is not well-formed protobuf (${(e as Error).message})`);
  }
  // The owner's gateway writes each exactly once (it merges the record, strips any other annotation).
  const records = fields.filter((o) => o.number === recordNumber);
  const annotations = fields.filter((o) => o.number === annotationNumber);
  if (records.length > 1 || records.some((o) => o.wireType !== 2)) {
    fail("the response holds its record more than once or malformed: not as an owner's gateway releases it");
  }
  if (annotations.length > 1 || annotations.some((o) => o.wireType !== 2)) {
    fail("the response holds more than one annotation: not as an owner's gateway releases it");
  }
  const [r] = records;
  const [a] = annotations;
  const record = r === undefined ? new Uint8Array() : payloadOf(response, r);
  return a === undefined ? { record } : { record, annotation: payloadOf(response, a) };
}

/** The same from a decoded response (ts-proto's object): re-encoded, then checked against the digest. */
function fromDecoded(
  method: ShareMethodSpec,
  recordType: string,
  response: Readonly<Record<string, unknown>>,
): { record: Uint8Array; annotation?: Uint8Array } {
  const annotation = response[camel(method.responseAnnotation?.name ?? "")] as contract.Annotation | undefined;
  if (annotation === undefined) return { record: new Uint8Array() };
  const fns = (contract as unknown as Record<string, MessageFns<unknown> | undefined>)[
    recordType.slice(recordType.lastIndexOf(".") + 1)
  ];
  if (fns === undefined) return fail(`@hutong/proto has no message ${recordType}`);
  const value = response[camel(method.responseRecord?.name ?? "")];
  const record = value === undefined ? new Uint8Array() : fns.encode(value).finish();
  if (!constantTimeEqual(sm3(record), annotation.recordSm3)) {
    fail(
      "the decoded record does not encode to the bytes the annotation was signed for; build the copy from the response bytes",
    );
  }
  return { record, annotation: Annotation.encode(annotation).finish() };
}

/**
 * The annotated copy a fetch's response carries: the record's exact bytes and the annotation's,
 * from the response bytes (what `HutongClient.session.call` returns) or, when only the decoded
 * response is at hand, re-encoded (refused if that does not give back the signed bytes). Undefined
 * when the response carries no annotation. `method` is the method's generated share table entry
 * (`shareMethods.get("hutong.v1.<Service>/<Method>")`).
 */
export function annotatedCopyOf(method: ShareMethodSpec, response: Uint8Array | object): AnnotatedCopy | undefined {
  const recordType = recordTypeOf(method);
  const parts =
    response instanceof Uint8Array
      ? fromBytes(method, response)
      : fromDecoded(method, recordType, response as Readonly<Record<string, unknown>>);
  return parts.annotation === undefined
    ? undefined
    : { recordType, record: parts.record, annotation: parts.annotation };
}

/** The file object of a copy (JSON.stringify it to write the file). */
export function annotatedCopyFile(copy: AnnotatedCopy): AnnotatedCopyFile {
  return {
    format: annotatedCopyFormat,
    recordType: copy.recordType,
    record: Buffer.from(copy.record).toString("base64"),
    annotation: Buffer.from(copy.annotation).toString("base64"),
  };
}

/** The file object of the copy a fetch's response carries, or undefined when it carries none. */
export function annotatedCopyFileOf(
  method: ShareMethodSpec,
  response: Uint8Array | object,
): AnnotatedCopyFile | undefined {
  const copy = annotatedCopyOf(method, response);
  return copy === undefined ? undefined : annotatedCopyFile(copy);
}

const fileKeys = ["format", "recordType", "record", "annotation"];

function base64(value: unknown, name: string): Uint8Array {
  if (typeof value !== "string") return fail(`${name} must be a base64 string`);
  const bytes = Buffer.from(value, "base64");
  // Canonical base64 only: one text per byte string, so what was signed is what is read.
  if (bytes.toString("base64") !== value) return fail(`${name} is not canonical base64 (RFC 4648, padded)`);
  return new Uint8Array(bytes);
}

/** Reads a parsed annotated-copy file, strictly: the format, the four keys and nothing else, base64. */
export function parseAnnotatedCopyFile(json: unknown): AnnotatedCopy {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return fail("expected a JSON object");
  const o = json as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !fileKeys.includes(k));
  if (unknown.length > 0) fail(`unknown field ${JSON.stringify(unknown[0])} (fields: ${fileKeys.join(", ")})`);
  if (o.format !== annotatedCopyFormat) fail(`format must be "${annotatedCopyFormat}"`);
  if (typeof o.recordType !== "string" || !/^[A-Za-z_][\w.]*$/.test(o.recordType)) {
    fail("recordType must be a message's full name");
  }
  return {
    recordType: o.recordType as string,
    record: base64(o.record, "record"),
    annotation: base64(o.annotation, "annotation"),
  };
}

/** The record's canonical id (its (hutong.v1.record) id path), when the contract knows the record type. */
export function annotatedRecordId(copy: Pick<AnnotatedCopy, "recordType" | "record">): string | undefined {
  const schema = [...recordSchemas.values()].find((s) => s.message === copy.recordType);
  if (schema === undefined) return undefined;
  try {
    return readWireString(copy.record, schema.id);
  } catch {
    return undefined;
  }
}
