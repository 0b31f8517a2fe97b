import { randomBytes } from "node:crypto";
import { signRequest } from "./request-signature.js";
import { type TaxAnswer, taxHeaders } from "./tax-api.js";

/** Where the channel is and who calls it. */
export interface TaxChannel {
  /** "http://127.0.0.1:8443" (no trailing slash). */
  readonly baseUrl: string;
  readonly appKey: string;
  readonly appSecret: Uint8Array;
}

/** What came back: the HTTP status, and the envelope when the body was one. */
export interface TaxReply<T> {
  readonly status: number;
  readonly answer: TaxAnswer<T> | undefined;
}

/**
 * One signed POST of `body` (JSON) to `path`. Throws only for no answer at all (refused, reset,
 * aborted by `signal`); an HTTP error status comes back as a reply, its envelope when it has one.
 */
export async function postSigned<T>(
  channel: TaxChannel,
  path: string,
  body: unknown,
  options: { readonly signal?: AbortSignal; readonly now?: () => number } = {},
): Promise<TaxReply<T>> {
  const bytes = Buffer.from(JSON.stringify(body), "utf8");
  const timestamp = String((options.now ?? Date.now)());
  const nonce = randomBytes(16).toString("hex");
  const response = await fetch(`${channel.baseUrl}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json; charset=utf-8",
      [taxHeaders.appKey]: channel.appKey,
      [taxHeaders.timestamp]: timestamp,
      [taxHeaders.nonce]: nonce,
      [taxHeaders.signature]: signRequest(channel.appSecret, "POST", path, timestamp, nonce, bytes),
    },
    body: bytes,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const text = await response.text();
  let answer: TaxAnswer<T> | undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === "object" && parsed !== null && typeof (parsed as { code?: unknown }).code === "string") {
      answer = parsed as TaxAnswer<T>;
    }
  } catch {
    answer = undefined;
  }
  return { status: response.status, answer };
}
