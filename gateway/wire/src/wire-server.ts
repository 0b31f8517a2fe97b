// The gateway's gRPC server, straight on node:http2 (PROTOCOL-HTTP2.md): request messages reach handlers as
// exact bytes, replies leave as exact bytes, nothing is decoded. grpc-js's per-call machinery is what this
// replaces, so the hot path keeps per-call work small: call state is one class instance whose methods live on
// the prototype, stream events go to shared module-level listeners that find the call on the stream, and the
// AbortController and metadata object are only built if a handler asks for them.

import {
  constants,
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
  type ServerStreamResponseOptions,
} from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import type { CancelListener, CancelSignal } from "./cancel-signal.js";
import { encodeGrpcMessage } from "./grpc-message.js";
import { Status, type StatusCode } from "./grpc-status.js";
import { parseGrpcTimeout } from "./grpc-timeout.js";
import { frameMessage, MessageDecoder, type MessageSink } from "./message-framing.js";
import { type Metadata, readMetadata, writeMetadata } from "./metadata.js";
import { isWireError, WireError } from "./wire-error.js";
import { defaultWireLimits, type WireLimitEvent, type WireLimitName, type WireLimits } from "./wire-limits.js";

export interface UnaryCall {
  readonly path: string; // "/hutong.v1.TicketService/GetTicket"
  readonly metadata: Metadata;
  readonly body: Buffer; // exact bytes of the single request message
  readonly deadline: number | undefined; // absolute epoch ms from grpc-timeout
  readonly signal: AbortSignal; // aborts when the client cancels (RST_STREAM) or the deadline passes
  /** The same event without an AbortController behind it: what the gateway passes on to its next hop. */
  readonly cancelSignal: CancelSignal;
  readonly peer: string; // "127.0.0.1:54321"
}

export interface UnaryReply {
  readonly body: Buffer;
  readonly trailers?: Metadata;
}

export type UnaryHandler = (call: UnaryCall) => Promise<UnaryReply>;

/** Bidi/server streaming, needed for reflection and health Watch. */
export interface StreamCall {
  readonly path: string;
  readonly metadata: Metadata;
  readonly signal: AbortSignal;
  readonly deadline: number | undefined;
  readonly peer: string;
  /**
   * Request messages as they arrive. Reading pauses while a few are queued unread, and the next message is
   * held back while the response side is backed up, so a request/response loop never buffers without bound.
   * Throws the call's WireError if the call ends abnormally (cancel, deadline, malformed input).
   */
  readonly messages: AsyncIterable<Buffer>;
  /**
   * Sends one response message. Throws WireError once the call has ended, and RESOURCE_EXHAUSTED (resetting
   * the stream) if the peer leaves more than 4 MiB of earlier responses unread.
   */
  send(body: Buffer): void;
  /**
   * Resolves once more responses may be sent without piling up: at once while less than 256 KiB is
   * unread, else when the peer has read the backlog (or the call has ended). A handler that sends
   * many messages awaits it after each send, so a slow reader slows the handler instead of
   * overflowing the 4 MiB limit.
   */
  ready(): Promise<void>;
}

// biome-ignore lint/suspicious/noConfusingVoidType: lets a handler be a plain `async (call) => { ... }`.
export type StreamHandler = (call: StreamCall) => Promise<{ trailers?: Metadata } | void>;

/** What a route's admission check sees: the headers only, before any of the body is read. */
export interface AdmissionCall {
  readonly path: string;
  readonly metadata: Metadata;
  readonly peer: string;
}

/**
 * `admit` checks a call from its headers alone (for the gateway: the session ticket, timestamp and
 * nonce) and throws a WireError to refuse it before its body is read. A route without one is
 * unauthenticated (handshakes, health, reflection): its open streams count against
 * `maxUnauthenticatedStreams` per connection.
 */
export type Route =
  | { kind: "unary"; handler: UnaryHandler; admit?: (call: AdmissionCall) => void }
  | { kind: "stream"; handler: StreamHandler; admit?: (call: AdmissionCall) => void };

export interface CallEndInfo {
  /** The request path as sent; for UNIMPLEMENTED it is whatever the client sent, so bucket it before using it as a label. */
  readonly path: string;
  readonly code: StatusCode;
  readonly durationMs: number;
  readonly peer: string;
}

export interface WireServerOptions {
  resolve(path: string): Route | undefined; // undefined -> UNIMPLEMENTED "unknown method <path>"
  maxMessageBytes?: number; // default 4 MiB; bigger request -> RESOURCE_EXHAUSTED, handler never called
  maxConcurrentStreams?: number; // HTTP/2 SETTINGS, default 1000
  /** Memory, time and count limits (wire-limits.ts); each unset one takes its default. */
  limits?: Partial<WireLimits>;
  /** A limit was hit: a stream refused, a connection closed. For metrics and a rate-limited log. */
  onLimit?(event: WireLimitEvent): void;
  onCallEnd?(info: CallEndInfo): void; // for metrics/logs
  /** A handler threw something other than a WireError: the client got INTERNAL "internal error", this gets the detail. */
  onInternalError?(error: unknown): void;
  /** Serve TLS 1.3 (no older version) with ALPN h2 instead of cleartext h2c. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface WireServer {
  listen(host: string, port: number): Promise<{ host: string; port: number }>;
  /** Stop accepting, let in-flight calls finish up to graceMs (default 5000), then destroy what is left. */
  close(graceMs?: number): Promise<void>;
  readonly activeCalls: number;
  /** Open connections, and the bytes held for them now (incomplete requests, unread responses). */
  readonly usage: { readonly connections: number; readonly bufferedBytes: number };
}

