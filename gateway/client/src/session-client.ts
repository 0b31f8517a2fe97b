import type { Crl, Sm2PrivateKey } from "@hutong/certs";
import {
  type ClientSession,
  createClientSession,
  createHandshakeClient,
  errorCodeTrailer,
  finishRequest,
  finishResponse,
  helloRequest,
  helloResponse,
  isSessionError,
  metadataKeys,
  type ProtectionMode,
  type RelayRoute,
  type SessionErrorCode,
  sessionErrorStatus,
  sessionPaths,
  type TrustStore,
} from "@hutong/session";
import type { Metadata } from "@hutong/wire";
import { isWireError, Status, WireError } from "@hutong/wire";
import type { TransportCallOptions, TransportReply, UnaryTransport } from "./unary-transport.js";

export interface SessionClientOptions {
  readonly transport: UnaryTransport;
  /** The party the server must prove it is (its certificate's party id). */
  readonly serverParty: string;
  readonly privateKey: Sm2PrivateKey;
  /** This caller's chain, DER, leaf first. */
  readonly chain: readonly Uint8Array[];
  readonly trust: TrustStore;
  /** The current CRLs for the server's chain; revocation is required, as on the server. */
  readonly crls: () => readonly Crl[];
  /**
   * How the calls' messages travel: `sm4` (the default) encrypts every request and response under
   * the session's keys; `plaintext` only MACs them, and a server accepts it only where its config
   * explicitly allows this client (docs/session-protocol.md §6.3).
   */
  readonly protection?: ProtectionMode;
  readonly now?: () => number;
  /** Handshake deadline, ms. Default 10 s. */
  readonly handshakeTimeoutMs?: number;
}

export interface SessionCallOptions extends TransportCallOptions {
  /** Extra metadata (trace context, routing facts); never the hutong-* session keys. */
  readonly metadata?: Metadata;
  /** Set by a relaying gateway only. */
  readonly route?: RelayRoute;
}

export interface SessionStreamReply {
  /** Response messages delivered to onMessage. */
  readonly messages: number;
  readonly trailers: Metadata;
}

export interface SessionClient {
  /**
   * Calls `path` with this request message (in clear: the session encrypts it); resolves with the
   * response message in clear, once its MAC verified, and the trailers.
   */
  call(path: string, body: Buffer, options?: SessionCallOptions): Promise<TransportReply>;
  /**
   * A server-streaming call (the transport must have `serverStream`). Each response message goes to
   * `onMessage` in clear, in order, and is provisional: the whole stream is authenticated only when
   * this resolves; if it rejects, every message delivered must be discarded.
   */
  stream(
    path: string,
    body: Buffer,
    onMessage: (message: Buffer) => void | Promise<void>,
    options?: SessionCallOptions,
  ): Promise<SessionStreamReply>;
  /** Runs the handshake now if there is no usable session (otherwise a no-op). */
  connect(options?: TransportCallOptions): Promise<void>;
  /** Forgets the session: the next call handshakes again. */
  reset(): void;
  close(): void;
}

/** Session errors after which a fresh handshake can succeed; the server sends the code in `hutong-error`. */
const rehandshakeCodes: ReadonlySet<string> = new Set<SessionErrorCode>(["no-session", "bad-ticket", "ticket-expired"]);

/** How often a handshake message refused as `busy` is tried again, within its deadline. */
const busyRetries = 5;
const busyBackoffMs = 100;

function asWireError(e: unknown): unknown {
  if (isSessionError(e)) {
    return new WireError(Status[sessionErrorStatus[e.code]], `${e.code}: ${e.message}`, {
      cause: e,
      trailers: { [errorCodeTrailer]: e.code },
    });
  }
  return e;
}

const asBuffer = (b: Uint8Array): Buffer =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);

function refusedWith(e: unknown, code: SessionErrorCode): boolean {
  return isWireError(e) && e.trailers[errorCodeTrailer] === code;
}

/**
 * The caller's side of the session protocol over any unary transport: one
 * handshake shared by concurrent calls (single flight), a fresh nonce and MAC
 * per call, requests encrypted and responses checked, then decrypted, before
 * the caller sees a byte, and a transparent re-handshake when the ticket nears
 * expiry or the server says the session is gone. Failures reject with WireError.
 */
