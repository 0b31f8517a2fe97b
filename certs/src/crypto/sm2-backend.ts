/**
 * The port behind which SM2 signature arithmetic lives. The facade
 * (sm2-signature.ts) computes e = SM3(Z_A || M) itself, so a backend only
 * signs and verifies 32-byte digests with keys it imported once.
 */
export interface Sm2BackendKey {
  readonly __sm2BackendKey: unique symbol;
}

export type Sm2BackendName = "native" | "js";

export interface Sm2Backend {
  readonly name: Sm2BackendName;
  importPrivateKey(d: Uint8Array, point: Uint8Array): Sm2BackendKey;
  importPublicKey(point: Uint8Array): Sm2BackendKey;
  /** DER SEQUENCE{r, s} over the digest e. */
  signDigest(key: Sm2BackendKey, e: Uint8Array): Uint8Array;
  verifyDigest(key: Sm2BackendKey, e: Uint8Array, signature: Uint8Array): boolean;
  /** Same as signDigest, off the event loop where the backend can. */
  signDigestAsync(key: Sm2BackendKey, e: Uint8Array): Promise<Uint8Array>;
  verifyDigestAsync(key: Sm2BackendKey, e: Uint8Array, signature: Uint8Array): Promise<boolean>;
  /** Plain ECDH: the x-coordinate of d·point (32 bytes); throws on a point off the curve. */
  ecdh(d: Uint8Array, point: Uint8Array): Uint8Array;
  /** Same as ecdh, on the thread pool; absent where the backend has none. */
  ecdhAsync?(d: Uint8Array, point: Uint8Array): Promise<Uint8Array>;
  /** A fresh key pair (d in [1, n-1], uncompressed point), on the thread pool; absent where the backend has none. */
  generateEphemeralAsync?(): Promise<{ readonly d: Uint8Array; readonly point: Uint8Array }>;
}
