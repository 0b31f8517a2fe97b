import { createECDH, randomBytes } from "node:crypto";
import { BigInteger } from "jsbn";
import { type KeyPairPoint, sm2 } from "sm-crypto";
import type { Sm2Backend, Sm2BackendKey } from "./sm2-backend.js";
import { bytesToBigint, sm2Curve } from "./sm2-curve.js";

interface JsKey {
  readonly privateHex?: string;
  readonly publicHex: string;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

/**
 * The per-signature point (k, x1 of k·G). sm-crypto's own generator draws k
 * from an ARC4 pool seeded partly by Math.random and the clock; an SM2 nonce
 * must come from a CSPRNG, so we draw k from node:crypto and let OpenSSL's
 * fixed-base multiplication compute k·G, and hand the point to sm-crypto
 * through its `pointPool` option.
 */
function freshPoint(): KeyPairPoint {
  // k in [1, n−1] from 64 more random bits than n has, reduced (FIPS 186-5 §A.3.1, "extra random
  // bits"): the bias is below 2^-64 and, unlike rejection sampling, there is no loop.
  const k = (bytesToBigint(randomBytes(40)) % (sm2Curve.n - 1n)) + 1n;
  const ecdh = createECDH("SM2");
  ecdh.setPrivateKey(Buffer.from(k.toString(16).padStart(64, "0"), "hex"));
  const x1 = ecdh.getPublicKey().subarray(1, 33);
  // @types/sm-crypto declares bigi; the library itself uses jsbn's BigInteger.
  const point = { k: new BigInteger(k.toString(16), 16), x1: new BigInteger(hex(x1), 16) };
  return point as unknown as KeyPairPoint;
}

/** Pure-JS SM2 signature arithmetic (sm-crypto): the fallback and the independent test oracle. */
export function createJsBackend(): Sm2Backend {
  const unwrap = (key: Sm2BackendKey): JsKey => key as unknown as JsKey;
  const backend: Sm2Backend = {
    name: "js",
    importPrivateKey: (d, point) => ({ privateHex: hex(d), publicHex: hex(point) }) as unknown as Sm2BackendKey,
    importPublicKey: (point) => ({ publicHex: hex(point) }) as unknown as Sm2BackendKey,
    signDigest(key, e) {
      const { privateHex } = unwrap(key);
      if (privateHex === undefined) throw new TypeError("signDigest needs a private key");
      const sig = sm2.doSignature(Array.from(e), privateHex, {
        hash: false,
        der: true,
        pointPool: [freshPoint()],
      });
      return new Uint8Array(Buffer.from(sig, "hex"));
    },
    verifyDigest(key, e, signature) {
      try {
        return sm2.doVerifySignature(Array.from(e), hex(signature), unwrap(key).publicHex, { hash: false, der: true });
      } catch {
        return false;
      }
    },
    signDigestAsync: async (key, e) => backend.signDigest(key, e),
    verifyDigestAsync: async (key, e, signature) => backend.verifyDigest(key, e, signature),
    // sm-crypto has no ECDH; node:crypto's is correct, only slower than the addon's.
    ecdh(d, point) {
      const ecdh = createECDH("SM2");
      ecdh.setPrivateKey(d);
      return new Uint8Array(ecdh.computeSecret(point));
    },
  };
  return backend;
}
