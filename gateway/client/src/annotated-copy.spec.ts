import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type Certificate,
  type Crl,
  createCertificate,
  createCrl,
  type ExtKeyUsageName,
  generateSm2PrivateKey,
  type Sm2PrivateKey,
  sm2Sign,
  sm3,
} from "@hutong/certs";
import { Annotation, GetTicketResponse, Purpose, shareMethods, Ticket } from "@hutong/proto";
import {
  type AnnotatedCopyVerdict,
  type AnnotationFields,
  annotationSigningBytes,
  annotationSigningLabel,
  verifyAnnotatedCopy,
} from "./annotated-copy.js";
import {
  annotatedCopyFile,
  annotatedCopyFileOf,
  annotatedCopyOf,
  annotatedRecordId,
  parseAnnotatedCopyFile,
} from "./annotated-copy-file.js";
import { isClientError } from "./client-error.js";

const day = 86_400_000;
const now = Date.parse("2026-06-01T00:00:00Z");

interface Issued {
  readonly cert: Certificate;
  readonly key: Sm2PrivateKey;
}

function ca(name: string): Issued {
  const key = generateSm2PrivateKey();
  const cert = createCertificate({
    subject: { commonName: name },
    publicKey: key.publicKey,
    selfSignKey: key,
    ca: {},
    notBefore: new Date(now - 30 * day),
    notAfter: new Date(now + 3650 * day),
  });
  return { cert, key };
}

function leaf(issuer: Issued, partyId: string, eku: readonly ExtKeyUsageName[] = ["serverAuth", "clientAuth"]): Issued {
  const key = generateSm2PrivateKey();
  const cert = createCertificate({
    subject: { commonName: partyId },
    publicKey: key.publicKey,
    issuer: { certificate: issuer.cert, privateKey: issuer.key },
    partyId,
    extKeyUsage: eku,
    notBefore: new Date(now - day),
    notAfter: new Date(now + 365 * day),
  });
  return { cert, key };
}

const crlOf = (issuer: Issued, revoked: readonly Issued[] = [], at = now): Crl =>
  createCrl({
    issuer: issuer.cert,
    issuerKey: issuer.key,
    thisUpdate: new Date(at - 3_600_000),
    nextUpdate: new Date(at + 7 * day),
    crlNumber: 1n,
    entries: revoked.map((r) => ({ serialHex: r.cert.serialHex, revocationDate: new Date(now - 3_600_000) })),
  });

const root = ca("annotation test root");
const gateway = leaf(root, "prov:510000");
const trust = { trustAnchors: [root.cert] };
const crls = [crlOf(root)];
const record = Ticket.encode(Ticket.fromPartial({ ticketNo: "51-7", scheduleNo: "K1021" })).finish();

const fieldsFor = (signer: Issued, o: Partial<AnnotationFields> = {}): AnnotationFields => ({
  recordType: "hutong.v1.Ticket",
  recipientParty: "prov:440000/enforcement",
  purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
  grantId: "",
  issuedAtMs: now,
  validUntilMs: now + 30 * day,
  recordSm3: sm3(record),
  signerParty: signer.cert.partyId ?? "",
  signerChain: [signer.cert.der],
  ...o,
});

/** An annotation as an owner's gateway makes one: the canonical bytes signed, the fields encoded. */
function annotate(signer: Issued, o: Partial<AnnotationFields> = {}): Annotation {
  const f = fieldsFor(signer, o);
  return {
    recipientParty: f.recipientParty,
    purpose: f.purpose,
    grantId: f.grantId,
    issuedAt: new Date(f.issuedAtMs),
    validUntil: new Date(f.validUntilMs),
    recordSm3: Buffer.from(f.recordSm3),
    signerParty: f.signerParty,
    signerChain: f.signerChain.map((d) => Buffer.from(d)),
    signature: Buffer.from(sm2Sign(signer.key, annotationSigningBytes(f))),
  };
}

function verify(
  annotation: Annotation | Uint8Array,
  o: { recordBytes?: Uint8Array; now?: number; crls?: readonly Crl[]; recordType?: string } = {},
): AnnotatedCopyVerdict {
  return verifyAnnotatedCopy({
    recordType: o.recordType ?? "hutong.v1.Ticket",
    recordBytes: o.recordBytes ?? record,
    annotation,
    trust,
    crls: o.crls ?? crls,
    now: o.now ?? now + 60_000,
  });
}

const reasonOf = (v: AnnotatedCopyVerdict) => (v.ok ? "ok" : v.reason);