/** Request messages queued for a stream handler before reading from the peer pauses. */
const inboxHigh = 16;
/** Response bytes buffered for a slow peer before a stream handler's next request message is held back. */
const outboxHigh = 256 * 1024;
/**
 * Response bytes buffered for a peer that does not read at all before the stream is reset. Kept well under
 * node:http2's default 10 MB session memory, past which it would refuse the connection's other streams.
 */
const outboxLimit = 4 * 1024 * 1024;

const kCall = Symbol("hutong.wire.call");
const kConn = Symbol("hutong.wire.connection");
type CallStream = ServerHttp2Stream & { [kCall]: ServerCall };
type PeerSession = ServerHttp2Session & { [kConn]?: Connection };

// node:http2 copies header objects before use, so these are shared by every call.
const okHeaders: OutgoingHttpHeaders = Object.freeze({ ":status": 200, "content-type": "application/grpc" });
const okTrailers: OutgoingHttpHeaders = Object.freeze({ "grpc-status": "0" });
const internalTrailers: OutgoingHttpHeaders = Object.freeze({ "grpc-status": "13", "grpc-message": "internal error" });
const internalTrailersOnly: OutgoingHttpHeaders = Object.freeze({ ...okHeaders, ...internalTrailers });
/** setTimeout's ceiling (about 24.8 days); a longer timer would fire at once. */
const maxTimerMs = 2 ** 31 - 1;
// sendDate is honoured by node:http2 but missing from @types/node.
const withTrailers: ServerStreamResponseOptions & { sendDate: boolean } = Object.freeze({
  waitForTrailers: true,
  sendDate: false,
});
const endNow: ServerStreamResponseOptions & { sendDate: boolean } = Object.freeze({ endStream: true, sendDate: false });
const emptyBody = Buffer.alloc(0);

interface ServerContext {
  readonly resolve: (path: string) => Route | undefined;
  readonly limits: WireLimits;
  readonly maxMessageBytes: number;
  readonly onCallEnd: ((info: CallEndInfo) => void) | undefined;
  readonly onInternalError: ((error: unknown) => void) | undefined;
  readonly onLimit: ((event: WireLimitEvent) => void) | undefined;
  active: number;
  /** Request bytes of incomplete messages, over every connection (exact). */
  requestBytes: number;
  /** Response bytes unread, over every connection, as each connection last measured them. */
  responseBytes: number;
  /** The TCP sockets under the sessions, by peer ("address:port"), to end one whose session will not close. */
  readonly sockets: Map<string, Socket>;
  /** A session's bookkeeping undone; idempotent (its 'close' event, or the sweep for one that never closes). */
  readonly release: (session: ServerHttp2Session) => void;
}

/** One HTTP/2 connection: what it holds, for the limits. */
class Connection {
  readonly session: ServerHttp2Session;
  readonly peer: string;
  readonly address: string;
  readonly opened = performance.now();
  /** The client's SETTINGS arrived: the preface is done. */
  settled = false;
  lastActive = performance.now();
  /** When this connection was told to go away, -1 before. */
  goawaySince = -1;
  readonly calls = new Set<ServerCall>();
  unauthenticated = 0;
  requestBytes = 0;
  /** Response bytes unread by the peer when last measured. */
  responseBytes = 0;
  /** Calls the client cancelled since the last sweep, and when that was. */
  cancels = 0;
  cancelsSince = performance.now();

  constructor(session: ServerHttp2Session, peer: string, address: string) {
    this.session = session;
    this.peer = peer;
    this.address = address;
  }

  /** Measures the response bytes the peer has not read (node keeps them per stream), updating the totals. */
  measureResponses(ctx: ServerContext): number {
    let out = 0;
    for (const call of this.calls) out += call.stream.writableLength;
    ctx.responseBytes += out - this.responseBytes;
    this.responseBytes = out;
    return out;
  }
}

function limitHit(ctx: ServerContext, limit: WireLimitName, peer: string): void {
  if (ctx.onLimit === undefined) return;
  try {
    ctx.onLimit({ limit, peer });
  } catch (error) {
    report(error, ctx);
  }
}

/** The refusal for a memory limit, if holding `extra` more bytes for `conn` would pass one. */
function overBudget(ctx: ServerContext, conn: Connection, extra: number): WireError | undefined {
  const limits = ctx.limits;
  if (conn.requestBytes + conn.responseBytes + extra > limits.maxConnectionBufferBytes) {
    limitHit(ctx, "connection-buffer", conn.peer);
    return new WireError(
      Status.RESOURCE_EXHAUSTED,
      `limit connection-buffer: more than ${limits.maxConnectionBufferBytes} bytes buffered for this connection`,
    );
  }
  if (ctx.requestBytes + ctx.responseBytes + extra > limits.maxBufferBytes) {
    limitHit(ctx, "buffer-budget", conn.peer);
    return new WireError(Status.RESOURCE_EXHAUSTED, "limit buffer-budget: the server's buffer budget is spent");
  }
  return undefined;
}

