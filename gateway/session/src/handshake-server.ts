import { randomBytes } from "node:crypto";
import {
  type Crl,
  generateSm2EphemeralKey,
  type Sm2EphemeralKey,
  type Sm2PrivateKey,
  sm2Sign,
  sm2Verify,
} from "@hutong/certs";
import { utf8 } from "./canonical-encoding.js";
import { openCookie, sealCookie } from "./handshake-cookie.js";
import { importEphemeralPoint, serverFinishedMac } from "./handshake-primitives.js";
import { deriveMasterSecret, deriveSessionKeys } from "./key-schedule.js";
import { issuerNameHash, parsePeerChain, type TrustStore, validatePeerChain } from "./peer-certificate.js";
import { defaultLimits, labels, protocolVersion, sizes } from "./protocol-constants.js";
import { SessionError } from "./session-error.js";
import { sealTicket } from "./session-ticket.js";
import type { TicketKeyring } from "./ticket-keyring.js";
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

export interface HandshakeServerOptions {
  /** This gateway's party id: ClientHello.targetParty must equal it. */
  readonly partyId: string;
  readonly privateKey: Sm2PrivateKey;
  /** This gateway's chain, DER, leaf first. */
  readonly chain: readonly Uint8Array[];
  readonly trust: TrustStore;
  readonly keyring: TicketKeyring;
  readonly cookieLifetimeMs?: number;
  readonly ticketLifetimeMs?: number;
  /** Injected for tests and the worked example; default node:crypto. */
  readonly randomBytes?: (n: number) => Uint8Array;
  readonly generateEphemeral?: () => Sm2EphemeralKey;
}

/** Per-step context: the clock and the current CRL set, injected, never ambient. */
export interface HandshakeContext {
  readonly now: number;
  readonly crls: readonly Crl[];
}

export interface HandshakeServer {
  /** Step 2: validate the client, answer with a signed ServerHello and a cookie. Stateless. */
  hello(clientHello: ClientHello, context: HandshakeContext): ServerHello;
  /** Step 4: open the cookie, verify the client's signature, issue the ticket. Stateless. */
  finish(clientFinish: ClientFinish, context: Pick<HandshakeContext, "now">): ServerFinish;
}

function checkClientHello(m: ClientHello): void {
  if (m.version !== protocolVersion) throw new SessionError("unsupported-version", `protocol version ${m.version}`);
  if (m.clientRandom.length !== sizes.random) throw new SessionError("malformed", "clientRandom must be 32 bytes");
  if (utf8(m.targetParty).length > defaultLimits.maxPartyIdBytes) {
    throw new SessionError("malformed", "targetParty too long");
  }
}

export function createHandshakeServer(options: HandshakeServerOptions): HandshakeServer {
  const random = options.randomBytes ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const ephemeral = options.generateEphemeral ?? generateSm2EphemeralKey;
  const cookieLifetimeMs = options.cookieLifetimeMs ?? defaultLimits.cookieLifetimeMs;
  const ticketLifetimeMs = options.ticketLifetimeMs ?? defaultLimits.ticketLifetimeMs;
  if (options.chain.length === 0) throw new SessionError("invalid-config", "server chain is empty");

  return {
    hello(ch, { now, crls }) {
      checkClientHello(ch);
      const clientEphemeral = importEphemeralPoint(ch.clientEphemeral, "clientEphemeral");
      // Cheap refusals first: a hello for another party costs no signature work.
      if (ch.targetParty !== options.partyId) {
        throw new SessionError("wrong-party", `target party "${ch.targetParty}" is not this gateway`);
      }
      const chain = parsePeerChain(ch.clientChain);
      const path = validatePeerChain(chain, { trust: options.trust, crls, now, requiredEku: "clientAuth" });
      const eph = ephemeral();
      const unsigned = {
        serverRandom: random(sizes.random),
        serverEphemeral: eph.publicKey.point,
        serverChain: options.chain,
      };
      const h1 = transcriptH1(ch, unsigned);
      const serverSignature = sm2Sign(options.privateKey, signedString(labels.serverSignature, h1));
      const master = deriveMasterSecret(eph.agree(clientEphemeral), ch.clientRandom, unsigned.serverRandom, h1);
      const cookie = sealCookie(options.keyring, {
        h2: transcriptH2(h1, serverSignature),
        master,
        clientPublicKey: path.leaf.publicKey,
        clientParty: path.partyId,
        certSerial: path.leaf.serial,
        issuerNameHash: issuerNameHash(path.leaf),
        certNotAfter: path.leaf.notAfter.getTime(),
        expiresAt: now + cookieLifetimeMs,
      });
      return { ...unsigned, serverSignature, cookie };
    },

    finish(cf, { now }) {
      const state = openCookie(options.keyring, cf.cookie, now);
      if (!sm2Verify(state.clientPublicKey, signedString(labels.clientSignature, state.h2), cf.clientSignature)) {
        throw new SessionError("bad-signature", "client signature does not verify");
      }
      const keys = deriveSessionKeys(state.master);
      // A ticket never outlives the certificate it was issued on.
      const expiresAt = Math.min(now + ticketLifetimeMs, state.certNotAfter);
      const ticket = sealTicket(options.keyring, {
        sessionId: random(sizes.sessionId),
        clientParty: state.clientParty,
        certSerial: state.certSerial,
        issuerNameHash: state.issuerNameHash,
        c2s: keys.c2s,
        s2c: keys.s2c,
        issuedAt: now,
        expiresAt,
      });
      const h4 = transcriptH4(transcriptH3(state.h2, cf.clientSignature), { ticket, expiresAt });
      return { ticket, expiresAt, serverFinished: serverFinishedMac(keys.s2c, h4) };
    },
  };
}
