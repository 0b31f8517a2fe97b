import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";

/**
 * Custom metadata of a call: lowercase ASCII keys -> values. Reserved headers (pseudo-headers, content-type, te,
 * grpc-timeout, grpc-encoding, grpc-accept-encoding, grpc-status, grpc-message, user-agent, ...) never appear here.
 * `-bin` keys keep their base64 text. Repeated keys are joined with ", " as HTTP does.
 */
export type Metadata = Readonly<Record<string, string>>;

/**
 * Headers owned by the transport, per hop: the gRPC protocol's own, HTTP/2 connection-specific ones (which
 * node:http2 refuses to send) and HTTP framing. Forwarding any of them would corrupt the next hop's call.
 * Pseudo-headers (":path", ...) are reserved by their leading colon.
 */
const reserved: ReadonlySet<string> = new Set([
  "content-type",
  "content-length",
  "content-encoding",
  "accept-encoding",
  "te",
  "user-agent",
  "host",
  "date",
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "http2-settings",
  "grpc-timeout",
  "grpc-encoding",
  "grpc-accept-encoding",
  "grpc-status",
  "grpc-message",
]);

export function isReservedHeader(key: string): boolean {
  return key.charCodeAt(0) === 58 /* ":" */ || reserved.has(key);
}

const empty: Metadata = Object.freeze({});

/** The custom metadata among received HTTP/2 headers or trailers. */
export function readMetadata(headers: IncomingHttpHeaders | undefined): Metadata {
  if (headers === undefined) return empty;
  let out: Record<string, string> | undefined;
  for (const key in headers) {
    if (isReservedHeader(key)) continue;
    const value = headers[key];
    if (value === undefined) continue;
    out ??= {};
    out[key] = typeof value === "string" ? value : value.join(", ");
  }
  return out ?? empty;
}

/** Copies custom metadata into outgoing headers, skipping reserved keys (a forwarded call may carry them). */
export function writeMetadata(target: OutgoingHttpHeaders, metadata: Metadata | undefined): void {
  if (metadata === undefined) return;
  for (const key in metadata) {
    if (isReservedHeader(key)) continue;
    const value = metadata[key];
    if (value !== undefined) target[key] = value;
  }
}
