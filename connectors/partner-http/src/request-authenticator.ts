import type { IncomingHttpHeaders } from "node:http";
import type { EnvelopeCodes } from "./partner-envelope.js";
import { signatureMatches, signRequest } from "./request-signature.js";
import type { SignatureHeaders } from "./signature-headers.js";

// A channel's check of a caller (request-signature.ts): a known app key, a fresh timestamp, a
// signature under that key's secret, and a nonce not seen from that key within the replay window.
// Nonces are kept in memory only: a restart forgets them, as the timestamp window still bounds a
// replay.

/** How far a request's timestamp may be from the channel's clock. */
export const timestampWindowMs = 300_000;
/** How long a nonce is remembered (twice the timestamp window: a replay inside it is always caught). */
export const nonceMemoryMs = 600_000;

export interface AuthRefusal {
  readonly code: string;
  readonly msg: string;
}

export interface RequestAuthenticatorOptions {
  /** App key → secret as hex. */
  readonly appKeys: Readonly<Record<string, string>>;
  readonly headers: SignatureHeaders;
  readonly codes: Pick<EnvelopeCodes, "unknownAppKey" | "badSignature" | "staleTimestamp" | "nonceReused">;
}

const noncePattern = /^[0-9A-Za-z_-]{8,64}$/;

export class RequestAuthenticator {
  readonly #secrets: ReadonlyMap<string, Uint8Array>;
  readonly #headers: SignatureHeaders;
  readonly #codes: RequestAuthenticatorOptions["codes"];
  /** `${appKey} ${nonce}` → until when it is remembered; in insertion order, which is expiry order. */
  readonly #nonces = new Map<string, number>();

  constructor(options: RequestAuthenticatorOptions) {
    const secrets = new Map<string, Uint8Array>();
    for (const [key, hex] of Object.entries(options.appKeys)) {
      if (!/^([0-9a-fA-F]{2})+$/.test(hex)) throw new TypeError(`the secret of app key ${key} is not hex`);
      secrets.set(key, Buffer.from(hex, "hex"));
    }
    this.#secrets = secrets;
    this.#headers = options.headers;
    this.#codes = options.codes;
  }

  /** Undefined when the request is authentic and fresh (its nonce is then remembered), else why not. */
  check(
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    body: Uint8Array,
    now: number,
  ): AuthRefusal | undefined {
    const header = (name: string) => {
      const v = headers[name];
      return typeof v === "string" ? v : undefined;
    };
    const codes = this.#codes;
    const appKey = header(this.#headers.appKey);
    const secret = appKey === undefined ? undefined : this.#secrets.get(appKey);
    if (appKey === undefined || secret === undefined) return { code: codes.unknownAppKey, msg: "unknown app key" };
    const timestamp = header(this.#headers.timestamp);
    if (
      timestamp === undefined ||
      !/^\d{1,16}$/.test(timestamp) ||
      Math.abs(Number(timestamp) - now) > timestampWindowMs
    ) {
      return {
        code: codes.staleTimestamp,
        msg: "the timestamp is missing or more than 300 s from the channel's clock",
      };
    }
    const nonce = header(this.#headers.nonce);
    const signature = header(this.#headers.signature);
    if (nonce === undefined || !noncePattern.test(nonce) || signature === undefined) {
      return { code: codes.badSignature, msg: "the nonce or the signature is missing or malformed" };
    }
    const expected = signRequest(secret, method, path, timestamp, nonce, body);
    if (!signatureMatches(expected, signature))
      return { code: codes.badSignature, msg: "the signature does not match" };
    // Only an authentic request's nonce is remembered: a forger cannot burn a caller's nonces.
    this.#forget(now);
    const remembered = `${appKey} ${nonce}`;
    const until = this.#nonces.get(remembered);
    if (until !== undefined && until > now) return { code: codes.nonceReused, msg: "the nonce was used before" };
    this.#nonces.delete(remembered);
    this.#nonces.set(remembered, now + nonceMemoryMs);
    return undefined;
  }

  /** Drops the expired nonces at the front (the oldest). */
  #forget(now: number): void {
    for (const [key, until] of this.#nonces) {
      if (until > now) return;
      this.#nonces.delete(key);
    }
  }
}
