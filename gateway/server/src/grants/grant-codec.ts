import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { isValidPartyId, sm3 } from "@hutong/certs";
import { GrantBody, GrantorKind, Purpose, RecordKind, SignedGrant } from "@hutong/proto";
import { isFieldPath, recordRoot } from "./field-paths.js";
import { GrantsError } from "./grants-error.js";
import { subjectDigestLength } from "./subject-digest.js";

export const grantFormatVersion = 1;
/** Domain-separation label of the grant id hash. */
export const grantIdLabel = "hutong/v1 grant\0";
export const grantIdPrefix = "g1-";
export const grantNonceLength = 16;
export const maxRecordIds = 64;
export const maxRecordIdLength = 128;
export const maxFieldsAllowed = 64;
export const maxGrantBodyBytes = 16 * 1024;
export const maxSignerChainLength = 8;
export const maxCertificateBytes = 16 * 1024;

const grantIdPattern = /^g1-[0-9a-f]{32}$/;
const printableAscii = /^[\x21-\x7e]+$/;

/** A GrantBody that passed every format rule: its timestamps are present. */
export type DecodedGrantBody = Readonly<Omit<GrantBody, "notBefore" | "expiresAt" | "issuedAt">> & {
  readonly notBefore: Date;
  readonly expiresAt: Date;
  readonly issuedAt: Date;
};

/**
 * The grant id: "g1-" + the first 32 hex digits of SM3("hutong/v1 grant\0" || body). Derived, not
 * chosen, so it commits to the exact body bytes: nobody can register another body under a known
 * id. The signature is outside the hash, so re-encoding a signature cannot fork an id.
 */
export function grantIdFor(bodyBytes: Uint8Array): string {
  const digest = sm3(Buffer.from(grantIdLabel, "latin1"), bodyBytes);
  return grantIdPrefix + Buffer.from(digest).toString("hex").slice(0, 32);
}

export function isGrantId(text: string): boolean {
  return grantIdPattern.test(text);
}

// --- strict wire scan -----------------------------------------------------------------------

interface FieldShape {
  readonly wireType: WireType;
  readonly repeated?: boolean;
  readonly timestamp?: boolean;
}

// GrantBody's fields by number (grant.proto). Anything else is refused: a future field that
// narrows a grant must not be silently dropped by an older verifier.
const bodyShape: ReadonlyMap<number, FieldShape> = new Map<number, FieldShape>([
  [1, { wireType: WireType.Varint }],
  [2, { wireType: WireType.Varint }],
  [3, { wireType: WireType.LengthDelimited }],
  [4, { wireType: WireType.LengthDelimited }],
  [5, { wireType: WireType.LengthDelimited }],
  [6, { wireType: WireType.LengthDelimited }],
  [7, { wireType: WireType.Varint }],
  [8, { wireType: WireType.LengthDelimited, repeated: true }],
  [9, { wireType: WireType.Varint }],
  [10, { wireType: WireType.LengthDelimited, timestamp: true }],
  [11, { wireType: WireType.LengthDelimited, timestamp: true }],
  [12, { wireType: WireType.Varint }],
  [13, { wireType: WireType.LengthDelimited, repeated: true }],
  [14, { wireType: WireType.LengthDelimited, timestamp: true }],
  [15, { wireType: WireType.LengthDelimited }],
]);

const maxTimestampSeconds = 253_402_300_799n; // 9999-12-31T23:59:59Z

function malformed(message: string, cause?: unknown): never {
  throw new GrantsError("malformed", message, cause === undefined ? undefined : { cause });
}

function invalid(message: string): never {
  throw new GrantsError("invalid-grant", message);
}

/** google.protobuf.Timestamp with millisecond precision and no unknown or repeated fields. */
function checkTimestamp(bytes: Uint8Array, field: number): void {
  const reader = new BinaryReader(bytes);
  let seconds: bigint | undefined;
  let nanos: number | undefined;
  while (reader.pos < reader.len) {
    const [no, wireType] = reader.tag();
    if (wireType !== WireType.Varint || (no !== 1 && no !== 2)) {
      malformed(`GrantBody field ${field}: unexpected Timestamp field ${no}`);
    }
    if (no === 1) {
      if (seconds !== undefined) malformed(`GrantBody field ${field}: Timestamp.seconds given twice`);
      seconds = BigInt(reader.int64());
    } else {
      if (nanos !== undefined) malformed(`GrantBody field ${field}: Timestamp.nanos given twice`);
      nanos = reader.int32();
    }
  }
  const s = seconds ?? 0n;
  const n = nanos ?? 0;
  if (s < 0n || s > maxTimestampSeconds) invalid(`GrantBody field ${field}: timestamp out of range`);
  // ts-proto reads a Timestamp into a Date (milliseconds): finer precision would be cut silently.
  if (n < 0 || n > 999_999_999 || n % 1_000_000 !== 0) {
    invalid(`GrantBody field ${field}: timestamps have millisecond precision`);
  }
}

function scanBody(bytes: Uint8Array): void {
  const seen = new Set<number>();
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [no, wireType] = reader.tag();
    const shape = bodyShape.get(no);
    if (shape === undefined) malformed(`GrantBody has unknown field ${no}`);
    if (wireType !== shape.wireType) malformed(`GrantBody field ${no} has wire type ${wireType}`);
    // Protobuf lets a later singular field override an earlier one; the signer and a verifier
    // could then read different bodies from the same bytes, so one occurrence only.
    if (!shape.repeated && seen.has(no)) malformed(`GrantBody field ${no} given twice`);
    seen.add(no);
    if (shape.timestamp) checkTimestamp(reader.bytes(), no);
    else reader.skip(wireType, no);
  }
}

