import { createRequire } from "node:module";
import { CertsError } from "../error.js";
import type { Sm2Backend, Sm2BackendKey } from "./sm2-backend.js";

interface NativeAddon {
  privateKey(d: Uint8Array, point: Uint8Array): Sm2BackendKey;
  publicKey(point: Uint8Array): Sm2BackendKey;
  signDigest(key: Sm2BackendKey, e: Uint8Array): Uint8Array;
  verifyDigest(key: Sm2BackendKey, e: Uint8Array, sig: Uint8Array): boolean;
  signDigestAsync(key: Sm2BackendKey, e: Uint8Array): Promise<Uint8Array>;
  verifyDigestAsync(key: Sm2BackendKey, e: Uint8Array, sig: Uint8Array): Promise<boolean>;
  ecdh(d: Uint8Array, point: Uint8Array): Uint8Array;
  ecdhAsync?(d: Uint8Array, point: Uint8Array): Promise<Uint8Array>;
  generateEphemeralAsync?(): Promise<[Uint8Array, Uint8Array]>;
  hmacSm3OverDigest(key: Uint8Array, ...partsThenMessage: Uint8Array[]): Uint8Array;
}

// src/crypto and dist/crypto are both two levels below the package root.
const addonPath = "../../build/Release/hutong_sm2.node";

let loaded: { addon: NativeAddon } | { error: unknown } | undefined;

function load(): NativeAddon {
  if (loaded === undefined) {
    try {
      loaded = { addon: createRequire(import.meta.url)(addonPath) as NativeAddon };
    } catch (error) {
      loaded = { error };
    }
  }
  if ("addon" in loaded) return loaded.addon;
  throw new CertsError(
    "backend-unavailable",
    "the native SM2 addon is not built (run `npm rebuild @hutong/certs`; needs python3, make and g++)",
    { cause: loaded.error },
  );
}

export function isNativeBackendAvailable(): boolean {
  try {
    load();
    return true;
  } catch {
    return false;
  }
}

/**
 * The addon's one-call HMAC-SM3(key, parts ‖ SM3(message)), or undefined when the addon is not
 * built. Independent of the SM2 backend choice: it is the same OpenSSL SM3 either way.
 */
export function nativeHmacSm3OverDigest(): NativeAddon["hmacSm3OverDigest"] | undefined {
  return isNativeBackendAvailable() ? load().hmacSm3OverDigest : undefined;
}

/** SM2 over the OpenSSL linked into Node, through the hutong_sm2 N-API addon. */
export function createNativeBackend(): Sm2Backend {
  const addon = load();
  // An addon built from an older source lacks these: the callers then fall back to ecdh and
  // node:crypto's generator, as with the js backend. (N-API functions ignore `this`.)
  const { ecdhAsync, generateEphemeralAsync } = addon;
  return {
    name: "native",
    importPrivateKey: (d, point) => addon.privateKey(d, point),
    importPublicKey: (point) => addon.publicKey(point),
    signDigest: (key, e) => new Uint8Array(addon.signDigest(key, e)),
    verifyDigest: (key, e, sig) => addon.verifyDigest(key, e, sig),
    signDigestAsync: async (key, e) => new Uint8Array(await addon.signDigestAsync(key, e)),
    verifyDigestAsync: (key, e, sig) => addon.verifyDigestAsync(key, e, sig),
    ecdh: (d, point) => new Uint8Array(addon.ecdh(d, point)),
    ...(typeof ecdhAsync === "function"
      ? { ecdhAsync: async (d: Uint8Array, point: Uint8Array) => new Uint8Array(await ecdhAsync(d, point)) }
      : {}),
    ...(typeof generateEphemeralAsync === "function"
      ? {
          generateEphemeralAsync: async () => {
            const [d, point] = await generateEphemeralAsync();
            return { d: new Uint8Array(d), point: new Uint8Array(point) };
          },
        }
      : {}),
  };
}
