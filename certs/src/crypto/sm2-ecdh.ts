import { createECDH } from "node:crypto";
import { CertsError } from "../error.js";
import { defaultSm2Backend } from "./sm2-backend-registry.js";
import { createSm2PublicKey, exportSm2PrivateScalar, type Sm2PrivateKey, type Sm2PublicKey } from "./sm2-key.js";

/**
 * A key for one ECDH on the SM2 curve. Generation is node:crypto's (one
 * fixed-base multiplication); agreement is the SM2 backend's: the native addon
 * multiplies with OpenSSL's EC_POINT_mul, 2.5x faster than node:crypto's
 * computeSecret on this curve. Together with not re-importing the scalar this
 * took ECDH from about 40% of a handshake's CPU to under 15%.
 */
export interface Sm2EphemeralKey {
  readonly publicKey: Sm2PublicKey;
  /** The x-coordinate of d·peer (32 bytes). */
  agree(peer: Sm2PublicKey): Uint8Array;
}

function agree(d: Uint8Array, peer: Sm2PublicKey): Uint8Array {
  try {
    return defaultSm2Backend().ecdh(d, peer.point);
  } catch (cause) {
    throw new CertsError("invalid-key", "ECDH failed: peer point rejected", { cause });
  }
}

/** A fresh ephemeral key from OpenSSL's generator. */
export function generateSm2EphemeralKey(): Sm2EphemeralKey {
  const ecdh = createECDH("SM2");
  const publicKey = createSm2PublicKey(new Uint8Array(ecdh.generateKeys()));
  // getPrivateKey drops leading zero bytes (1 key in 256 is shorter): the backends take 32.
  const raw = ecdh.getPrivateKey();
  const d = new Uint8Array(32);
  d.set(raw, 32 - raw.length);
  return Object.freeze({ publicKey, agree: (peer: Sm2PublicKey) => agree(d, peer) });
}

/** An existing private key used as an ephemeral one (deterministic tests, the worked example). */
export function sm2EphemeralKeyFrom(privateKey: Sm2PrivateKey): Sm2EphemeralKey {
  const d = exportSm2PrivateScalar(privateKey);
  return Object.freeze({ publicKey: privateKey.publicKey, agree: (peer: Sm2PublicKey) => agree(d, peer) });
}

/**
 * Plain ECDH on the SM2 curve: the x-coordinate of d·Q (32 bytes). This is
 * what the handshake feeds to HKDF-SM3; it is not the SM2 key-exchange
 * protocol of GB/T 32918.3, whose role binding the signed transcript provides.
 */
export function sm2Ecdh(privateKey: Sm2PrivateKey, peer: Sm2PublicKey): Uint8Array {
  return agree(exportSm2PrivateScalar(privateKey), peer);
}
