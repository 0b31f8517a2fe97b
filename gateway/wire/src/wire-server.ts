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
import type { AddressInfo } from "node:net";
import type { CancelListener, CancelSignal } from "./cancel-signal.js";
import { encodeGrpcMessage } from "./grpc-message.js";
import { Status, type StatusCode } from "./grpc-status.js";
import { parseGrpcTimeout } from "./grpc-timeout.js";
import { frameMessage, MessageDecoder, type MessageSink } from "./message-framing.js";
import { type Metadata, readMetadata, writeMetadata } from "./metadata.js";
import { isWireError, WireError } from "./wire-error.js";

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

export type Route = { kind: "unary"; handler: UnaryHandler } | { kind: "stream"; handler: StreamHandler };

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
}

const defaultMaxMessageBytes = 4 * 1024 * 1024;
const defaultMaxConcurrentStreams = 1000;
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
const kPeer = Symbol("hutong.wire.peer");
type CallStream = ServerHttp2Stream & { [kCall]: ServerCall };
type PeerSession = ServerHttp2Session & { [kPeer]?: string };

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
  readonly maxMessageBytes: number;
  readonly onCallEnd: ((info: CallEndInfo) => void) | undefined;
  readonly onInternalError: ((error: unknown) => void) | undefined;
  active: number;
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
    peer: string,
  ) {
    this.ctx = ctx;
    this.stream = stream as CallStream;
    this.#headers = headers;
    this.path = path;
    this.deadline = deadline;
    this.peer = peer;
    this.started = performance.now();
    this.decoder = new MessageDecoder(ctx.maxMessageBytes, this);
  }

  abstract onMessage(message: Buffer): void;

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
    if (this.timer !== undefined) clearTimeout(this.timer);
    const stream = this.stream;
    if (stream.destroyed) return;
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
    // Request bytes may still be arriving (a reply before the request finished): read and drop them.
    if (!stream.readableEnded) stream.resume();
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
    const ctx = this.ctx;
    ctx.active--;
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
    peer: string,
    handler: UnaryHandler,
  ) {
    super(ctx, stream, headers, path, deadline, peer);
    this.handler = handler;
  }

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
    this.status = Status.OK;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const stream = this.stream;
    if (stream.destroyed) return;
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
    if (stream.destroyed) {
      this.abort(Status.CANCELLED, "cancelled by the client");
      throw this.endError;
    }
    if (stream.writableLength > outboxLimit) {
      this.abort(Status.RESOURCE_EXHAUSTED, "peer is not reading responses");
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

// node:http2 also ends the readable side of a stream the peer reset, so 'end' alone is no half-close.
function endedByReset(stream: CallStream): boolean {
  if (stream.rstCode === constants.NGHTTP2_NO_ERROR || stream.rstCode === undefined) return false;
  stream[kCall].abort(Status.CANCELLED, "cancelled by the client");
  return true;
}

function onUnaryEnd(this: CallStream): void {
  const call = this[kCall] as UnaryServerCall;
  if (call.status !== -1 || endedByReset(this)) return;
  if (call.decoder.pending) call.end(Status.INTERNAL, "request stream ended inside a message", undefined);
  else if (!call.received) call.end(Status.UNIMPLEMENTED, "no request message for a unary method", undefined);
  else void runUnary(call);
}

function onStreamEnd(this: CallStream): void {
  const call = this[kCall] as StreamServerCall;
  if (call.status !== -1 || endedByReset(this)) return;
  if (call.decoder.pending) call.abort(Status.INTERNAL, "request stream ended inside a message");
  else call.endOfInput();
}

function onClose(this: CallStream): void {
  this[kCall].closed();
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

/** Answers before a call exists: trailers-only status, or a bare HTTP status for non-gRPC requests. */
function refuse(stream: ServerHttp2Stream, headers: OutgoingHttpHeaders): void {
  try {
    stream.respond(headers, endNow);
  } catch {
    stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  }
  if (!stream.readableEnded) stream.resume();
}

/** Called once per connection, while its socket is surely attached. */
function notePeer(session: ServerHttp2Session): void {
  let peer = "unknown";
  try {
    const address = session.socket.remoteAddress;
    if (address !== undefined)
      peer = `${address.includes(":") ? `[${address}]` : address}:${session.socket.remotePort}`;
  } catch {
    // Socket already gone: the session is dying anyway.
  }
  (session as PeerSession)[kPeer] = peer;
}

function refuseCall(
  ctx: ServerContext,
  stream: ServerHttp2Stream,
  path: string,
  peer: string,
  code: StatusCode,
  message: string,
  extra?: OutgoingHttpHeaders,
): void {
  const out = statusHeaders(code, message, undefined, true);
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
  const peer = (stream.session as PeerSession | undefined)?.[kPeer] ?? "unknown";
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

  let call: ServerCall;
  if (route.kind === "unary") {
    call = new UnaryServerCall(ctx, stream, headers, path, deadline, peer, route.handler);
    stream.on("end", onUnaryEnd);
  } else {
    call = new StreamServerCall(ctx, stream, headers, path, deadline, peer);
    stream.on("end", onStreamEnd);
  }
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

export function createWireServer(options: WireServerOptions): WireServer {
  const ctx: ServerContext = {
    resolve: options.resolve,
    maxMessageBytes: options.maxMessageBytes ?? defaultMaxMessageBytes,
    onCallEnd: options.onCallEnd,
    onInternalError: options.onInternalError,
    active: 0,
  };
  const settings = { maxConcurrentStreams: options.maxConcurrentStreams ?? defaultMaxConcurrentStreams };
  const server: Http2Server | Http2SecureServer =
    options.tls === undefined
      ? createServer({ settings })
      : createSecureServer({
          settings,
          key: options.tls.key,
          cert: options.tls.cert,
          allowHTTP1: false,
          minVersion: "TLSv1.3",
        });
  const sessions = new Set<ServerHttp2Session>();
  let listening = false;
  let closing: Promise<void> | undefined;

  server.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => onStream(ctx, stream, headers));
  server.on("session", (session: ServerHttp2Session) => {
    notePeer(session);
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
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

    listen(host, port) {
      return new Promise((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        server.once("error", onError);
        server.listen(port, host, () => {
          server.off("error", onError);
          listening = true;
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
        }, graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
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
