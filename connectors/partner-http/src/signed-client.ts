import { randomBytes } from "node:crypto";
import { isEnvelope, type PartnerEnvelope } from "./partner-envelope.js";
import { signRequest } from "./request-signature.js";
import type { SignatureHeaders } from "./signature-headers.js";

/** Where a channel is, who calls it, and how the channel names the signature headers. */
export interface PartnerChannel {
  /** "http://127.0.0.1:8443" (no trailing slash). */
  readonly baseUrl: string;
  readonly appKey: string;
  readonly appSecret: Uint8Array;
  readonly headers: SignatureHeaders;
}

/** What came back: the HTTP status, and the envelope when the body was one. */
export interface PartnerReply<T> {
  readonly status: number;
  readonly answer: PartnerEnvelope<T> | undefined;
}

export interface SignedPostOptions {
  /** Aborts the request; when absent, the request gives up after `timeoutMs`. */
  readonly signal?: AbortSignal;
  /** Used only without `signal`; default `defaultTimeoutMs`. */
  readonly timeoutMs?: number;
  /** The caller's clock for the timestamp header, ms since the epoch. */
  readonly now?: () => number;
}

/** How long a request without a signal of its own may take: a held connection must not hang a caller forever. */
export const defaultTimeoutMs = 30_000;

/**
 * One signed POST of `body` (JSON) to `path`. Throws only for no answer at all (refused, reset,
 * aborted or timed out); an HTTP error status comes back as a reply, its envelope when it has one.
 */
export async function postSigned<T>(
  channel: PartnerChannel,
  path: string,
  body: unknown,
  options: SignedPostOptions = {},
): Promise<PartnerReply<T>> {
  const bytes = Buffer.from(JSON.stringify(body), "utf8");
  const timestamp = String((options.now ?? Date.now)());
  const nonce = randomBytes(16).toString("hex");
  const { headers } = channel;
  const response = await fetch(`${channel.baseUrl}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json; charset=utf-8",
      [headers.appKey]: channel.appKey,
      [headers.timestamp]: timestamp,
      [headers.nonce]: nonce,
      [headers.signature]: signRequest(channel.appSecret, "POST", path, timestamp, nonce, bytes),
    },
    body: bytes,
    signal: options.signal ?? AbortSignal.timeout(options.timeoutMs ?? defaultTimeoutMs),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, answer: isEnvelope(parsed) ? (parsed as PartnerEnvelope<T>) : undefined };
}
