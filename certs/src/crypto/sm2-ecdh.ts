import { createECDH } from "node:crypto";
import { CertsError } from "../error.js";
import { exportSm2PrivateScalar, type Sm2PrivateKey, type Sm2PublicKey } from "./sm2-key.js";

/**
 * Plain ECDH on the SM2 curve: the x-coordinate of d·Q (32 bytes). This is
 * what the handshake feeds to HKDF-SM3; it is not the SM2 key-exchange
 * protocol of GB/T 32918.3, whose role binding the signed transcript provides.
 */
export function sm2Ecdh(privateKey: Sm2PrivateKey, peer: Sm2PublicKey): Uint8Array {
  const ecdh = createECDH("SM2");
  ecdh.setPrivateKey(Buffer.from(exportSm2PrivateScalar(privateKey)));
  try {
    return new Uint8Array(ecdh.computeSecret(Buffer.from(peer.point)));
  } catch (cause) {
    throw new CertsError("invalid-key", "ECDH failed: peer point rejected", { cause });
  }
}
