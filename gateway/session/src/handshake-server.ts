import { randomBytes } from "node:crypto";
import { type Crl, type Sm2EphemeralKey, type Sm2PrivateKey, sm2SignAsync, sm2VerifyAsync } from "@hutong/certs";
import { utf8 } from "./canonical-encoding.js";
import type { AdmissionSlot, HandshakeAdmission } from "./handshake-admission.js";
import { openCookie, sealCookie } from "./handshake-cookie.js";
import { importEphemeralPoint, serverFinishedMac, takeEphemeralKey } from "./handshake-primitives.js";
import { deriveMasterSecret, deriveSessionKeys } from "./key-schedule.js";
import {
  checkChainShape,
  issuerNameHash,
  parsePeerChain,
  type TrustStore,
  validatePeerChain,
} from "./peer-certificate.js";
import {
  defaultLimits,
  labels,
  type ProtectionMode,
  protectionModeOf,
  protectionModes,
  protocolVersion,
  sizes,
} from "./protocol-constants.js";
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

/** Who asks for a plaintext session: what a server's plaintext policy decides on. */
export interface PlaintextRequest {
  /** The client's party, from its validated certificate. */
  readonly party: string;
  /** The remote address the hello came from, as the transport saw it (undefined when unknown). */
  readonly address: string | undefined;
}

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
  /**
   * Whether this client may have a plaintext session; default: nobody. Only an explicit
   * configuration says yes (docs/session-protocol.md §6.3).
   */
  readonly acceptPlaintext?: (request: PlaintextRequest) => boolean;
  /** Bounds on handshake work (concurrency, per-address and per-party rates); default none. */
  readonly admission?: HandshakeAdmission;
  /** Injected for tests and the worked example; default node:crypto. */
  readonly randomBytes?: (n: number) => Uint8Array;
  readonly generateEphemeral?: () => Sm2EphemeralKey;
}

/** Per-step context: the clock and the current CRL set, injected, never ambient. */
export interface HandshakeContext {
  readonly now: number;
  readonly crls: readonly Crl[];
  /**
   * The remote address the message came from (the IP, or the key the caller rates peers by):
   * the per-address rate and the plaintext policy read it.
   */
  readonly address?: string;
  /**
   * The admission slot the caller took with `admit` before it even decoded the message (and
   * releases itself); without one, hello and finish take their own.
   */
  readonly slot?: AdmissionSlot;
}

export interface HandshakeServer {
  /**
   * An admission slot for one handshake message from `address`, or busy (the address over its
   * rate, or too many handshakes in progress): the cheapest refusal, before the message is even
   * decoded. Undefined when the server has no admission limits. The caller releases it.
   */
  admit(address: string | undefined, now: number): AdmissionSlot | undefined;
  /**
   * Step 2: validate the client, answer with a signed ServerHello and a cookie. Stateless. The
   * signature runs off the event loop where the SM2 backend can (the native addon's thread pool).
   */
  hello(clientHello: ClientHello, context: HandshakeContext): Promise<ServerHello>;
  /** Step 4: open the cookie, verify the client's signature (off the event loop), issue the ticket. Stateless. */
  finish(clientFinish: ClientFinish, context: Omit<HandshakeContext, "crls">): Promise<ServerFinish>;
}

/** The checks on a ClientHello that need no key, certificate or configuration, in the order of §3. */
function checkClientHello(m: ClientHello): ProtectionMode | undefined {
  // Protobuf cannot tell an absent field from its zero value: 0 is "absent", so malformed.
  if (m.version === 0) throw new SessionError("malformed", "ClientHello without a version");
  if (m.version !== protocolVersion) throw new SessionError("unsupported-version", `protocol version ${m.version}`);
  if (m.clientRandom.length !== sizes.random) throw new SessionError("malformed", "clientRandom must be 32 bytes");
  if (m.clientEphemeral.length !== sizes.ephemeralPoint) {
    throw new SessionError("malformed", "clientEphemeral must be a 65-byte point");
  }
  checkChainShape(m.clientChain);
  const target = utf8(m.targetParty).length;
  if (target === 0) throw new SessionError("malformed", "ClientHello without a targetParty");
  if (target > defaultLimits.maxPartyIdBytes) throw new SessionError("malformed", "targetParty too long");
  if (m.protection === 0) throw new SessionError("malformed", "ClientHello without a protection");
  return protectionModeOf(m.protection);
}

