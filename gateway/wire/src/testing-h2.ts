// A raw node:http2 gRPC client for tests that must break the rules a real client keeps: hold
// streams open, declare lengths and send less, never read, reset at will.
import type { ClientHttp2Session, ClientHttp2Stream } from "node:http2";

/** A gRPC POST on `session`, headers only; the caller writes (or withholds) the body. Stream errors are ignored. */
export function grpcPost(
  session: ClientHttp2Session,
  path: string,
  headers: Readonly<Record<string, string>> = {},
): ClientHttp2Stream {
  const stream = session.request({
    ":method": "POST",
    ":path": path,
    "content-type": "application/grpc",
    te: "trailers",
    ...headers,
  });
  stream.on("error", () => {});
  return stream;
}

export interface GrpcOutcome {
  /** The gRPC status, -1 when the stream closed without one (reset). */
  readonly status: number;
  readonly message: string;
  /** The hutong-error trailer, when there is one. */
  readonly error?: string;
}

/** How a stream ended: its status (trailers, or trailers-only headers); response bodies are read and dropped. */
export function grpcOutcome(stream: ClientHttp2Stream): Promise<GrpcOutcome> {
  return new Promise((resolve) => {
    let done = false;
    const settle = (h: Record<string, unknown>) => {
      const status = h["grpc-status"];
      if (done || status === undefined) return;
      done = true;
      resolve({
        status: Number(status),
        message: decodeURIComponent(String(h["grpc-message"] ?? "")),
        ...(h["hutong-error"] === undefined ? {} : { error: String(h["hutong-error"]) }),
      });
    };
    stream.on("response", settle);
    stream.on("trailers", settle);
    stream.on("data", () => {});
    stream.on("close", () => {
      if (!done) resolve({ status: -1, message: `reset ${stream.rstCode}` });
    });
  });
}

/** A message frame header declaring `declared` bytes, followed by `sent` of them. */
export function partialFrame(declared: number, sent: number): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(declared, 1);
  return Buffer.concat([head, Buffer.alloc(sent, 1)]);
}