function isGrpcContentType(value: string | undefined): boolean {
  if (value === undefined || !value.startsWith("application/grpc")) return false;
  // "application/grpc-web" is another protocol; "+proto" / ";charset" suffixes are fine.
  const next = value.charCodeAt(16);
  return Number.isNaN(next) || next === 43 /* + */ || next === 59 /* ; */;
}

function statusHeaders(
  code: StatusCode,
  message: string,
  trailers: Metadata | undefined,
  trailersOnly: boolean,
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = trailersOnly
    ? { ":status": 200, "content-type": "application/grpc", "grpc-status": String(code) }
    : { "grpc-status": String(code) };
  if (message !== "") out["grpc-message"] = encodeGrpcMessage(message);
  writeMetadata(out, trailers);
  return out;
}

function report(error: unknown, ctx: ServerContext): void {
  try {
    ctx.onInternalError?.(error);
  } catch {
    // A failing log hook must not take the server down.
  }
}

/** Shared per-call state and the status logic common to unary and streaming calls. */
abstract class ServerCall implements MessageSink, CancelSignal {
  readonly path: string;
  readonly deadline: number | undefined;
  readonly peer: string;
  readonly stream: CallStream;
  readonly ctx: ServerContext;
  readonly started: number;
  readonly conn: Connection;
  /** Opened on a route without admission: counts against maxUnauthenticatedStreams. */
  unauthenticated = false;
  /** Request bytes this call holds for an incomplete message (charged to its connection and the total). */
  held = 0;
  /** Since when a request message has been arriving (performance.now()), -1 when none is. */
  receivingSince = -1;
  /** The final status once decided, -1 before. The first decision wins. */
  status: StatusCode | -1 = -1;
  headersSent = false;
  finalTrailers: OutgoingHttpHeaders = okTrailers;
  timer: NodeJS.Timeout | undefined;
  decoder: MessageDecoder;
  #headers: IncomingHttpHeaders;
  #metadata: Metadata | undefined;
  #controller: AbortController | undefined;
  #cancelListeners: CancelListener[] | undefined;
  #endError: WireError | undefined;

  constructor(
    ctx: ServerContext,
    stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    path: string,
    deadline: number | undefined,
    conn: Connection,
    metadata: Metadata | undefined,
  ) {
    this.ctx = ctx;
    this.stream = stream as CallStream;
    this.#headers = headers;
    this.#metadata = metadata;
    this.path = path;
    this.deadline = deadline;
    this.conn = conn;
    this.peer = conn.peer;
    this.started = performance.now();
    this.decoder = new MessageDecoder(ctx.maxMessageBytes, this);
  }

  abstract onMessage(message: Buffer): void;

  onBuffered(delta: number): void {
    const ctx = this.ctx;
    const conn = this.conn;
    if (delta > 0) {
      const refused = overBudget(ctx, conn, delta);
      if (refused !== undefined) throw refused;
      if (this.receivingSince < 0) this.receivingSince = performance.now();
    } else {
      this.messageCompleted();
    }
    this.held += delta;
    conn.requestBytes += delta;
    ctx.requestBytes += delta;
  }

  /** A request message completed: the message clock stops (a unary call's runs to the end of its request). */
  protected messageCompleted(): void {
    this.receivingSince = -1;
  }

  /** Lets go of the bytes of an incomplete message: the call ended before it completed. */
  releaseHeld(): void {
    const held = this.held;
    if (held === 0) return;
    this.held = 0;
    this.conn.requestBytes -= held;
    this.ctx.requestBytes -= held;
  }