describe("annotated copies: the canonical encoding", () => {
  it("is the label, then every field length-prefixed in a fixed order, integers big-endian", () => {
    const m = annotationSigningBytes({
      recordType: "T",
      recipientParty: "r",
      purpose: 6,
      grantId: "",
      issuedAtMs: 1,
      validUntilMs: 2 ** 32 + 2,
      recordSm3: Uint8Array.of(0xaa),
      signerParty: "s",
      signerChain: [Uint8Array.of(0xc1), Uint8Array.of(0xc2, 0xc3)],
    });
    const hex = [
      Buffer.from(annotationSigningLabel, "ascii").toString("hex"),
      "00000001" + "54", // record_type "T"
      "00000001" + "72", // recipient_party "r"
      "00000004" + "00000006", // purpose
      "00000000", // grant_id, empty
      "00000008" + "0000000000000001", // issued_at
      "00000008" + "0000000100000002", // valid_until
      "00000001" + "aa", // record_sm3
      "00000001" + "73", // signer_party "s"
      "0000000b" + "00000001c1" + "00000002c2c3", // signer_chain: one field holding field(c1) || field(c2 c3)
    ];
    assert.equal(Buffer.from(m).toString("hex"), hex.join(""));
    assert.equal(annotationSigningLabel, "hutong/v1 annotated copy\0");
  });

  it("refuses values outside the encoding's domain", () => {
    const f = fieldsFor(gateway);
    assert.throws(() => annotationSigningBytes({ ...f, issuedAtMs: -1 }), RangeError);
    assert.throws(() => annotationSigningBytes({ ...f, purpose: -1 }), RangeError);
  });
});

describe("annotated copies: verification", () => {
  it("accepts a copy signed by a gateway of the federation, and says what it is", () => {
    const v = verify(Annotation.encode(annotate(gateway)).finish());
    assert.ok(v.ok, JSON.stringify(v));
    assert.equal(v.annotation.recipientParty, "prov:440000/enforcement");
    assert.equal(v.annotation.signerParty, "prov:510000");
    assert.equal(v.annotation.validUntil.getTime(), now + 30 * day);
    assert.equal(v.annotation.signer.serialHex, gateway.cert.serialHex);
  });

  it("names the record changed by one byte", () => {
    const tampered = Buffer.from(record);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 1) ^ 0x01, tampered.length - 1);
    assert.equal(reasonOf(verify(annotate(gateway), { recordBytes: tampered })), "digest-mismatch");
    assert.equal(reasonOf(verify(annotate(gateway), { recordBytes: new Uint8Array() })), "digest-mismatch");
  });

  it("names any signed field changed: recipient, validity, grant, purpose, record type, signature", () => {
    const a = annotate(gateway);
    const changed: Annotation[] = [
      { ...a, recipientParty: "prov:440000/other" },
      { ...a, validUntil: new Date(now + 365 * day) },
      { ...a, issuedAt: new Date(now - day) },
      { ...a, grantId: "g1-00000000000000000000000000000000" },
      { ...a, purpose: Purpose.PURPOSE_EMERGENCY },
      { ...a, recordSm3: Buffer.from(sm3(Uint8Array.of(1))) },
    ];
    for (const c of changed) assert.equal(reasonOf(verify(c)), "bad-signature", JSON.stringify(c.recipientParty));
    const sig = Buffer.from(a.signature);
    sig.writeUInt8(sig.readUInt8(sig.length - 1) ^ 0x01, sig.length - 1);
    assert.equal(reasonOf(verify({ ...a, signature: sig })), "bad-signature");
    assert.equal(reasonOf(verify(a, { recordType: "hutong.v1.Licence" })), "bad-signature");
  });

  it("refuses a revoked signer, an untrusted one, and a chain without a current CRL", () => {
    assert.equal(reasonOf(verify(annotate(gateway), { crls: [crlOf(root, [gateway])] })), "revoked");
    const stranger = leaf(ca("another root"), "prov:510000");
    assert.equal(reasonOf(verify(annotate(stranger))), "untrusted-chain");
    assert.equal(reasonOf(verify(annotate(gateway), { crls: [] })), "untrusted-chain");
  });

  it("refuses a signer that is not a gateway of signer_party", () => {
    // A system's certificate (a sub-system party, clientAuth), in its own name or a gateway's.
    const system = leaf(root, "prov:510000/ticketing", ["clientAuth"]);
    assert.equal(reasonOf(verify(annotate(system))), "signer-mismatch");
    assert.equal(reasonOf(verify(annotate(system, { signerParty: "prov:510000" }))), "signer-mismatch");
    // Another gateway's certificate claiming this one's party.
    const other = leaf(root, "prov:440000");
    assert.equal(reasonOf(verify(annotate(other, { signerParty: "prov:510000" }))), "signer-mismatch");
    // The member's party, but a certificate that is not for a server (no serverAuth).
    const clientOnly = leaf(root, "prov:650000", ["clientAuth"]);
    assert.equal(reasonOf(verify(annotate(clientOnly))), "signer-mismatch");
  });

  it("honours the validity window, with a small skew before issue", () => {
    const a = annotate(gateway);
    assert.equal(reasonOf(verify(a, { now: now + 30 * day + 1, crls: [crlOf(root, [], now + 30 * day)] })), "expired");
    assert.equal(reasonOf(verify(a, { now: now + 30 * day, crls: [crlOf(root, [], now + 30 * day)] })), "ok");
    assert.equal(reasonOf(verify(a, { now: now - 30_000 })), "ok");
    assert.equal(reasonOf(verify(a, { now: now - 61_000 })), "not-yet-valid");
  });

  it("calls malformed what does not decode or lacks a field, and never throws", () => {
    const a = annotate(gateway);
    assert.equal(reasonOf(verify(Uint8Array.of(0x0a, 0x7f))), "malformed");
    assert.equal(reasonOf(verify({ ...a, issuedAt: undefined })), "malformed");
    assert.equal(reasonOf(verify({ ...a, validUntil: a.issuedAt })), "malformed");
    assert.equal(reasonOf(verify({ ...a, recordSm3: Buffer.alloc(31) })), "malformed");
    assert.equal(reasonOf(verify({ ...a, signature: Buffer.alloc(0) })), "malformed");
    assert.equal(reasonOf(verify({ ...a, purpose: Purpose.PURPOSE_UNSPECIFIED })), "malformed");
    assert.equal(reasonOf(verify({ ...a, signerChain: [] })), "malformed");
    assert.equal(reasonOf(verify({ ...a, signerChain: [Buffer.from("not a certificate")] })), "malformed");
  });
});