export function createHandshakeServer(options: HandshakeServerOptions): HandshakeServer {
  const random = options.randomBytes ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const ephemeral = options.generateEphemeral ?? takeEphemeralKey;
  const cookieLifetimeMs = options.cookieLifetimeMs ?? defaultLimits.cookieLifetimeMs;
  const ticketLifetimeMs = options.ticketLifetimeMs ?? defaultLimits.ticketLifetimeMs;
  const acceptPlaintext = options.acceptPlaintext ?? (() => false);
  if (options.chain.length === 0) throw new SessionError("invalid-config", "server chain is empty");

  /** Everything about a hello that decides whether to answer it, before any signature work (§3's order). */
  function validateHello(ch: ClientHello, { now, crls }: HandshakeContext) {
    const mode = checkClientHello(ch);
    const clientEphemeral = importEphemeralPoint(ch.clientEphemeral, "clientEphemeral");
    if (mode === undefined) throw new SessionError("protection-refused", `unknown protection ${ch.protection}`);
    // Cheap refusals first: a hello for another party costs no certificate or signature work.
    if (ch.targetParty !== options.partyId) {
      throw new SessionError("wrong-party", `target party "${ch.targetParty}" is not this gateway`);
    }
    const path = validatePeerChain(parsePeerChain(ch.clientChain), {
      trust: options.trust,
      crls,
      now,
      requiredEku: "clientAuth",
    });
    return { path, clientEphemeral, mode };
  }

  return {
    admit: (address, now) => options.admission?.enter(address, now),

    async hello(ch, context) {
      const { now, address } = context;
      const slot = context.slot ?? options.admission?.enter(address, now);
      try {
        const { path, clientEphemeral, mode } = validateHello(ch, context);
        slot?.checkParty(path.partyId, now);
        if (mode === "plaintext" && !acceptPlaintext({ party: path.partyId, address })) {
          throw new SessionError("protection-refused", `plaintext is not allowed for ${path.partyId}`);
        }
        const eph = ephemeral();
        const unsigned = {
          serverRandom: random(sizes.random),
          serverEphemeral: eph.publicKey.point,
          serverChain: options.chain,
          protection: protectionModes[mode],
        };
        const h1 = transcriptH1(ch, unsigned);
        // The signature and the ECDH are independent: both on the thread pool at once.
        const [serverSignature, ecdhX] = await Promise.all([
          sm2SignAsync(options.privateKey, signedString(labels.serverSignature, h1)),
          eph.agreeAsync(clientEphemeral),
        ]);
        const master = deriveMasterSecret(ecdhX, ch.clientRandom, unsigned.serverRandom, h1);
        const cookie = sealCookie(options.keyring, {
          h2: transcriptH2(h1, serverSignature),
          master,
          clientPublicKey: path.leaf.publicKey,
          clientParty: path.partyId,
          certSerial: path.leaf.serial,
          issuerNameHash: issuerNameHash(path.leaf),
          certNotAfter: path.leaf.notAfter.getTime(),
          expiresAt: now + cookieLifetimeMs,
          protection: mode,
        });
        return { ...unsigned, serverSignature, cookie };
      } finally {
        if (context.slot === undefined) slot?.release();
      }
    },

    async finish(cf, context) {
      const { now, address } = context;
      const slot = context.slot ?? options.admission?.enter(address, now);
      try {
        if (cf.cookie.length === 0) throw new SessionError("malformed", "ClientFinish without a cookie");
        if (cf.clientSignature.length === 0) throw new SessionError("malformed", "ClientFinish without a signature");
        const state = openCookie(options.keyring, cf.cookie, now);
        slot?.checkParty(state.clientParty, now);
        const signed = signedString(labels.clientSignature, state.h2);
        if (!(await sm2VerifyAsync(state.clientPublicKey, signed, cf.clientSignature))) {
          throw new SessionError("bad-signature", "client signature does not verify");
        }
        // Only now is the party proven: only it can spend its own handshake rate.
        slot?.chargeParty(state.clientParty, now);
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
          protection: state.protection,
          c2sEnc: keys.c2sEnc,
          s2cEnc: keys.s2cEnc,
        });
        const h4 = transcriptH4(transcriptH3(state.h2, cf.clientSignature), { ticket, expiresAt });
        return { ticket, expiresAt, serverFinished: serverFinishedMac(keys.s2c, h4) };
      } finally {
        if (context.slot === undefined) slot?.release();
      }
    },
  };
}