  get metadata(): Metadata {
    this.#metadata ??= readMetadata(this.#headers);
    return this.#metadata;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#endError !== undefined) this.#controller.abort(this.#endError);
    }
    return this.#controller.signal;
  }

  get cancelSignal(): CancelSignal {
    return this;
  }

  get aborted(): boolean {
    return this.#endError !== undefined;
  }

  addEventListener(_type: "abort", listener: CancelListener): void {
    if (this.#endError !== undefined) return; // like AbortSignal: no event for a listener added after it fired
    if (this.#cancelListeners === undefined) this.#cancelListeners = [listener];
    else this.#cancelListeners.push(listener);
  }

  removeEventListener(_type: "abort", listener: CancelListener): void {
    const listeners = this.#cancelListeners;
    const i = listeners === undefined ? -1 : listeners.indexOf(listener);
    if (i >= 0) listeners?.splice(i, 1);
  }

  /** Why the call ended abnormally while the handler may still run; undefined otherwise. */
  get endError(): WireError | undefined {
    return this.#endError;
  }

  /** Ends the call under the handler's feet: aborts its signal with the status as the reason. */
  abort(code: StatusCode, message: string): void {
    if (this.status !== -1) return;
    const error = new WireError(code, message);
    this.#endError = error;
    // Status first, so that anything the abort listeners do re-entrantly sees a finished call.
    this.end(code, message, undefined);
    this.#controller?.abort(error);
    const listeners = this.#cancelListeners;
    this.#cancelListeners = undefined;
    if (listeners !== undefined) {
      for (const listener of listeners) {
        try {
          listener.handleEvent();
        } catch (e) {
          report(e, this.ctx);
        }
      }
    }
    this.onAbort();
  }

  protected onAbort(): void {}

  /** Sends the final status: trailers-only if nothing was sent yet, else trailers after the messages. */
  end(code: StatusCode, message: string, trailers: Metadata | undefined): void {
    if (this.status !== -1) return;
    this.status = code;
    this.releaseHeld();
    this.receivingSince = -1;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const stream = this.stream;
    if (stream.destroyed || stream.closed) return; // reset by the peer: nothing can be sent
    try {
      if (!this.headersSent) {
        this.headersSent = true;
        stream.respond(statusHeaders(code, message, trailers, true), endNow);
      } else {
        this.finalTrailers =
          code === Status.OK && trailers === undefined ? okTrailers : statusHeaders(code, message, trailers, false);
        stream.end();
      }
    } catch (error) {
      // Metadata node:http2 refuses (say, a control character in a handler's trailer value) lands here.
      report(error, this.ctx);
      try {
        if (!stream.headersSent) stream.respond(internalTrailersOnly, endNow);
        else stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      } catch {
        stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      }
    }
    stopReading(stream);
  }

  /** A handler's rejection: its WireError as is, anything else as an opaque INTERNAL. */
  fail(error: unknown): void {
    if (this.status !== -1) return; // ended by deadline or cancel: the handler's late error is moot
    if (isWireError(error)) {
      this.end(error.code, error.message, error.trailers);
    } else {
      report(error, this.ctx);
      this.end(Status.INTERNAL, "internal error", undefined);
    }
  }

  /** The stream is gone: account for the call. Runs exactly once per call. */
  closed(): void {
    if (this.status === -1) {
      // The peer reset the stream or the connection dropped before we answered.
      this.abort(Status.CANCELLED, "cancelled by the client");
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.releaseHeld();
    const ctx = this.ctx;
    ctx.active--;
    const conn = this.conn;
    conn.calls.delete(this);
    if (this.unauthenticated) conn.unauthenticated--;
    conn.lastActive = performance.now();
    if (ctx.onCallEnd !== undefined) {
      try {
        ctx.onCallEnd({
          path: this.path,
          code: this.status as StatusCode,
          durationMs: performance.now() - this.started,
          peer: this.peer,
        });
      } catch (error) {
        report(error, ctx);
      }
    }
  }
}

class UnaryServerCall extends ServerCall implements UnaryCall {
  readonly handler: UnaryHandler;
  body: Buffer = emptyBody;
  received = false;

  constructor(
    ctx: ServerContext,
    stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    path: string,
    deadline: number | undefined,
    conn: Connection,
    metadata: Metadata | undefined,
    handler: UnaryHandler,
  ) {
    super(ctx, stream, headers, path, deadline, conn, metadata);
    this.handler = handler;
    this.receivingSince = this.started; // the whole request must arrive within messageTimeoutMs
  }

  protected override messageCompleted(): void {}

  onMessage(message: Buffer): void {
    if (this.received) throw new WireError(Status.UNIMPLEMENTED, "more than one request message for a unary method");
    this.received = true;
    this.body = message;
  }

  succeed(reply: UnaryReply): void {
    if (this.status !== -1) return;
    if (reply === null || typeof reply !== "object" || !(reply.body instanceof Uint8Array)) {
      this.fail(new TypeError(`unary handler for ${this.path} resolved without a body`));
      return;
    }
    const stream = this.stream;
    // A peer that does not read its responses must not make replies pile up without bound.
    this.conn.measureResponses(this.ctx);
    const refused = overBudget(this.ctx, this.conn, reply.body.length);
    if (refused !== undefined) {
      this.end(refused.code, refused.message, undefined);
      return;
    }
    this.status = Status.OK;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (stream.destroyed || stream.closed) return;
    this.headersSent = true;
    const trailers = reply.trailers;
    if (trailers !== undefined) this.finalTrailers = statusHeaders(Status.OK, "", trailers, false);
    try {
      stream.respond(okHeaders, withTrailers);
      stream.on("wantTrailers", onWantTrailers);
      stream.end(frameMessage(reply.body));
    } catch (error) {
      report(error, this.ctx);
      stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    }
  }
}

class StreamServerCall extends ServerCall implements StreamCall, AsyncIterableIterator<Buffer> {
  #queue: Buffer[] = [];
  #head = 0;
  #paused = false;
  #ended = false;
  #consumed = false;
  #waiter: { resolve(r: IteratorResult<Buffer>): void; reject(e: unknown): void } | undefined;
  #drainWaiter: (() => void) | undefined;

  get messages(): AsyncIterable<Buffer> {
    return this;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    return this;
  }

  onMessage(message: Buffer): void {
    if (this.#consumed) return;
    const waiter = this.#waiter;
    if (waiter !== undefined && !this.#outboxFull()) {
      this.#waiter = undefined;
      waiter.resolve({ value: message, done: false });
      return;
    }
    this.#queue.push(message);
    if (this.#queue.length - this.#head >= inboxHigh && !this.#paused) {
      this.#paused = true;
      this.stream.pause();
    }
    if (waiter !== undefined) this.#waitForDrain();
  }

  /** The peer half-closed: no more request messages. */
  endOfInput(): void {
    this.#ended = true;
    this.#settleWaiter();
  }

  protected override onAbort(): void {
    this.#settleWaiter();
    this.drained();
  }

  next(): Promise<IteratorResult<Buffer>> {
    if (this.#waiter !== undefined) return Promise.reject(new Error("concurrent next() on a request stream"));
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
      if (this.#outboxFull()) this.#waitForDrain();
      else this.#settleWaiter();
    });
  }

  return(): Promise<IteratorResult<Buffer>> {
    this.#consumed = true;
    this.#queue = [];
    this.#head = 0;
    if (this.status === -1 && !this.stream.readableEnded) this.stream.resume();
    return Promise.resolve({ value: undefined, done: true });
  }

  send(body: Buffer): void {
    if (this.status !== -1) throw this.endError ?? new WireError(Status.CANCELLED, "call has ended");
    const stream = this.stream;
    if (stream.destroyed || stream.closed) {
      this.abort(Status.CANCELLED, "cancelled by the client");
      throw this.endError;
    }
    this.conn.measureResponses(this.ctx);
    const refused =
      stream.writableLength > outboxLimit
        ? new WireError(Status.RESOURCE_EXHAUSTED, "peer is not reading responses")
        : overBudget(this.ctx, this.conn, body.length);
    if (refused !== undefined) {
      this.abort(refused.code, refused.message);
      // Trailers would queue behind the unread bytes forever; reset instead (read as RESOURCE_EXHAUSTED).
      stream.close(constants.NGHTTP2_ENHANCE_YOUR_CALM);
      throw this.endError;
    }
    try {
      if (!this.headersSent) {
        this.headersSent = true;
        stream.respond(okHeaders, withTrailers);
        stream.on("wantTrailers", onWantTrailers);
      }
      stream.write(frameMessage(body));
    } catch (error) {
      // The stream went away between the checks above and the write (session torn down).
      report(error, this.ctx);
      this.abort(Status.CANCELLED, "call has ended");
      throw this.endError;
    }
  }

  ready(): Promise<void> {
    if (!this.#outboxFull()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off("drain", done);
        this.stream.off("close", done);
        resolve();
      };
      this.stream.on("drain", done);
      this.stream.on("close", done);
    });
  }

  /** Response bytes drained (or the stream is gone): a held-back next() may proceed. */
  drained(): void {
    const resume = this.#drainWaiter;
    this.#drainWaiter = undefined;
    resume?.();
  }

  #outboxFull(): boolean {
    return this.status === -1 && this.stream.writableLength > outboxHigh;
  }

  #waitForDrain(): void {
    if (this.#drainWaiter !== undefined) return;
    this.#drainWaiter = () => {
      if (this.#outboxFull()) this.#waitForDrain();
      else this.#settleWaiter();
    };
    this.stream.once("drain", onDrain);
  }

  #settleWaiter(): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    if (this.#head < this.#queue.length) {
      const message = this.#queue[this.#head] as Buffer;
      this.#head++;
      if (this.#head === this.#queue.length) {
        this.#queue.length = 0;
        this.#head = 0;
      }
      if (this.#paused && this.#queue.length - this.#head < inboxHigh / 2) {
        this.#paused = false;
        this.stream.resume();
      }
      this.#waiter = undefined;
      waiter.resolve({ value: message, done: false });
      return;
    }
    const error = this.endError;
    if (error !== undefined) {
      this.#waiter = undefined;
      waiter.reject(error);
    } else if (this.#ended || this.#consumed || this.status !== -1) {
      this.#waiter = undefined;
      waiter.resolve({ value: undefined, done: true });
    }
  }
}

