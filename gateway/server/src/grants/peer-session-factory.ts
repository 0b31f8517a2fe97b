import type { Certificate, Crl, Sm2PrivateKey } from "@hutong/certs";
import { createSessionClient, createWireTransport, type SessionClient } from "@hutong/client";
import { createWireChannel } from "@hutong/wire";
import { type PeerTlsConfig, peerChannelTls } from "../peer-tls.js";

/** A peer gateway this one calls for itself (revocations are passed on to peers). */
export interface RevocationPeer {
  readonly party: string;
  /** "host:port" of its gRPC listener. */
  readonly address: string;
  /** TLS 1.3 under the session, as the route to it says. */
  readonly tls?: PeerTlsConfig;
  /** Ask it for a plaintext session, as the route to it says; default SM4. */
  readonly plaintext?: boolean;
}

/** Opens this gateway's own session to a peer gateway (one per peer, kept for later calls). */
export type PeerSessionFactory = (peer: RevocationPeer) => SessionClient;

export interface PeerSessionFactoryOptions {
  /** This gateway's identity (its Credentials fit). */
  readonly self: {
    readonly privateKey: Sm2PrivateKey;
    readonly chain: readonly Uint8Array[];
    readonly trust: { readonly trustAnchors: readonly Certificate[]; readonly intermediates?: readonly Certificate[] };
  };
  readonly crls: () => readonly Crl[];
  readonly maxMessageBytes?: number;
  readonly now?: () => number;
}

/**
 * Sessions as the forwarder's peer links make them: the gateway's own node:http2 channel (TLS where
 * the route says) and its own SM2 session (SM4-encrypted unless the route says plaintext), the peer
 * proving it is `peer.party`. No relay route: the gateway calls for itself.
 */
export function createPeerSessionFactory(options: PeerSessionFactoryOptions): PeerSessionFactory {
  return (peer) =>
    createSessionClient({
      transport: createWireTransport(
        createWireChannel(peer.address, {
          ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }),
          ...peerChannelTls(peer.tls),
        }),
      ),
      serverParty: peer.party,
      privateKey: options.self.privateKey,
      chain: options.self.chain,
      trust: options.self.trust,
      crls: options.crls,
      protection: peer.plaintext === true ? "plaintext" : "sm4",
      ...(options.now === undefined ? {} : { now: options.now }),
    });
}
