import { randomBytes } from "node:crypto";
import {
  constantTimeEqual,
  type Sm2EphemeralKey,
  type Sm2PrivateKey,
  sm2SignAsync,
  sm2VerifyAsync,
} from "@hutong/certs";
import { importEphemeralPoint, serverFinishedMac, takeEphemeralKey } from "./handshake-primitives.js";
import type { HandshakeContext } from "./handshake-server.js";
import { deriveMasterSecret, deriveSessionKeys, type SessionKeys } from "./key-schedule.js";
import { parsePeerChain, type TrustStore, validatePeerChain } from "./peer-certificate.js";
import { labels, type ProtectionMode, protectionModes, protocolVersion, sizes } from "./protocol-constants.js";
import { SessionError } from "./session-error.js";
import {
  type ClientFinish,
  type ClientHello,
  type ServerFinish,
  type ServerHello,
  signedString,
  transcriptH1,
  transcriptH2,
  transcriptH3,
  transcriptH4,
} from "./transcript.js";

export interface HandshakeClientOptions {
  readonly privateKey: Sm2PrivateKey;
  /** This client's chain, DER, leaf first. */
  readonly chain: readonly Uint8Array[];
  readonly trust: TrustStore;
  /**
   * How this client's calls travel; default `sm4` (encrypted). `plaintext` only where the server's
   * config allows it for this client (docs/session-protocol.md §6.3).
   */
  readonly protection?: ProtectionMode;
  readonly randomBytes?: (n: number) => Uint8Array;
  readonly generateEphemeral?: () => Sm2EphemeralKey;
}

/** What a completed handshake leaves the client: enough to build a client session. */
export interface EstablishedSession {
  readonly serverParty: string;
  readonly ticket: Uint8Array;
  readonly expiresAt: number;
  readonly keys: SessionKeys;
  readonly protection: ProtectionMode;
}

export interface AwaitingServerFinish {
  readonly clientFinish: ClientFinish;
  /**
   * Step 5: checks server-finished over the transcript, the ticket and expiresAt; bad-mac unless the
   * server really completed this handshake and issued exactly this ticket and expiry.
   */
  complete(serverFinish: ServerFinish): EstablishedSession;
}

export interface ClientHandshake {
  readonly clientHello: ClientHello;
  /**
   * Step 3: validates the server (protection, chain, party, signature) and signs the transcript; the
   * signature work runs off the event loop where the SM2 backend can.
   */
  receive(serverHello: ServerHello, context: HandshakeContext): Promise<AwaitingServerFinish>;
}

export interface HandshakeClient {
  /** Step 1: a fresh ClientHello for `targetParty`; one handshake per call. */
  start(targetParty: string): ClientHandshake;
}

export function createHandshakeClient(options: HandshakeClientOptions): HandshakeClient {
  const random = options.randomBytes ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const ephemeral = options.generateEphemeral ?? takeEphemeralKey;
  const protection = options.protection ?? "sm4";
  return {
    start(targetParty) {
      const eph = ephemeral();
      const clientHello: ClientHello = {
        version: protocolVersion,
        clientRandom: random(sizes.random),
        clientEphemeral: eph.publicKey.point,
        clientChain: options.chain,
        targetParty,
        protection: protectionModes[protection],
      };
      return {
        clientHello,
        async receive(sh, { now, crls }) {
          if (sh.serverRandom.length !== sizes.random)
            throw new SessionError("malformed", "serverRandom must be 32 bytes");
          // The server agrees to what was asked or refuses; anything else is a party in the middle
          // rewriting the hellos (the signature would fail too), and nothing more is sent.
          if (sh.protection !== clientHello.protection) {
            throw new SessionError(
              "protection-refused",
              `asked for ${protection}, the server hello says ${sh.protection}`,
            );
          }
          const serverEphemeral = importEphemeralPoint(sh.serverEphemeral, "serverEphemeral");
          const path = validatePeerChain(parsePeerChain(sh.serverChain), {
            trust: options.trust,
            crls,
            now,
            requiredEku: "serverAuth",
            // A valid certificate of another party is still the wrong server.
            expectedPartyId: targetParty,
          });
          const h1 = transcriptH1(clientHello, sh);
          const signed = signedString(labels.serverSignature, h1);
          if (!(await sm2VerifyAsync(path.leaf.publicKey, signed, sh.serverSignature))) {
            throw new SessionError("bad-signature", "server signature does not verify");
          }
          const h2 = transcriptH2(h1, sh.serverSignature);
          // The ECDH and the client's signature are independent: both on the thread pool at once.
          const [ecdhX, clientSignature] = await Promise.all([
            eph.agreeAsync(serverEphemeral),
            sm2SignAsync(options.privateKey, signedString(labels.clientSignature, h2)),
          ]);
          const master = deriveMasterSecret(ecdhX, clientHello.clientRandom, sh.serverRandom, h1);
          const keys = deriveSessionKeys(master);
          const h3 = transcriptH3(h2, clientSignature);
          return {
            clientFinish: { cookie: sh.cookie, clientSignature },
            complete(sf) {
              // The MAC covers the ticket and expiresAt as received: a swapped one fails here, before use.
              if (!constantTimeEqual(serverFinishedMac(keys.s2c, transcriptH4(h3, sf)), sf.serverFinished)) {
                throw new SessionError("bad-mac", "server-finished does not verify over this ticket and expiry");
              }
              return { serverParty: path.partyId, ticket: sf.ticket, expiresAt: sf.expiresAt, keys, protection };
            },
          };
        },
      };
    },
  };
}