// Shared stream listeners: `this` is the stream, the call hangs off it.

function ignoreStreamError(): void {
  // A stream error (peer reset, session torn down) is always followed by 'close', which does the accounting.
}

function onWantTrailers(this: CallStream): void {
  try {
    this.sendTrailers(this[kCall].finalTrailers);
  } catch (error) {
    report(error, this[kCall].ctx);
    try {
      this.sendTrailers(internalTrailers);
    } catch {
      this.close(constants.NGHTTP2_INTERNAL_ERROR);
    }
  }
}

function onDrain(this: CallStream): void {
  (this[kCall] as StreamServerCall).drained();
}

function onData(this: CallStream, chunk: Buffer): void {
  const call = this[kCall];
  if (call.status !== -1) return;
  call.conn.lastActive = performance.now();
  try {
    call.decoder.push(chunk);
  } catch (error) {
    if (isWireError(error)) call.abort(error.code, error.message);
    else {
      report(error, call.ctx);
      call.abort(Status.INTERNAL, "internal error");
    }
  }
}

// node:http2 also ends the readable side of a stream the peer reset, so 'end' alone is no half-close. Any
// RST_STREAM counts, NO_ERROR included (node's own client sends that from session.destroy(), and a call
// answered after it would be written to a closed stream); rstCode cannot tell, it reads NO_ERROR before
// any reset, but a reset stream is closed by the time its readable side ends.
function endedByReset(stream: CallStream): boolean {
  if (!stream.closed) return false;
  stream[kCall].abort(Status.CANCELLED, "cancelled by the client");
  return true;
}

