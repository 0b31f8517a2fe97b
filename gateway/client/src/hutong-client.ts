import type { ChannelCredentials } from "@grpc/grpc-js";
import type { Crl, Sm2PrivateKey } from "@hutong/certs";
import type { ProtectionMode, TrustStore } from "@hutong/session";
import type { Metadata } from "@hutong/wire";
import { createGrpcJsTransport } from "./grpc-js-transport.js";
import { createSessionClient, type SessionClient } from "./session-client.js";
import type { TransportCallOptions } from "./unary-transport.js";

/** The shape ts-proto generates for each method of a service (`TicketServiceService.getTicket`, ...). */
export interface UnaryMethod<Req, Res> {
  readonly path: string;
  readonly requestStream: false;
  readonly responseStream: false;
  requestSerialize(value: Req): Buffer;
  responseDeserialize(value: Buffer): Res;
}

export interface HutongClientOptions {
  /** The hutong gateway, "host:port". */
  readonly address: string;
  /** The gateway's party id, which its certificate must carry (e.g. "prov:510000"). */
  readonly gatewayParty: string;
  readonly privateKey: Sm2PrivateKey;
  /** This system's certificate chain, DER, leaf first. */
  readonly chain: readonly Uint8Array[];
  readonly trust: TrustStore;
  /** Current CRLs (e.g. `createCrlFileSource(...).current`). */
  readonly crls: () => readonly Crl[];
  /** Default insecure h2c (loopback, or a TLS-terminating proxy in front of the gateway). */
  readonly credentials?: ChannelCredentials;
  /**
   * Default `sm4`: every request and response encrypted under the session's keys, whatever the
   * transport. `plaintext` only where the gateway's config allows this system.
   */
  readonly protection?: ProtectionMode;
}

export interface UnaryOptions extends TransportCallOptions {
  readonly metadata?: Metadata;
}

export interface HutongClient {
  /** Calls any unary method of the contract; rejects with WireError (code, message, trailers). */
  unary<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, options?: UnaryOptions): Promise<Res>;
  /** Exact bytes in and out, for tools (`hutong call`) and byte-exact tests. */
  readonly session: SessionClient;
  close(): void;
}

/**
 * The SDK a provincial system or partner imports: every call of the hutong.v1
 * contract, with the SM2 handshake, SM4 encryption of every message, per-call
 * MACs, response authentication and re-handshake done for it.
 *
 *   const client = createHutongClient({ address, gatewayParty: "prov:510000", privateKey, chain, trust, crls });
 *   const res = await client.unary(TicketServiceService.verifyTicket, { context, ticketNo, ... });
 */
export function createHutongClient(options: HutongClientOptions): HutongClient {
  const transport = createGrpcJsTransport(
    options.address,
    options.credentials === undefined ? {} : { credentials: options.credentials },
  );
  const session = createSessionClient({
    transport,
    serverParty: options.gatewayParty,
    privateKey: options.privateKey,
    chain: options.chain,
    trust: options.trust,
    crls: options.crls,
    ...(options.protection === undefined ? {} : { protection: options.protection }),
  });
  return {
    session,
    async unary(method, request, callOptions = {}) {
      const reply = await session.call(method.path, method.requestSerialize(request), callOptions);
      return method.responseDeserialize(reply.body);
    },
    close: () => session.close(),
  };
}