// --- format rules -----------------------------------------------------------------------------

function isEnumValue(e: Record<number, string>, value: number): boolean {
  return value > 0 && typeof e[value] === "string";
}

function checkParty(value: string, field: string): void {
  if (!isValidPartyId(value)) invalid(`${field} is not a valid party id`);
}

function checkDate(value: Date | undefined, field: string): Date {
  if (value === undefined || Number.isNaN(value.getTime())) invalid(`${field} is missing`);
  return value;
}

function checkList(values: readonly string[], field: string, max: number, ok: (v: string) => boolean): void {
  if (values.length > max) invalid(`${field} holds more than ${max} entries`);
  if (new Set(values).size !== values.length) invalid(`${field} repeats an entry`);
  if (!values.every(ok)) invalid(`${field} holds an invalid entry`);
}

/**
 * Checks a body against the format rules (docs/grants.md) and returns it typed with its times
 * present. Holder grants must name the owner, at least one record and a use limit ≥ 1 (minimum
 * necessary); authority grants may leave the owner and the records open and set no use limit.
 */
export function validateGrantBody(body: GrantBody): DecodedGrantBody {
  if (body.version !== grantFormatVersion) invalid(`version ${body.version}; only ${grantFormatVersion} is known`);
  if (body.grantorKind === GrantorKind.GRANTOR_KIND_HOLDER) {
    if (body.grantorParty !== "") invalid("a holder grant names no grantor_party");
    checkParty(body.ownerParty, "owner_party");
    if (body.recordIds.length === 0) invalid("a holder grant names at least one record id");
    if (body.useLimit < 1) invalid("a holder grant has a use_limit of at least 1");
  } else if (body.grantorKind === GrantorKind.GRANTOR_KIND_AUTHORITY) {
    checkParty(body.grantorParty, "grantor_party");
    if (body.ownerParty !== "") checkParty(body.ownerParty, "owner_party");
  } else {
    invalid("grantor_kind is unspecified or unknown");
  }
  checkParty(body.granteeParty, "grantee_party");
  if (body.subjectDigest.length !== subjectDigestLength) invalid(`subject_digest must be ${subjectDigestLength} bytes`);
  if (!isEnumValue(RecordKind, body.recordKind) || recordRoot(body.recordKind) === undefined) {
    invalid("record_kind is unspecified or unknown");
  }
  checkList(
    body.recordIds,
    "record_ids",
    maxRecordIds,
    (id) => id.length <= maxRecordIdLength && printableAscii.test(id),
  );
  if (!isEnumValue(Purpose, body.purpose)) invalid("purpose is unspecified or unknown");
  const notBefore = checkDate(body.notBefore, "not_before");
  const expiresAt = checkDate(body.expiresAt, "expires_at");
  const issuedAt = checkDate(body.issuedAt, "issued_at");
  if (expiresAt.getTime() <= notBefore.getTime()) invalid("expires_at must be after not_before");
  if (expiresAt.getTime() <= issuedAt.getTime()) invalid("expires_at must be after issued_at");
  checkList(body.fieldsAllowed, "fields_allowed", maxFieldsAllowed, (p) => isFieldPath(p, body.recordKind));
  if (body.nonce.length !== grantNonceLength) invalid(`nonce must be ${grantNonceLength} bytes`);
  return { ...body, notBefore, expiresAt, issuedAt };
}

/** Decodes the exact signed body bytes: strict wire scan, then the format rules. */
export function decodeGrantBody(bytes: Uint8Array): DecodedGrantBody {
  if (bytes.length === 0 || bytes.length > maxGrantBodyBytes) {
    malformed(`a grant body is 1-${maxGrantBodyBytes} bytes, got ${bytes.length}`);
  }
  let body: GrantBody;
  try {
    scanBody(bytes);
    body = GrantBody.decode(bytes);
  } catch (cause) {
    if (cause instanceof GrantsError) throw cause;
    malformed("grant body is not well-formed protobuf", cause);
  }
  return validateGrantBody(body);
}

/** The bytes a grantor signs: the body checked against the format rules, then serialized once. */
export function encodeGrantBody(body: GrantBody): Uint8Array {
  validateGrantBody(body);
  return GrantBody.encode(body).finish();
}

/** Decodes a SignedGrant (as stored or received) and checks its shape; the body stays bytes. */
export function decodeSignedGrant(bytes: Uint8Array): SignedGrant {
  let signed: SignedGrant;
  try {
    signed = SignedGrant.decode(bytes);
  } catch (cause) {
    malformed("SignedGrant is not well-formed protobuf", cause);
  }
  checkSignedGrant(signed);
  return signed;
}

/** Shape checks of a SignedGrant already decoded (e.g. as part of a request). */
export function checkSignedGrant(signed: SignedGrant): void {
  if (signed.body.length === 0 || signed.body.length > maxGrantBodyBytes) {
    malformed(`a grant body is 1-${maxGrantBodyBytes} bytes`);
  }
  if (signed.signature.length === 0 || signed.signature.length > 80) malformed("the signature must be 1-80 bytes");
  if (signed.signerChain.length === 0 || signed.signerChain.length > maxSignerChainLength) {
    malformed(`signer_chain must hold 1-${maxSignerChainLength} certificates`);
  }
  if (signed.signerChain.some((c) => c.length === 0 || c.length > maxCertificateBytes)) {
    malformed(`each certificate of signer_chain is 1-${maxCertificateBytes} bytes`);
  }
}