function onUnaryEnd(this: CallStream): void {
  const call = this[kCall] as UnaryServerCall;
  if (call.status !== -1 || endedByReset(this)) return;
  call.receivingSince = -1;
  if (call.decoder.pending) call.end(Status.INTERNAL, "request stream ended inside a message", undefined);
  else if (!call.received) {
    call.conn.cancels++; // what a stream reset with NO_ERROR right after its headers looks like
    call.end(Status.UNIMPLEMENTED, "no request message for a unary method", undefined);
  } else void runUnary(call);
}

function onStreamEnd(this: CallStream): void {
  const call = this[kCall] as StreamServerCall;
  if (call.status !== -1 || endedByReset(this)) return;
  if (call.decoder.pending) call.abort(Status.INTERNAL, "request stream ended inside a message");
  else call.endOfInput();
}

/** RST_STREAM codes this server sends itself; any other on a closed stream came from the peer. */
function resetByPeer(code: number | undefined): boolean {
  return (
    code !== undefined &&
    code !== constants.NGHTTP2_NO_ERROR &&
    code !== constants.NGHTTP2_INTERNAL_ERROR &&
    code !== constants.NGHTTP2_ENHANCE_YOUR_CALM
  );
}

function onClose(this: CallStream): void {
  const call = this[kCall];
  if (resetByPeer(this.rstCode)) call.conn.cancels++; // counted for the rapid-reset limit
  call.closed();
}

function onDeadline(call: ServerCall): void {
  call.timer = undefined;
  call.abort(Status.DEADLINE_EXCEEDED, "deadline exceeded");
}

async function runUnary(call: UnaryServerCall): Promise<void> {
  let reply: UnaryReply;
  try {
    reply = await call.handler(call);
  } catch (error) {
    call.fail(error);
    return;
  }
  call.succeed(reply);
}

async function runStream(call: StreamServerCall, handler: StreamHandler): Promise<void> {
  let result: Awaited<ReturnType<StreamHandler>>;
  try {
    result = await handler(call);
  } catch (error) {
    call.fail(error);
    return;
  }
  call.end(Status.OK, "", result?.trailers);
}

/**
 * The answer went out before the request finished: ask the peer to stop sending it (RST_STREAM
 * NO_ERROR after the response, RFC 9113 §8.1), and drop what is already on its way. Reading and
 * dropping alone would let a refused peer keep pushing bytes through for as long as it likes.
 */
function stopReading(stream: ServerHttp2Stream): void {
  if (stream.readableEnded) return;
  stream.resume();
  if (!stream.closed) stream.close(constants.NGHTTP2_NO_ERROR);
}

/** Answers before a call exists: trailers-only status, or a bare HTTP status for non-gRPC requests. */
function refuse(stream: ServerHttp2Stream, headers: OutgoingHttpHeaders): void {
  try {
    stream.respond(headers, endNow);
  } catch {
    stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  }
  stopReading(stream);
}

/** Called once per connection, while its socket is surely attached. */
function connectionOf(session: ServerHttp2Session): Connection {
  let peer = "unknown";
  let address = "unknown";
  try {
    const remote = session.socket.remoteAddress;
    if (remote !== undefined) {
      address = remote;
      peer = `${remote.includes(":") ? `[${remote}]` : remote}:${session.socket.remotePort}`;
    }
  } catch {
    // Socket already gone: the session is dying anyway.
  }
  const conn = new Connection(session, peer, address);
  (session as PeerSession)[kConn] = conn;
  return conn;
}

function refuseCall(
  ctx: ServerContext,
  stream: ServerHttp2Stream,
  path: string,
  peer: string,
  code: StatusCode,
  message: string,
  extra?: OutgoingHttpHeaders,
  trailers?: Metadata,
): void {
  const out = statusHeaders(code, message, trailers, true);
  if (extra !== undefined) Object.assign(out, extra);
  refuse(stream, out);
  if (ctx.onCallEnd !== undefined) {
    try {
      ctx.onCallEnd({ path, code, durationMs: 0, peer });
    } catch (error) {
      report(error, ctx);
    }
  }
}

