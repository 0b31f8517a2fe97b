import { parseCertificate, type Sm2PrivateKey, type Sm2PublicKey, sm2Sign, sm2Verify } from "@hutong/certs";
import { type Licence, LicenceQrClaims } from "@hutong/proto";

// A licence's QR payload (GB/T 27766's grid-matrix code carries a string): the issuer's signed
// claims, short enough for a code, checkable offline with the issuer's certificate, and the key a
// scanner looks the licence up with ("verify, don't fetch"). The format is ours; a real issuer's
// code often carries a verification URL instead (domain.md §2.2).

const prefix = "HTQR1";
const b64url = (b: Uint8Array) => Buffer.from(b).toString("base64url");

/** The payload for `licence` as it stands, signed with the issuer's key. */
export function licenceQrPayload(key: Sm2PrivateKey, issuer: string, licence: Licence, now: Date): string {
  const claims = LicenceQrClaims.encode({
    licenceId: licence.licenceId,
    kind: licence.kind,
    issuer,
    validTo: licence.validTo,
    signedAt: now,
  }).finish();
  return `${prefix}.${b64url(claims)}.${b64url(sm2Sign(key, claims))}`;
}

export type QrCheck =
  | { readonly ok: true; readonly claims: LicenceQrClaims }
  | { readonly ok: false; readonly reason: string };

/**
 * Whether `payload` is a QR payload signed by `signer` (the issuer's public key, or its
 * certificate's DER): its claims, or why not. Never throws.
 */
export function checkLicenceQr(payload: string, signer: Sm2PublicKey | Uint8Array): QrCheck {
  const parts = payload.split(".");
  if (parts.length !== 3 || parts[0] !== prefix) return { ok: false, reason: `not an ${prefix} payload` };
  const claimsBytes = Buffer.from(parts[1] as string, "base64url");
  const signature = Buffer.from(parts[2] as string, "base64url");
  // Node's decoder skips characters outside the alphabet and spare bits: only the exact encoding
  // of the decoded bytes is the payload the issuer signed.
  if (b64url(claimsBytes) !== parts[1] || b64url(signature) !== parts[2]) {
    return { ok: false, reason: "not in canonical base64url" };
  }
  let key: Sm2PublicKey;
  try {
    key = signer instanceof Uint8Array ? parseCertificate(signer).publicKey : signer;
  } catch {
    return { ok: false, reason: "the signer certificate cannot be read" };
  }
  if (!sm2Verify(key, claimsBytes, signature)) return { ok: false, reason: "the signature does not verify" };
  try {
    return { ok: true, claims: LicenceQrClaims.decode(claimsBytes) };
  } catch {
    return { ok: false, reason: "the signed claims are not LicenceQrClaims" };
  }
}
