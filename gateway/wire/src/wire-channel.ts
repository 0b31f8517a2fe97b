// The client side of the wire layer: unary gRPC calls straight on node:http2, forwarding exact message bytes
// to backends (grpc-js servers) and peer gateways. One lazily opened HTTP/2 connection per channel, replaced
// when it fails, is closed or sends GOAWAY. As on the server, per-call state is a class instance, stream
// events go to shared listeners, and the abort listener is the call object itself (handleEvent).
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from "node:http2";
import type { CancelSignal } from "./cancel-signal.js";
import { decodeGrpcMessage } from "./grpc-message.js";
import { isStatusCode, Status, statusFromHttp, statusFromRstCode } from "./grpc-status.js";
import { formatGrpcTimeout } from "./grpc-timeout.js";
import { frameMessage, MessageDecoder, type MessageSink } from "./message-framing.js";
import { type Metadata, readMetadata, writeMetadata } from "./metadata.js";
import { WireError } from "./wire-error.js";

export interface UnaryResult {
  readonly body: Buffer;
  readonly headers: Metadata;
  readonly trailers: Metadata;
}

export interface CallOptions {
  /** Absolute epoch ms; sent as grpc-timeout, and the stream is cancelled when it passes. */
  readonly deadline?: number;
  readonly signal?: CancelSignal;
}

export interface WireChannel {
  /**
   * One unary call. Rejects with WireError: the server's status (code, grpc-message, trailers), or
   * UNAVAILABLE "<address> unreachable: <reason>", DEADLINE_EXCEEDED, CANCELLED (signal), RESOURCE_EXHAUSTED
   * (message too large, or "queue full"), and the spec's mappings for HTTP errors and stream resets.
   */
  unary(path: string, body: Buffer, metadata: Metadata, options?: CallOptions): Promise<UnaryResult>;
  /** Lets calls in flight finish, fails queued and later calls with UNAVAILABLE "channel closed". */
  close(): void;
  readonly address: string;
}

export interface WireChannelOptions {
  /** Largest request or response message, default 4 MiB: bigger -> RESOURCE_EXHAUSTED. */
  maxMessageBytes?: number;
  /** Default 5000. */
  connectTimeoutMs?: number;
  /** Calls on the wire at once, default 1000; more wait in a bounded queue. */
  maxInFlight?: number;
  /** Calls waiting for a slot, default 1000; beyond it -> RESOURCE_EXHAUSTED "queue full". Never unbounded. */
  maxQueued?: number;
  /** Connect with TLS 1.3 (no older version; ALPN h2) instead of cleartext h2c. */
  tls?: { ca?: Buffer; servername?: string };
}

const defaultMaxMessageBytes = 4 * 1024 * 1024;
const defaultConnectTimeoutMs = 5000;
const defaultMaxInFlight = 1000;
const defaultMaxQueued = 1000;
const maxTimerMs = 2 ** 31 - 1;

/** node:http2 throws these from request() for headers it will not send: the caller's metadata is at fault. */
const badHeaderCodes: ReadonlySet<string> = new Set([
  "ERR_INVALID_HTTP_TOKEN",
  "ERR_INVALID_CHAR",
  "ERR_HTTP2_INVALID_CONNECTION_HEADERS",
  "ERR_HTTP2_HEADER_SINGLE_VALUE",
  "ERR_HTTP2_INVALID_HEADER_VALUE",
  "ERR_HTTP2_INVALID_PSEUDOHEADER",
  "ERR_HTTP2_PSEUDOHEADER_NOT_ALLOWED",
]);

const kCall = Symbol("hutong.wire.clientCall");
type CallStream = ClientHttp2Stream & { [kCall]: ClientCall };

/** One HTTP/2 connection attempt and what became of it. */
interface Connection {
  readonly session: ClientHttp2Session;
  connected: boolean;
  /** Why the connection failed, if it did. */
  error: Error | undefined;
  /** Calls on this connection: it holds the process open only while there are some. */
  active: number;
  timer: NodeJS.Timeout | undefined;
}

/** The channel internals a call needs. */
interface ChannelCore {
  readonly address: string;
  readonly maxMessageBytes: number;
  callEnded(call: ClientCall): void;
  dequeue(call: ClientCall): void;
}