function onStream(ctx: ServerContext, stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
  stream.on("error", ignoreStreamError);
  if (headers[":method"] !== "POST") {
    refuse(stream, { ":status": 405, allow: "POST" });
    return;
  }
  // PROTOCOL-HTTP2.md: a non-gRPC content type gets HTTP 415, so that no HTTP client reads an error as success.
  if (!isGrpcContentType(headers["content-type"])) {
    refuse(stream, { ":status": 415 });
    return;
  }
  const path = headers[":path"] ?? "";
  const conn = (stream.session as PeerSession | undefined)?.[kConn];
  if (conn === undefined) {
    refuse(stream, { ":status": 503 }); // a stream on a connection already torn down
    return;
  }
  conn.lastActive = performance.now();
  const peer = conn.peer;
  const encoding = headers["grpc-encoding"];
  if (encoding !== undefined && encoding !== "identity") {
    refuseCall(ctx, stream, path, peer, Status.UNIMPLEMENTED, `unsupported grpc-encoding ${encoding}`, {
      "grpc-accept-encoding": "identity",
    });
    return;
  }
  let deadline: number | undefined;
  const timeout = headers["grpc-timeout"];
  if (timeout !== undefined) {
    const ms = typeof timeout === "string" ? parseGrpcTimeout(timeout) : undefined;
    if (ms === undefined) {
      refuseCall(ctx, stream, path, peer, Status.INTERNAL, `invalid grpc-timeout ${timeout}`);
      return;
    }
    deadline = Date.now() + ms;
  }
  let route: Route | undefined;
  try {
    route = ctx.resolve(path);
  } catch (error) {
    report(error, ctx);
    refuseCall(ctx, stream, path, peer, Status.INTERNAL, "internal error");
    return;
  }
  if (route === undefined) {
    refuseCall(ctx, stream, path, peer, Status.UNIMPLEMENTED, `unknown method ${path}`);
    return;
  }
  // Admission from the headers alone, before a byte of the body is read or buffered.
  let metadata: Metadata | undefined;
  if (route.admit !== undefined) {
    metadata = readMetadata(headers);
    try {
      route.admit({ path, metadata, peer });
    } catch (error) {
      if (isWireError(error)) {
        refuseCall(ctx, stream, path, peer, error.code, error.message, undefined, error.trailers);
      } else {
        report(error, ctx);
        refuseCall(ctx, stream, path, peer, Status.INTERNAL, "internal error");
      }
      return;
    }
  } else if (conn.unauthenticated >= ctx.limits.maxUnauthenticatedStreams) {
    limitHit(ctx, "unauthenticated-streams", peer);
    refuseCall(
      ctx,
      stream,
      path,
      peer,
      Status.RESOURCE_EXHAUSTED,
      `limit unauthenticated-streams: at most ${ctx.limits.maxUnauthenticatedStreams} open streams without a session per connection`,
    );
    return;
  }

  let call: ServerCall;
  if (route.kind === "unary") {
    call = new UnaryServerCall(ctx, stream, headers, path, deadline, conn, metadata, route.handler);
    stream.on("end", onUnaryEnd);
  } else {
    call = new StreamServerCall(ctx, stream, headers, path, deadline, conn, metadata);
    stream.on("end", onStreamEnd);
  }
  if (route.admit === undefined) {
    call.unauthenticated = true;
    conn.unauthenticated++;
  }
  conn.calls.add(call);
  (stream as CallStream)[kCall] = call;
  ctx.active++;
  stream.on("close", onClose);
  stream.on("data", onData);
  if (deadline !== undefined) {
    const ms = deadline - Date.now();
    if (ms <= 0) {
      call.abort(Status.DEADLINE_EXCEEDED, "deadline exceeded");
      return;
    }
    // A deadline beyond the timer range is as good as none: no call lives for weeks.
    if (ms <= maxTimerMs) call.timer = setTimeout(onDeadline, ms, call);
  }
  if (route.kind === "stream") void runStream(call as StreamServerCall, route.handler);
}

/** Enforces the time limits and re-measures unread responses; runs on an unref'd interval. */
function sweep(ctx: ServerContext, sessions: ReadonlySet<ServerHttp2Session>): void {
  const now = performance.now();
  const limits = ctx.limits;
  for (const session of sessions) {
    const conn = (session as PeerSession)[kConn];
    if (conn === undefined) continue;
    if (conn.goawaySince >= 0) {
      if (now - conn.goawaySince > limits.goawayGraceMs) {
        limitHit(ctx, "goaway-grace", conn.peer);
        // Destroyed at an earlier sweep and still here: node never emitted its 'close' (seen once,
        // a peer opening streams after GOAWAY kept a shutting-down server waiting for ever). End
        // the TCP socket itself and forget the session, so a close() can finish.
        if (session.destroyed) {
          ctx.sockets.get(conn.peer)?.destroy();
          ctx.release(session);
        } else session.destroy();
      }
      continue;
    }
    if (!conn.settled) {
      if (now - conn.opened > limits.prefaceTimeoutMs) {
        limitHit(ctx, "preface-time", conn.peer);
        session.destroy();
      }
      continue;
    }
    // Told to go away by someone else (a shutdown): the grace clock starts now.
    if (session.closed) {
      conn.goawaySince = now;
      continue;
    }
    const cancelRate = (conn.cancels * 1000) / Math.max(now - conn.cancelsSince, 1);
    conn.cancels = 0;
    conn.cancelsSince = now;
    if (cancelRate > limits.maxCancelsPerSecond) {
      limitHit(ctx, "rapid-reset", conn.peer);
      conn.goawaySince = now;
      session.close();
      continue;
    }
    if (conn.calls.size === 0) {
      if (now - conn.lastActive > limits.idleTimeoutMs) {
        limitHit(ctx, "idle", conn.peer);
        conn.goawaySince = now;
        session.close();
      }
      continue;
    }
    for (const call of conn.calls) {
      if (call.receivingSince >= 0 && now - call.receivingSince > limits.messageTimeoutMs) {
        limitHit(ctx, "message-time", conn.peer);
        call.abort(
          Status.RESOURCE_EXHAUSTED,
          `limit message-time: request message not received within ${limits.messageTimeoutMs} ms`,
        );
      }
    }
    conn.measureResponses(ctx);
  }
}

