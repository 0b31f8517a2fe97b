import { createECDH } from "node:crypto";
import { CertsError } from "../error.js";
import { defaultSm2Backend } from "./sm2-backend-registry.js";
import { createSm2PublicKey, exportSm2PrivateScalar, type Sm2PrivateKey, type Sm2PublicKey } from "./sm2-key.js";

/**
 * A key for one ECDH on the SM2 curve. Generation is node:crypto's (one
 * fixed-base multiplication) or, from a pool, the native addon's on the thread
 * pool; agreement is the SM2 backend's: the native addon multiplies with its
 * own constant-time SM2 arithmetic (certs/native/sm2_z256.c), about 3x faster
 * than OpenSSL's EC_POINT_mul, itself 2.5x faster than node:crypto's
 * computeSecret on this curve.
 */
export interface Sm2EphemeralKey {
  readonly publicKey: Sm2PublicKey;
  /** The x-coordinate of d·peer (32 bytes). */
  agree(peer: Sm2PublicKey): Uint8Array;
  /** Same as agree, on the thread pool where the backend can (keeps the event loop free). */
  agreeAsync(peer: Sm2PublicKey): Promise<Uint8Array>;
}

function agreeFailed(cause: unknown): CertsError {
  return new CertsError("invalid-key", "ECDH failed: peer point rejected", { cause });
}

function agree(d: Uint8Array, peer: Sm2PublicKey): Uint8Array {
  try {
    return defaultSm2Backend().ecdh(d, peer.point);
  } catch (cause) {
    throw agreeFailed(cause);
  }
}

async function agreeAsync(d: Uint8Array, peer: Sm2PublicKey): Promise<Uint8Array> {
  const backend = defaultSm2Backend();
  if (backend.ecdhAsync === undefined) return agree(d, peer);
  try {
    return await backend.ecdhAsync(d, peer.point);
  } catch (cause) {
    throw agreeFailed(cause);
  }
}

function keyOf(d: Uint8Array, publicKey: Sm2PublicKey): Sm2EphemeralKey {
  return Object.freeze({
    publicKey,
    agree: (peer: Sm2PublicKey) => agree(d, peer),
    agreeAsync: (peer: Sm2PublicKey) => agreeAsync(d, peer),
  });
}

/** A fresh key pair as raw bytes from OpenSSL's generator, on the calling thread. */
function generateRaw(): { d: Uint8Array; point: Uint8Array } {
  const ecdh = createECDH("SM2");
  const point = new Uint8Array(ecdh.generateKeys());
  // getPrivateKey drops leading zero bytes (1 key in 256 is shorter): the backends take 32.
  const raw = ecdh.getPrivateKey();
  const d = new Uint8Array(32);
  d.set(raw, 32 - raw.length);
  return { d, point };
}

/** A fresh ephemeral key from OpenSSL's generator. */
export function generateSm2EphemeralKey(): Sm2EphemeralKey {
  const { d, point } = generateRaw();
  return keyOf(d, createSm2PublicKey(point));
}

/** An existing private key used as an ephemeral one (deterministic tests, the worked example). */
export function sm2EphemeralKeyFrom(privateKey: Sm2PrivateKey): Sm2EphemeralKey {
  return keyOf(exportSm2PrivateScalar(privateKey), privateKey.publicKey);
}

/**
 * Ephemeral keys made ahead of need: a handshake takes one ready key instead of spending a scalar
 * multiplication on its critical path, and the pool refills itself on the thread pool (the native
 * backend; elsewhere on the event loop, after the handshake's own turn). Every key is handed out
 * once: it leaves the pool when taken, and agrees once (its scalar is wiped then; a second
 * agreement throws). The pool keeps at most `size` keys; when it is empty a key is made on the spot.
 */
export interface Sm2EphemeralKeyPool {
  take(): Sm2EphemeralKey;
  /** Keys ready now. */
  readonly ready: number;
}

/** A key whose scalar serves one agreement, then is wiped. */
function singleUse(d: Uint8Array, publicKey: Sm2PublicKey): Sm2EphemeralKey {
  let used = false;
  const claim = () => {
    if (used) throw new CertsError("invalid-argument", "this ephemeral key has already been used");
    used = true;
  };
  return Object.freeze({
    publicKey,
    agree(peer: Sm2PublicKey) {
      claim();
      try {
        return agree(d, peer);
      } finally {
        d.fill(0);
      }
    },
    async agreeAsync(peer: Sm2PublicKey) {
      claim();
      try {
        return await agreeAsync(d, peer);
      } finally {
        d.fill(0);
      }
    },
  });
}

export function createSm2EphemeralKeyPool(options: { readonly size?: number } = {}): Sm2EphemeralKeyPool {
  const size = options.size ?? 16;
  const ready: Sm2EphemeralKey[] = [];
  let pending = 0;

  const add = (raw: { d: Uint8Array; point: Uint8Array }) => {
    ready.push(singleUse(raw.d, createSm2PublicKey(raw.point)));
  };
  const refill = () => {
    const backend = defaultSm2Backend();
    while (ready.length + pending < size) {
      pending++;
      const made =
        backend.generateEphemeralAsync === undefined
          ? new Promise<{ d: Uint8Array; point: Uint8Array }>((resolve) => setImmediate(() => resolve(generateRaw())))
          : backend.generateEphemeralAsync();
      made.then(
        (raw) => {
          pending--;
          if (ready.length < size) add(raw);
          else raw.d.fill(0);
        },
        () => {
          // A failed generation leaves the slot empty; take() makes a key on the spot if it must.
          pending--;
        },
      );
    }
  };

  return {
    take() {
      const key = ready.pop();
      refill();
      if (key !== undefined) return key;
      const raw = generateRaw();
      return singleUse(raw.d, createSm2PublicKey(raw.point));
    },
    get ready() {
      return ready.length;
    },
  };
}

/**
 * Plain ECDH on the SM2 curve: the x-coordinate of d·Q (32 bytes). This is
 * what the handshake feeds to HKDF-SM3; it is not the SM2 key-exchange
 * protocol of GB/T 32918.3, whose role binding the signed transcript provides.
 */
export function sm2Ecdh(privateKey: Sm2PrivateKey, peer: Sm2PublicKey): Uint8Array {
  return agree(exportSm2PrivateScalar(privateKey), peer);
}
