import { parseCertificate, type Sm2PrivateKey, sm2Sign, sm2Verify } from "@hutong/certs";
import { Licence, type SealedLicenceFile } from "@hutong/proto";

// The licence file the reference issuer seals: the licence's proto3 JSON (without the OFD bytes),
// UTF-8, signed with SM2 by the issuing authority's key. A real issuer's file is an SES-sealed OFD
// (GB/T 33190, GB/T 38540), which no library in this stack writes; the media type says which one
// a file is, and the check below is the same for both: the signature over the exact bytes.

export const licenceFileMediaType = "application/vnd.hutong.licence+json";

/** The issuing authority's seal: its SM2 key and the DER of its certificate. */
export interface IssuerSeal {
  readonly key: Sm2PrivateKey;
  readonly certificateDer: Uint8Array;
}

/** The sealed file of `licence` as it stands. */
export function sealLicenceFile(seal: IssuerSeal, licence: Licence): SealedLicenceFile {
  const content = Buffer.from(JSON.stringify(Licence.toJSON({ ...licence, ofdFile: Buffer.alloc(0) })), "utf8");
  return {
    mediaType: licenceFileMediaType,
    content,
    signature: Buffer.from(sm2Sign(seal.key, content)),
    signerCertificate: Buffer.from(seal.certificateDer),
  };
}

/**
 * Whether `file`'s signature verifies under its signer certificate's key, offline. Whether that
 * certificate is an issuing authority's is the caller's check (its chain, its party); this says
 * only that the bytes are the ones the certificate's key signed.
 */
export function licenceFileSignatureValid(file: SealedLicenceFile): boolean {
  try {
    return sm2Verify(parseCertificate(file.signerCertificate).publicKey, file.content, file.signature);
  } catch {
    return false;
  }
}