export function createWireServer(options: WireServerOptions): WireServer {
  const limits: WireLimits = {
    ...defaultWireLimits,
    ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }),
    ...(options.maxConcurrentStreams === undefined ? {} : { maxConcurrentStreams: options.maxConcurrentStreams }),
    ...options.limits,
  };
  const ctx: ServerContext = {
    resolve: options.resolve,
    limits,
    maxMessageBytes: limits.maxMessageBytes,
    onCallEnd: options.onCallEnd,
    onInternalError: options.onInternalError,
    onLimit: options.onLimit,
    active: 0,
    requestBytes: 0,
    responseBytes: 0,
    sockets: new Map(),
    release: (session) => release(session),
  };
  const settings = { maxConcurrentStreams: limits.maxConcurrentStreams };
  const server: Http2Server | Http2SecureServer =
    options.tls === undefined
      ? createServer({ settings })
      : createSecureServer({
          settings,
          key: options.tls.key,
          cert: options.tls.cert,
          allowHTTP1: false,
          minVersion: "TLSv1.3",
          handshakeTimeout: limits.prefaceTimeoutMs,
        });
  const sessions = new Set<ServerHttp2Session>();
  const perPeer = new Map<string, number>();
  let listening = false;
  let closing: Promise<void> | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  const sweepEveryMs = Math.max(
    50,
    Math.min(1000, Math.min(limits.messageTimeoutMs, limits.prefaceTimeoutMs, limits.idleTimeoutMs) / 4),
  );

  function release(session: ServerHttp2Session): void {
    if (!sessions.delete(session)) return;
    const conn = (session as PeerSession)[kConn];
    if (conn === undefined) return;
    ctx.responseBytes -= conn.responseBytes;
    conn.responseBytes = 0;
    const left = (perPeer.get(conn.address) ?? 1) - 1;
    if (left === 0) perPeer.delete(conn.address);
    else perPeer.set(conn.address, left);
  }
  server.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => onStream(ctx, stream, headers));
  server.on("session", (session: ServerHttp2Session) => {
    const conn = connectionOf(session);
    const fromPeer = (perPeer.get(conn.address) ?? 0) + 1;
    const over: WireLimitName | undefined =
      fromPeer > limits.maxConnectionsPerPeer
        ? "connections-per-peer"
        : sessions.size >= limits.maxConnections
          ? "connections"
          : undefined;
    if (over !== undefined) {
      limitHit(ctx, over, conn.peer);
      session.destroy();
      return;
    }
    perPeer.set(conn.address, fromPeer);
    sessions.add(session);
    session.once("remoteSettings", () => {
      conn.settled = true;
    });
    session.once("close", () => release(session));
  });
  server.on("connection", (socket: Socket) => {
    const remote = socket.remoteAddress;
    if (remote === undefined) return;
    const key = `${remote.includes(":") ? `[${remote}]` : remote}:${socket.remotePort}`;
    ctx.sockets.set(key, socket);
    socket.once("close", () => {
      if (ctx.sockets.get(key) === socket) ctx.sockets.delete(key);
    });
  });
  // Session and socket failures are per connection; they must never become uncaught exceptions.
  server.on("sessionError", () => {});
  server.on("error", (error: Error) => {
    if (listening) report(error, ctx);
  });

  return {
    get activeCalls() {
      return ctx.active;
    },

    get usage() {
      return { connections: sessions.size, bufferedBytes: ctx.requestBytes + ctx.responseBytes };
    },

    listen(host, port) {
      return new Promise((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        server.once("error", onError);
        server.listen(port, host, () => {
          server.off("error", onError);
          listening = true;
          sweeper = setInterval(sweep, sweepEveryMs, ctx, sessions);
          sweeper.unref();
          const address = server.address() as AddressInfo;
          resolve({ host: address.address, port: address.port });
        });
      });
    },

    close(graceMs = 5000) {
      if (closing !== undefined) return closing;
      if (!listening) return Promise.resolve();
      closing = new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          for (const session of sessions) session.destroy();
          // A session that never closes keeps its socket, and server.close() waits on sockets.
          for (const socket of ctx.sockets.values()) socket.destroy();
        }, graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          if (sweeper !== undefined) clearInterval(sweeper);
          listening = false;
          resolve();
        });
        // GOAWAY: clients stop opening streams here; open ones run to completion.
        for (const session of sessions) session.close();
      });
      return closing;
    },
  };
}
