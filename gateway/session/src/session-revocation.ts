import { type Crl, constantTimeEqual, sm3 } from "@hutong/certs";
import { SessionError } from "./session-error.js";

export interface RevocationSubject {
  readonly certSerial: Uint8Array;
  readonly issuerNameHash: Uint8Array;
}

function serialHex(serial: Uint8Array): string {
  // Same form as Certificate.serialHex: lowercase, whole bytes, no leading zero bytes.
  let i = 0;
  while (i < serial.length - 1 && serial[i] === 0) i++;
  return Buffer.from(serial.subarray(i)).toString("hex");
}

// A CRL's issuer name hash, computed once per parsed CRL rather than on every call.
const issuerHashes = new WeakMap<Crl, Uint8Array>();
function issuerHashOf(crl: Crl): Uint8Array {
  let h = issuerHashes.get(crl);
  if (h === undefined) {
    h = sm3(crl.issuerDer);
    issuerHashes.set(crl, h);
  }
  return h;
}

/**
 * The per-call revocation check: throws SessionError("revoked") when any of
 * `crls` from the session certificate's issuer lists its serial with a
 * revocation date at or before `now`. Pure and cheap (no signature work): the
 * caller passes CRLs it has already verified and keeps fresh (the same set the
 * handshake validates against), so a revocation published mid-session stops
 * the very next call rather than waiting for the ticket to expire.
 */
export function checkSessionRevocation(subject: RevocationSubject, crls: readonly Crl[], now: number): void {
  const serial = serialHex(subject.certSerial);
  for (const crl of crls) {
    if (!constantTimeEqual(issuerHashOf(crl), subject.issuerNameHash)) continue;
    const entry = crl.revoked.get(serial);
    if (entry !== undefined && entry.revocationDate.getTime() <= now) {
      throw new SessionError(
        "revoked",
        `session certificate ${serial} revoked at ${entry.revocationDate.toISOString()}`,
      );
    }
  }
}