describe("annotated copies: the file", () => {
  const method = shareMethods.get("hutong.v1.TicketService/GetTicket");
  assert.ok(method !== undefined);
  const annotation = annotate(gateway);
  const annotationBytes = Annotation.encode(annotation).finish();

  it("takes the exact record and annotation bytes out of a response, and round-trips through JSON", () => {
    const bytes = GetTicketResponse.encode({ ticket: Ticket.decode(record), annotation }).finish();
    const copy = annotatedCopyOf(method, bytes);
    assert.ok(copy !== undefined);
    assert.deepEqual(Buffer.from(copy.record), Buffer.from(record));
    assert.deepEqual(Buffer.from(copy.annotation), Buffer.from(annotationBytes));
    const file = annotatedCopyFileOf(method, bytes);
    assert.deepEqual(file, {
      format: "hutong-annotated-copy/v1",
      recordType: "hutong.v1.Ticket",
      record: Buffer.from(record).toString("base64"),
      annotation: Buffer.from(annotationBytes).toString("base64"),
    });
    const read = parseAnnotatedCopyFile(JSON.parse(JSON.stringify(file)));
    const v = verifyAnnotatedCopy({
      recordType: read.recordType,
      recordBytes: read.record,
      annotation: read.annotation,
      trust,
      crls,
      now,
    });
    assert.ok(v.ok, JSON.stringify(v));
    assert.equal(annotatedRecordId(read), "51-7");
    // From the decoded response too, when it re-encodes to the signed bytes.
    assert.deepEqual(annotatedCopyOf(method, GetTicketResponse.decode(bytes)), copy);
    // No annotation: no copy.
    const plain = GetTicketResponse.encode({ ticket: Ticket.decode(record), annotation: undefined }).finish();
    assert.equal(annotatedCopyOf(method, plain), undefined);
  });

  it("refuses a response not as an owner's gateway writes it, and a decoded record that re-encodes otherwise", () => {
    const twice = Buffer.concat([
      GetTicketResponse.encode({ ticket: Ticket.decode(record), annotation }).finish(),
      GetTicketResponse.encode({ ticket: undefined, annotation }).finish(),
    ]);
    assert.throws(
      () => annotatedCopyOf(method, twice),
      (e) => isClientError(e, "invalid-annotated-copy"),
    );
    const otherRecord = { ticket: Ticket.fromPartial({ ticketNo: "51-8" }), annotation };
    assert.throws(() => annotatedCopyOf(method, otherRecord), /re-encode|encode to the bytes/);
    const verify = shareMethods.get("hutong.v1.TicketService/VerifyTicket");
    assert.ok(verify !== undefined);
    assert.throws(() => annotatedCopyOf(verify, new Uint8Array()), /not a fetch with annotated copies/);
  });

  it("reads only its own format: the four keys, canonical base64", () => {
    const good = annotatedCopyFile({ recordType: "hutong.v1.Ticket", record, annotation: annotationBytes });
    const bad: [unknown, RegExp][] = [
      [[], /expected a JSON object/],
      [{ ...good, extra: 1 }, /unknown field "extra"/],
      [{ ...good, format: "hutong-annotated-copy/v2" }, /format must be/],
      [{ ...good, record: `${good.record}=` }, /record is not canonical base64/],
      [{ ...good, annotation: 7 }, /annotation must be a base64 string/],
      [{ ...good, recordType: "" }, /recordType must be/],
    ];
    for (const [json, pattern] of bad) {
      assert.throws(
        () => parseAnnotatedCopyFile(json),
        (e) => isClientError(e, "invalid-annotated-copy") && pattern.test(e.message),
        String(pattern),
      );
    }
  });
});