class ClientCall implements MessageSink {
  readonly core: ChannelCore;
  readonly path: string;
  readonly body: Buffer;
  readonly metadata: Metadata;
  readonly deadline: number | undefined;
  readonly signal: CancelSignal | undefined;
  readonly decoder: MessageDecoder;
  resolve!: (result: UnaryResult) => void;
  reject!: (error: WireError) => void;
  settled = false;
  queued = false;
  timer: NodeJS.Timeout | undefined;
  conn: Connection | undefined;
  stream: ClientHttp2Stream | undefined;
  responseHeaders: IncomingHttpHeaders | undefined;
  trailers: IncomingHttpHeaders | undefined;
  message: Buffer | undefined;
  extraMessages = false;
  streamError: Error | undefined;

  constructor(core: ChannelCore, path: string, body: Buffer, metadata: Metadata, options: CallOptions | undefined) {
    this.core = core;
    this.path = path;
    this.body = body;
    this.metadata = metadata;
    this.deadline = options?.deadline;
    this.signal = options?.signal;
    this.decoder = new MessageDecoder(core.maxMessageBytes, this);
  }

  onMessage(message: Buffer): void {
    if (this.message === undefined) this.message = message;
    else this.extraMessages = true;
  }

  /** The signal's abort listener. */
  handleEvent(): void {
    this.cancel(new WireError(Status.CANCELLED, "call cancelled"));
  }

  /** Ends the call early on our side: out of the queue, or RST_STREAM CANCEL on the wire. */
  cancel(error: WireError): void {
    if (this.settled) return;
    if (this.queued) this.core.dequeue(this);
    const stream = this.stream;
    if (stream !== undefined && !stream.destroyed) stream.close(constants.NGHTTP2_CANCEL);
    this.fail(error);
  }

  fail(error: WireError): void {
    if (this.settled) return;
    this.#settle();
    this.reject(error);
  }

  succeed(result: UnaryResult): void {
    if (this.settled) return;
    this.#settle();
    this.resolve(result);
  }

  #settle(): void {
    this.settled = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.signal?.removeEventListener("abort", this);
  }

  /** The stream closed: decide the outcome from what arrived (PROTOCOL-HTTP2.md). */
  finish(): void {
    this.core.callEnded(this);
    if (this.settled) return;
    const address = this.core.address;
    const headers = this.responseHeaders;
    const trailers = this.trailers ?? (headers?.["grpc-status"] !== undefined ? headers : undefined);
    const statusText = trailers?.["grpc-status"];
    if (typeof statusText !== "string") {
      this.fail(this.#noStatus(address, headers));
      return;
    }
    const code = Number(statusText);
    if (!isStatusCode(code)) {
      this.fail(new WireError(Status.UNKNOWN, `invalid grpc-status ${statusText} from ${address}`));
      return;
    }
    const meta = readMetadata(trailers);
    if (code !== Status.OK) {
      const message = trailers?.["grpc-message"];
      this.fail(new WireError(code, typeof message === "string" ? decodeGrpcMessage(message) : "", { trailers: meta }));
      return;
    }
    if (this.decoder.pending) {
      this.fail(new WireError(Status.INTERNAL, `response from ${address} ended inside a message`));
    } else if (this.message === undefined || this.extraMessages) {
      // The status-code table's "response cardinality violation".
      const what = this.message === undefined ? "no response message" : "more than one response message";
      this.fail(new WireError(Status.UNIMPLEMENTED, `${what} from ${address} for a unary method`));
    } else {
      this.succeed({ body: this.message, headers: trailers === headers ? {} : readMetadata(headers), trailers: meta });
    }
  }

  #noStatus(address: string, headers: IncomingHttpHeaders | undefined): WireError {
    const conn = this.conn;
    if (conn !== undefined && !conn.connected) {
      const reason = conn.error?.message ?? this.streamError?.message ?? "connection closed";
      return new WireError(Status.UNAVAILABLE, `${address} unreachable: ${reason}`, {
        channelFailure: "unreachable",
      });
    }
    const httpStatus = Number(headers?.[":status"]);
    if (headers !== undefined && httpStatus !== 200) {
      return new WireError(statusFromHttp(httpStatus), `HTTP status ${httpStatus} from ${address}`);
    }
    if (conn?.error !== undefined) {
      return new WireError(Status.UNAVAILABLE, `connection to ${address} lost: ${conn.error.message}`);
    }
    const rstCode = this.stream?.rstCode;
    if (rstCode !== undefined && rstCode !== constants.NGHTTP2_NO_ERROR) {
      return new WireError(statusFromRstCode(rstCode), `stream reset by ${address} (HTTP/2 error ${rstCode})`);
    }
    if (headers === undefined) {
      const reason = this.streamError?.message ?? "connection closed";
      return new WireError(Status.UNAVAILABLE, `connection to ${address} lost: ${reason}`);
    }
    return new WireError(Status.UNKNOWN, `response from ${address} without grpc-status`);
  }
}

