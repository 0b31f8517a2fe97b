import { postSigned as postPartnerSigned, type SignedPostOptions } from "@hutong/partner-http";
import { type TaxAnswer, taxHeaders } from "./tax-api.js";

// The tax channel's client: the partner kit's signed POST with the tax channel's header names.

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
 * aborted by `signal`, or 30 s without one); an HTTP error status comes back as a reply, its
 * envelope when it has one.
 */
export function postSigned<T>(
  channel: TaxChannel,
  path: string,
  body: unknown,
  options: SignedPostOptions = {},
): Promise<TaxReply<T>> {
  return postPartnerSigned<T>({ ...channel, headers: taxHeaders }, path, body, options);
}
