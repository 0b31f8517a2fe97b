import { createSm4AeadKey, sm4Open, sm4Seal } from "@hutong/certs";

/**
 * Bytes at rest that hold personal data: SM4 with HMAC-SM3 under the service's key, bound to a
 * label (the record's id, a message's key) as associated data, so a sealed value moved to another
 * row does not open.
 */
export interface AtRestSealer {
  seal(bytes: Uint8Array, label: string): Buffer;
  open(sealed: Uint8Array, label: string): Uint8Array;
}

/** The sealer under `key` (32 bytes). */
export function atRestSealer(key: Uint8Array): AtRestSealer {
  const k = createSm4AeadKey(key);
  return {
    seal: (bytes, label) => Buffer.from(sm4Seal(k, bytes, Buffer.from(label, "utf8"))),
    open: (sealed, label) => sm4Open(k, sealed, Buffer.from(label, "utf8")),
  };
}
