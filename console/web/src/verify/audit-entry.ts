import { ProtoReader, type Tag, WireType } from "./protobuf-reader.js";

/** hutong.v1.AuditEntry (proto/hutong/v1/audit.proto), decoded from its exact bytes. */
export interface DecodedAuditEntry {
  readonly version: number;
  /** google.protobuf.Timestamp; undefined when the field is absent. */
  readonly time: { readonly seconds: bigint; readonly nanos: number } | undefined;
  readonly gatewayParty: string;
  readonly role: number;
  readonly method: string;
  readonly requesterParty: string;
  readonly peerParty: string;
  readonly peerCertSerial: string;
  readonly ownerParty: string;
  readonly recordKind: number;
  readonly recordDigest: Uint8Array;
  readonly subjectDigest: Uint8Array;
  readonly grantId: string;
  readonly purpose: number;
  readonly decision: number;
  readonly reason: string;
  readonly hops: readonly string[];
  readonly releasedSm3: Uint8Array;
  readonly fieldsReleased: readonly string[];
  readonly traceId: string;
  readonly correlationId: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const { varint, lengthDelimited } = WireType;

function decodeTimestamp(
  bytes: Uint8Array,
  into: { seconds: bigint; nanos: number } | undefined,
): { seconds: bigint; nanos: number } {
  // A repeated embedded message merges into the one before (protobuf's rule), field by field.
  const ts = { seconds: into?.seconds ?? 0n, nanos: into?.nanos ?? 0 };
  const r = new ProtoReader(bytes);
  while (!r.done()) {
    const tag = r.tag();
    if (tag.field === 1 && tag.wireType === varint) ts.seconds = r.int64();
    else if (tag.field === 2 && tag.wireType === varint) ts.nanos = r.int32();
    else r.skip(tag);
  }
  return ts;
}

/**
 * Decodes an AuditEntry with proto3 semantics: absent fields are their defaults, the last
 * occurrence of a singular field wins, unknown fields and known fields of another wire type are
 * skipped, repeated strings accumulate. Truncated or malformed input throws
 * VerifyFailure("malformed-entry"). Only ever called on bytes whose inclusion has been proven.
 */
export function decodeAuditEntry(bytes: Uint8Array): DecodedAuditEntry {
  const e: Mutable<DecodedAuditEntry> = {
    version: 0,
    time: undefined,
    gatewayParty: "",
    role: 0,
    method: "",
    requesterParty: "",
    peerParty: "",
    peerCertSerial: "",
    ownerParty: "",
    recordKind: 0,
    recordDigest: new Uint8Array(0),
    subjectDigest: new Uint8Array(0),
    grantId: "",
    purpose: 0,
    decision: 0,
    reason: "",
    hops: [],
    releasedSm3: new Uint8Array(0),
    fieldsReleased: [],
    traceId: "",
    correlationId: "",
  };
  const hops: string[] = [];
  const fieldsReleased: string[] = [];
  const r = new ProtoReader(bytes);
  const is = (tag: Tag, wireType: number) => tag.wireType === wireType;
  while (!r.done()) {
    const tag = r.tag();
    const v = is(tag, varint);
    const ld = is(tag, lengthDelimited);
    switch (tag.field) {
      case 1:
        if (v) e.version = r.uint32();
        else r.skip(tag);
        break;
      case 2:
        if (ld) e.time = decodeTimestamp(r.lengthDelimited(), e.time);
        else r.skip(tag);
        break;
      case 3:
        if (ld) e.gatewayParty = r.string();
        else r.skip(tag);
        break;
      case 4:
        if (v) e.role = r.int32();
        else r.skip(tag);
        break;
      case 5:
        if (ld) e.method = r.string();
        else r.skip(tag);
        break;
      case 6:
        if (ld) e.requesterParty = r.string();
        else r.skip(tag);
        break;
      case 7:
        if (ld) e.peerParty = r.string();
        else r.skip(tag);
        break;
      case 8:
        if (ld) e.peerCertSerial = r.string();
        else r.skip(tag);
        break;
      case 9:
        if (ld) e.ownerParty = r.string();
        else r.skip(tag);
        break;
      case 10:
        if (v) e.recordKind = r.int32();
        else r.skip(tag);
        break;
      case 11:
        if (ld) e.recordDigest = r.lengthDelimited().slice();
        else r.skip(tag);
        break;
      case 12:
        if (ld) e.subjectDigest = r.lengthDelimited().slice();
        else r.skip(tag);
        break;
      case 13:
        if (ld) e.grantId = r.string();
        else r.skip(tag);
        break;
      case 14:
        if (v) e.purpose = r.int32();
        else r.skip(tag);
        break;
      case 15:
        if (v) e.decision = r.int32();
        else r.skip(tag);
        break;
      case 16:
        if (ld) e.reason = r.string();
        else r.skip(tag);
        break;
      case 17:
        if (ld) hops.push(r.string());
        else r.skip(tag);
        break;
      case 18:
        if (ld) e.releasedSm3 = r.lengthDelimited().slice();
        else r.skip(tag);
        break;
      case 19:
        if (ld) fieldsReleased.push(r.string());
        else r.skip(tag);
        break;
      case 20:
        if (ld) e.traceId = r.string();
        else r.skip(tag);
        break;
      case 21:
        if (ld) e.correlationId = r.string();
        else r.skip(tag);
        break;
      default:
        r.skip(tag);
    }
  }
  e.hops = hops;
  e.fieldsReleased = fieldsReleased;
  return e;
}
