import { createSm2PrivateKey, parseCertificate, sm2Digest, sm2Za, sm3 } from "@hutong/certs";
import { Annotation } from "@hutong/proto";
import { annotationSigningBytes } from "./annotated-copy.js";

/**
 * The worked example of docs/annotated-copies.md §7 as code: every deterministic value recomputed
 * from the fixed inputs. annotation-example.spec.ts compares it with
 * gateway/client/testdata/annotation-example.json and with the hex in the doc;
 * generate-annotation-example.ts writes that file.
 */
export interface AnnotationExampleInputs {
  /** SM2 private scalars, hex: the federation root's and the signing gateway's. */
  readonly rootPrivate: string;
  readonly gatewayPrivate: string;
  /** Randomized (signatures inside): made once by the generator, verified by the test. */
  readonly rootCertificate: string;
  readonly gatewayCertificate: string;
  /** The root's CRL, which lists nothing. */
  readonly crl: string;
  readonly recordType: string;
  /** The record's exact bytes, hex. */
  readonly record: string;
  readonly recipientParty: string;
  readonly purpose: number;
  readonly grantId: string;
  /** Milliseconds since the epoch. */
  readonly issuedAt: number;
  readonly validUntil: number;
  readonly signerParty: string;
  /** Randomized: the gateway's SM2 signature (DER), verified by the test. */
  readonly signature: string;
  /** When the example copy is verified (ms). */
  readonly verifiedAt: number;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (h: string) => new Uint8Array(Buffer.from(h, "hex"));

/** What follows from the inputs: the record digest, the signed message, Z_A, e, the Annotation's bytes. */
export function computeAnnotationExample(i: AnnotationExampleInputs): Record<string, string> {
  const recordSm3 = sm3(bytes(i.record));
  const gatewayKey = createSm2PrivateKey(bytes(i.gatewayPrivate));
  const gateway = parseCertificate(bytes(i.gatewayCertificate));
  if (!Buffer.from(gateway.publicKey.point).equals(Buffer.from(gatewayKey.publicKey.point))) {
    throw new Error("the gateway certificate is not for the example's gateway key");
  }
  const fields = {
    recordType: i.recordType,
    recipientParty: i.recipientParty,
    purpose: i.purpose,
    grantId: i.grantId,
    issuedAtMs: i.issuedAt,
    validUntilMs: i.validUntil,
    recordSm3,
    signerParty: i.signerParty,
    signerChain: [gateway.der],
  };
  const signingMessage = annotationSigningBytes(fields);
  const annotation = Annotation.encode({
    recipientParty: i.recipientParty,
    purpose: i.purpose,
    grantId: i.grantId,
    issuedAt: new Date(i.issuedAt),
    validUntil: new Date(i.validUntil),
    recordSm3: Buffer.from(recordSm3),
    signerParty: i.signerParty,
    signerChain: [Buffer.from(gateway.der)],
    signature: Buffer.from(bytes(i.signature)),
  }).finish();
  return {
    recordSm3: hex(recordSm3),
    signingMessage: hex(signingMessage),
    signerZa: hex(sm2Za(gateway.publicKey)),
    signedDigest: hex(sm2Digest(gateway.publicKey, signingMessage)),
    annotation: hex(annotation),
  };
}