export function createSessionClient(options: SessionClientOptions): SessionClient {
  const now = options.now ?? Date.now;
  const handshakes = createHandshakeClient({
    privateKey: options.privateKey,
    chain: options.chain,
    trust: options.trust,
    ...(options.protection === undefined ? {} : { protection: options.protection }),
  });
  let session: ClientSession | undefined;
  let pending: Promise<ClientSession> | undefined;

  /**
   * One handshake message, sent again after a short random pause (equal jitter, doubling) while the
   * server says `busy` and the deadline allows. Equal, not full, jitter: full jitter's pauses can all
   * be near zero, so five tries could land within one refill of the server's admission bucket and
   * the client give up a moment before it would have been admitted; half of each pause is fixed,
   * so the tries cover at least 1.55 s. UNAVAILABLE invites a retry, and a busy refusal
   * comes before the server did any work. A refused Finish is retried with the same cookie (it
   * stays valid 30 s), so a handshake never starts over for it.
   */
  async function send(path: string, body: Buffer, deadline: number): Promise<TransportReply> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await options.transport.unary(path, body, {}, { deadline });
      } catch (e) {
        const delay = (0.5 + 0.5 * Math.random()) * busyBackoffMs * 2 ** attempt;
        if (!refusedWith(e, "busy") || attempt >= busyRetries || Date.now() + delay >= deadline) throw e;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  async function handshake(callOptions: TransportCallOptions): Promise<ClientSession> {
    // Transport deadlines are on the local wall clock, whatever clock the protocol is given.
    const deadline = callOptions.deadline ?? Date.now() + (options.handshakeTimeoutMs ?? 10_000);
    const hs = handshakes.start(options.serverParty);
    const sh = await send(sessionPaths.hello, helloRequest.encode(hs.clientHello), deadline);
    const awaiting = await hs.receive(helloResponse.decode(sh.body), { now: now(), crls: options.crls() });
    const sf = await send(sessionPaths.finish, finishRequest.encode(awaiting.clientFinish), deadline);
    return createClientSession(awaiting.complete(finishResponse.decode(sf.body)));
  }

  function ensure(callOptions: TransportCallOptions): Promise<ClientSession> {
    if (session !== undefined && !session.needsRehandshake(now())) return Promise.resolve(session);
    if (pending === undefined) {
      pending = handshake(callOptions).then(
        (s) => {
          session = s;
          pending = undefined;
          return s;
        },
        (e: unknown) => {
          pending = undefined;
          throw asWireError(e);
        },
      );
    }
    return pending;
  }

  async function once(s: ClientSession, path: string, body: Buffer, o: SessionCallOptions): Promise<TransportReply> {
    const signed = s.signRequest(path, body, now(), o.route);
    const metadata = o.metadata === undefined ? signed.metadata : { ...o.metadata, ...signed.metadata };
    const reply = await options.transport.unary(path, asBuffer(signed.body), metadata, o);
    try {
      const message = s.openResponse(path, signed.nonce, reply.body, reply.trailers[metadataKeys.mac]);
      return { body: asBuffer(message), trailers: reply.trailers };
    } catch (e) {
      throw asWireError(e);
    }
  }

  async function onceStream(
    s: ClientSession,
    path: string,
    body: Buffer,
    onMessage: (message: Buffer) => void | Promise<void>,
    o: SessionCallOptions,
    delivered: { count: number },
  ): Promise<SessionStreamReply> {
    const serverStream = options.transport.serverStream;
    if (serverStream === undefined) throw new WireError(Status.UNIMPLEMENTED, "this transport has no server streams");
    const signed = s.signRequest(path, body, now(), o.route);
    const metadata = o.metadata === undefined ? signed.metadata : { ...o.metadata, ...signed.metadata };
    const responses = s.responseStream(path, signed.nonce);
    const { trailers } = await serverStream.call(
      options.transport,
      path,
      asBuffer(signed.body),
      metadata,
      (wire) => {
        delivered.count++;
        return onMessage(asBuffer(responses.next(wire)));
      },
      o,
    );
    try {
      responses.verify(trailers[metadataKeys.mac]);
    } catch (e) {
      throw asWireError(e);
    }
    return { messages: delivered.count, trailers };
  }

  /** Runs `attempt` on the session; once more on a fresh one if the server no longer accepts the ticket. */
  async function withSession<T>(
    callOptions: TransportCallOptions,
    attempt: (s: ClientSession) => Promise<T>,
    mayRetry: () => boolean,
  ): Promise<T> {
    const s = await ensure(callOptions);
    try {
      return await attempt(s);
    } catch (e) {
      const code = isWireError(e) ? e.trailers[errorCodeTrailer] : undefined;
      if (
        !isWireError(e) ||
        e.code !== Status.UNAUTHENTICATED ||
        code === undefined ||
        !rehandshakeCodes.has(code) ||
        !mayRetry()
      ) {
        throw e;
      }
      // The server no longer accepts this ticket (expired, or its ticket key rotated twice): the
      // request was refused before any processing, so one retry on a fresh session is safe.
      if (session === s) session = undefined;
      return attempt(await ensure(callOptions));
    }
  }

  return {
    call(path, body, callOptions = {}) {
      return withSession(
        callOptions,
        (s) => once(s, path, body, callOptions),
        () => true,
      );
    },
    stream(path, body, onMessage, callOptions = {}) {
      const delivered = { count: 0 };
      // A refusal comes before any message; a stream that delivered messages is never started again.
      return withSession(
        callOptions,
        (s) => onceStream(s, path, body, onMessage, callOptions, delivered),
        () => delivered.count === 0,
      );
    },
    async connect(callOptions = {}) {
      await ensure(callOptions);
    },
    reset() {
      session = undefined;
    },
    close() {
      options.transport.close();
    },
  };
}