// Shared stream listeners: `this` is the stream, the call hangs off it.

function onResponse(this: CallStream, headers: IncomingHttpHeaders): void {
  this[kCall].responseHeaders = headers;
}

function onData(this: CallStream, chunk: Buffer): void {
  const call = this[kCall];
  if (call.settled) return;
  try {
    call.decoder.push(chunk);
  } catch (error) {
    const reason = error instanceof WireError ? error : new WireError(Status.INTERNAL, "malformed response");
    call.cancel(new WireError(reason.code, `response from ${call.core.address}: ${reason.message}`));
  }
}

function onTrailers(this: CallStream, trailers: IncomingHttpHeaders): void {
  this[kCall].trailers = trailers;
}

function onStreamError(this: CallStream, error: Error): void {
  this[kCall].streamError = error;
}

function onClose(this: CallStream): void {
  this[kCall].finish();
}

function onDeadline(call: ClientCall): void {
  call.timer = undefined;
  call.cancel(new WireError(Status.DEADLINE_EXCEEDED, "deadline exceeded"));
}

export function createWireChannel(address: string, options: WireChannelOptions = {}): WireChannel {
  const maxMessageBytes = options.maxMessageBytes ?? defaultMaxMessageBytes;
  const connectTimeoutMs = options.connectTimeoutMs ?? defaultConnectTimeoutMs;
  const maxInFlight = options.maxInFlight ?? defaultMaxInFlight;
  const maxQueued = options.maxQueued ?? defaultMaxQueued;
  const tls = options.tls;
  const authority = `${tls === undefined ? "http" : "https"}://${address}`;
  if (!/^(\[[0-9a-fA-F:.]+\]|[^:/?#@\s[\]]+):\d{1,5}$/.test(address) || !URL.canParse(authority)) {
    throw new TypeError(`invalid channel address ${JSON.stringify(address)}: want host:port`);
  }

  let current: Connection | undefined;
  let closed = false;
  let inFlight = 0;
  // FIFO of waiting calls; cancelled entries are skipped lazily (queued = false).
  let queue: (ClientCall | undefined)[] = [];
  let head = 0;
  let queued = 0;

  function drop(conn: Connection): void {
    if (current === conn) current = undefined;
  }

  function open(): Connection {
    const session =
      tls === undefined
        ? connect(authority)
        : connect(authority, {
            ALPNProtocols: ["h2"],
            minVersion: "TLSv1.3",
            ...(tls.ca === undefined ? {} : { ca: tls.ca }),
            ...(tls.servername === undefined ? {} : { servername: tls.servername }),
          });
    const conn: Connection = { session, connected: false, error: undefined, active: 0, timer: undefined };
    // An idle channel must not keep the process alive; calls ref the connection while they run.
    session.unref();
    // Connected means the peer's SETTINGS arrived: a socket that accepts but never speaks HTTP/2 is unreachable.
    session.once("remoteSettings", () => {
      conn.connected = true;
      if (conn.timer !== undefined) clearTimeout(conn.timer);
    });
    session.on("error", (error: Error) => {
      conn.error ??= error;
      drop(conn);
    });
    session.on("goaway", () => drop(conn));
    session.on("close", () => {
      if (conn.timer !== undefined) clearTimeout(conn.timer);
      drop(conn);
    });
    conn.timer = setTimeout(() => {
      if (conn.connected) return;
      conn.error = new Error(`connect timeout after ${connectTimeoutMs} ms`);
      session.destroy(conn.error);
    }, connectTimeoutMs);
    conn.timer.unref();
    current = conn;
    return conn;
  }

  function request(conn: Connection, call: ClientCall): ClientHttp2Stream {
    const headers: OutgoingHttpHeaders = {
      ":method": "POST",
      ":path": call.path,
      "content-type": "application/grpc",
      te: "trailers",
    };
    if (call.deadline !== undefined) headers["grpc-timeout"] = formatGrpcTimeout(call.deadline - Date.now());
    writeMetadata(headers, call.metadata);
    return conn.session.request(headers);
  }

  function start(call: ClientCall): void {
    inFlight++;
    let conn: Connection;
    let stream: ClientHttp2Stream;
    try {
      conn = current ?? open();
      try {
        stream = request(conn, call);
      } catch (error) {
        if (badHeaderCodes.has((error as { code?: string }).code ?? "")) throw error;
        // The connection went bad between calls (closing, GOAWAY, stream ids used up): one fresh attempt.
        drop(conn);
        conn = open();
        stream = request(conn, call);
      }
    } catch (error) {
      inFlight--;
      const message = error instanceof Error ? error.message : String(error);
      call.fail(
        badHeaderCodes.has((error as { code?: string }).code ?? "")
          ? new WireError(Status.INTERNAL, `invalid metadata: ${message}`)
          : new WireError(Status.UNAVAILABLE, `${address} unreachable: ${message}`, {
              channelFailure: "unreachable",
            }),
      );
      pump();
      return;
    }
    call.conn = conn;
    call.stream = stream;
    if (conn.active++ === 0) conn.session.ref();
    (stream as CallStream)[kCall] = call;
    stream.on("response", onResponse);
    stream.on("data", onData);
    stream.on("trailers", onTrailers);
    stream.on("error", onStreamError);
    stream.on("close", onClose);
    stream.end(frameMessage(call.body));
  }

  function pump(): void {
    while (queued > 0 && inFlight < maxInFlight && head < queue.length) {
      const call = queue[head];
      queue[head] = undefined;
      head++;
      if (call === undefined || !call.queued) continue;
      call.queued = false;
      queued--;
      start(call);
    }
    if (head === queue.length) {
      queue = [];
      head = 0;
    } else if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  }

  const core: ChannelCore = {
    address,
    maxMessageBytes,
    callEnded(call) {
      const conn = call.conn;
      if (conn !== undefined && --conn.active === 0 && !conn.session.destroyed) conn.session.unref();
      inFlight--;
      pump();
    },
    dequeue(call) {
      call.queued = false;
      queued--;
    },
  };

  return {
    address,

    unary(path, body, metadata, callOptions) {
      const call = new ClientCall(core, path, body, metadata, callOptions);
      const promise = new Promise<UnaryResult>((resolve, reject) => {
        call.resolve = resolve;
        call.reject = reject;
      });
      const signal = call.signal;
      const deadline = call.deadline;
      if (closed) {
        call.fail(new WireError(Status.UNAVAILABLE, "channel closed"));
      } else if (signal?.aborted === true) {
        call.fail(new WireError(Status.CANCELLED, "call cancelled"));
      } else if (deadline !== undefined && deadline <= Date.now()) {
        call.fail(new WireError(Status.DEADLINE_EXCEEDED, "deadline exceeded"));
      } else if (body.length > maxMessageBytes) {
        call.fail(
          new WireError(
            Status.RESOURCE_EXHAUSTED,
            `request message of ${body.length} bytes exceeds the limit of ${maxMessageBytes} bytes`,
          ),
        );
      } else if (inFlight >= maxInFlight && queued >= maxQueued) {
        call.fail(new WireError(Status.RESOURCE_EXHAUSTED, "queue full", { channelFailure: "queue-full" }));
      } else {
        signal?.addEventListener("abort", call);
        const remaining = deadline === undefined ? undefined : deadline - Date.now();
        // A deadline beyond setTimeout's range (about 24.8 days) would fire at once; it is as good as none.
        if (remaining !== undefined && remaining <= maxTimerMs) call.timer = setTimeout(onDeadline, remaining, call);
        if (inFlight < maxInFlight) {
          start(call);
        } else {
          call.queued = true;
          queued++;
          queue.push(call);
        }
      }
      return promise;
    },

    close() {
      if (closed) return;
      closed = true;
      const waiting = queue;
      queue = [];
      head = 0;
      for (const call of waiting) {
        if (call === undefined || !call.queued) continue;
        call.queued = false;
        call.fail(new WireError(Status.UNAVAILABLE, "channel closed"));
      }
      queued = 0;
      const conn = current;
      current = undefined;
      conn?.session.close();
    },
  };
}
