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

export interface SessionClient {
  /** Calls `path` with these exact request bytes; resolves only with a response whose MAC verified. */
  call(path: string, body: Buffer, options?: SessionCallOptions): Promise<TransportReply>;
  /** Runs the handshake now if there is no usable session (otherwise a no-op). */
  connect(options?: TransportCallOptions): Promise<void>;
  /** Forgets the session: the next call handshakes again. */
  reset(): void;
  close(): void;
}

/** Session errors after which a fresh handshake can succeed; the server sends the code in `hutong-error`. */
const rehandshakeCodes: ReadonlySet<string> = new Set<SessionErrorCode>(["no-session", "bad-ticket", "ticket-expired"]);

function asWireError(e: unknown): unknown {
  if (isSessionError(e)) {
    return new WireError(Status[sessionErrorStatus[e.code]], `${e.code}: ${e.message}`, {
      cause: e,
      trailers: { [errorCodeTrailer]: e.code },
    });
  }
  return e;
}

/**
 * The caller's side of the session protocol over any unary transport: one
 * handshake shared by concurrent calls (single flight), a fresh nonce and MAC
 * per call, the response MAC checked before the caller sees a byte, and a
 * transparent re-handshake when the ticket nears expiry or the server says the
 * session is gone. Failures reject with WireError.
 */
export function createSessionClient(options: SessionClientOptions): SessionClient {
  const now = options.now ?? Date.now;
  const handshakes = createHandshakeClient({
    privateKey: options.privateKey,
    chain: options.chain,
    trust: options.trust,
  });
  let session: ClientSession | undefined;
  let pending: Promise<ClientSession> | undefined;

  async function handshake(callOptions: TransportCallOptions): Promise<ClientSession> {
    // Transport deadlines are on the local wall clock, whatever clock the protocol is given.
    const opts = { deadline: callOptions.deadline ?? Date.now() + (options.handshakeTimeoutMs ?? 10_000) };
    const hs = handshakes.start(options.serverParty);
    const sh = await options.transport.unary(sessionPaths.hello, helloRequest.encode(hs.clientHello), {}, opts);
    const awaiting = hs.receive(helloResponse.decode(sh.body), { now: now(), crls: options.crls() });
    const sf = await options.transport.unary(
      sessionPaths.finish,
      finishRequest.encode(awaiting.clientFinish),
      {},
      opts,
    );
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
    const reply = await options.transport.unary(path, body, metadata, o);
    try {
      s.verifyResponse(path, signed.nonce, reply.body, reply.trailers[metadataKeys.mac]);
    } catch (e) {
      throw asWireError(e);
    }
    return reply;
  }

  return {
    async call(path, body, callOptions = {}) {
      const s = await ensure(callOptions);
      try {
        return await once(s, path, body, callOptions);
      } catch (e) {
        const code = isWireError(e) ? e.trailers[errorCodeTrailer] : undefined;
        if (!isWireError(e) || e.code !== Status.UNAUTHENTICATED || code === undefined || !rehandshakeCodes.has(code)) {
          throw e;
        }
        // The server no longer accepts this ticket (expired, or its ticket key rotated twice): the
        // request was refused before any processing, so one retry on a fresh session is safe.
        if (session === s) session = undefined;
        return once(await ensure(callOptions), path, body, callOptions);
      }
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
