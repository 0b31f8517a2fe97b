import { createECDH, type ECDH } from "node:crypto";
import { CertsError } from "../error.js";
import { createSm2PublicKey, exportSm2PrivateScalar, type Sm2PrivateKey, type Sm2PublicKey } from "./sm2-key.js";

/**
 * A key for one ECDH on the SM2 curve. Made by generateSm2EphemeralKey, it keeps
 * OpenSSL's key object from generation, so agreeing costs one scalar
 * multiplication: re-importing the scalar (setPrivateKey) recomputes the public
 * point, which was a sixth of a handshake's CPU.
 */
export interface Sm2EphemeralKey {
  readonly publicKey: Sm2PublicKey;
  /** The x-coordinate of d·peer (32 bytes). */
  agree(peer: Sm2PublicKey): Uint8Array;
}

function agreeWith(ecdh: ECDH, peer: Sm2PublicKey): Uint8Array {
  try {
    return new Uint8Array(ecdh.computeSecret(Buffer.from(peer.point)));
  } catch (cause) {
    throw new CertsError("invalid-key", "ECDH failed: peer point rejected", { cause });
  }
}

/** A fresh ephemeral key from OpenSSL's generator. */
export function generateSm2EphemeralKey(): Sm2EphemeralKey {
  const ecdh = createECDH("SM2");
  const publicKey = createSm2PublicKey(new Uint8Array(ecdh.generateKeys()));
  return Object.freeze({ publicKey, agree: (peer: Sm2PublicKey) => agreeWith(ecdh, peer) });
}

const imported = new WeakMap<Sm2PrivateKey, ECDH>();

function ecdhFor(privateKey: Sm2PrivateKey): ECDH {
  let ecdh = imported.get(privateKey);
  if (ecdh === undefined) {
    ecdh = createECDH("SM2");
    ecdh.setPrivateKey(Buffer.from(exportSm2PrivateScalar(privateKey)));
    imported.set(privateKey, ecdh);
  }
  return ecdh;
}

/** An existing private key used as an ephemeral one (deterministic tests, the worked example). */
export function sm2EphemeralKeyFrom(privateKey: Sm2PrivateKey): Sm2EphemeralKey {
  const ecdh = ecdhFor(privateKey);
  return Object.freeze({ publicKey: privateKey.publicKey, agree: (peer: Sm2PublicKey) => agreeWith(ecdh, peer) });
}

/**
 * Plain ECDH on the SM2 curve: the x-coordinate of d·Q (32 bytes). This is
 * what the handshake feeds to HKDF-SM3; it is not the SM2 key-exchange
 * protocol of GB/T 32918.3, whose role binding the signed transcript provides.
 */
export function sm2Ecdh(privateKey: Sm2PrivateKey, peer: Sm2PublicKey): Uint8Array {
  return agreeWith(ecdhFor(privateKey), peer);
}
