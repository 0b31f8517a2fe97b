import {
  createSm2PrivateKey,
  parseCertificate,
  sm2Digest,
  sm2Ecdh,
  sm2Za,
  sm3,
  validateCertificatePath,
} from "@hutong/certs";
import { requestMac, responseMac } from "./call-mac.js";
import { concatBytes, encodeMessage, u64be, utf8 } from "./canonical-encoding.js";
import { serverFinishedMac } from "./handshake-primitives.js";
import { deriveMasterSecret, deriveSessionKeys } from "./key-schedule.js";
import { issuerNameHash } from "./peer-certificate.js";
import { labels, protocolVersion } from "./protocol-constants.js";
import { encodeTicketPlaintext } from "./session-ticket.js";
import {
  encodeClientHello,
  encodeServerFinishBound,
  encodeServerHelloSigned,
  signedString,
  transcriptH1,
  transcriptH2,
  transcriptH3,
  transcriptH4,
  transcriptMessageTypes,
} from "./transcript.js";

/**
 * The worked example of docs/session-protocol.md as code: every deterministic
 * value recomputed from the fixed inputs. The test compares it with
 * gateway/session/testdata/worked-example.json and with the hex in the doc.
 */
export interface WorkedExampleInputs {
  readonly targetParty: string;
  readonly clientRandom: string;
  readonly serverRandom: string;
  readonly clientEphemeralPrivate: string;
  readonly serverEphemeralPrivate: string;
  readonly clientLongTermPrivate: string;
  readonly serverLongTermPrivate: string;
  readonly rootCertificate: string;
  readonly clientCertificate: string;
  readonly serverCertificate: string;
  /** Randomized: produced once by the generator, verified (not recomputed) by the test. */
  readonly serverSignature: string;
  readonly clientSignature: string;
  /** The server's ticket key (id and 32 secret bytes) and the session id it drew. */
  readonly ticketKeyId: number;
  readonly ticketKey: string;
  readonly sessionId: string;
  /** When the server ran Finish, and the expiry it gave the ticket (ms since the epoch). */
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** Randomized (the sealing IV): produced once, verified by opening it under the ticket key. */
  readonly ticket: string;
  readonly method: string;
  readonly timestamp: number;
  readonly nonce: string;
  readonly requestBytes: string;
  readonly responseBytes: string;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (h: string) => new Uint8Array(Buffer.from(h, "hex"));

export function computeWorkedExample(i: WorkedExampleInputs): Record<string, string> {
  const clientEph = createSm2PrivateKey(bytes(i.clientEphemeralPrivate));
  const serverEph = createSm2PrivateKey(bytes(i.serverEphemeralPrivate));
  const clientCert = parseCertificate(bytes(i.clientCertificate));
  const serverCert = parseCertificate(bytes(i.serverCertificate));
  // The party the server puts in the ticket is the one path validation returns for the client's chain.
  const clientParty = validateCertificatePath(clientCert, {
    trustAnchors: [parseCertificate(bytes(i.rootCertificate))],
    time: new Date(i.issuedAt),
    revocation: "off",
    requiredEku: "clientAuth",
  }).partyId;
  const clientHello = {
    version: protocolVersion,
    clientRandom: bytes(i.clientRandom),
    clientEphemeral: clientEph.publicKey.point,
    clientChain: [clientCert.der],
    targetParty: i.targetParty,
  };
  const serverHello = {
    serverRandom: bytes(i.serverRandom),
    serverEphemeral: serverEph.publicKey.point,
    serverChain: [serverCert.der],
  };
  const serverSignature = bytes(i.serverSignature);
  const clientSignature = bytes(i.clientSignature);
  const h1 = transcriptH1(clientHello, serverHello);
  const h2 = transcriptH2(h1, serverSignature);
  const h3 = transcriptH3(h2, clientSignature);
  const serverSignedString = signedString(labels.serverSignature, h1);
  const clientSignedString = signedString(labels.clientSignature, h2);
  const ecdhX = sm2Ecdh(clientEph, serverEph.publicKey);
  const master = deriveMasterSecret(ecdhX, clientHello.clientRandom, serverHello.serverRandom, h1);
  const keys = deriveSessionKeys(master);
  const serverFinish = { ticket: bytes(i.ticket), expiresAt: i.expiresAt };
  const h4 = transcriptH4(h3, serverFinish);
  const nonce = bytes(i.nonce);
  const methodInput = concatBytes([utf8(i.method), Uint8Array.of(0)]);
  return {
    clientEphemeralPublic: hex(clientEph.publicKey.point),
    serverEphemeralPublic: hex(serverEph.publicKey.point),
    clientHelloEncoding: hex(encodeClientHello(clientHello)),
    serverHelloSignedEncoding: hex(encodeServerHelloSigned(serverHello)),
    h1: hex(h1),
    serverSignedString: hex(serverSignedString),
    serverZa: hex(sm2Za(serverCert.publicKey)),
    serverSignedDigest: hex(sm2Digest(serverCert.publicKey, serverSignedString)),
    serverSignatureMessage: hex(encodeMessage(transcriptMessageTypes.serverSignature, [serverSignature])),
    h2: hex(h2),
    clientSignedString: hex(clientSignedString),
    clientZa: hex(sm2Za(clientCert.publicKey)),
    clientSignedDigest: hex(sm2Digest(clientCert.publicKey, clientSignedString)),
    clientSignatureMessage: hex(encodeMessage(transcriptMessageTypes.clientSignature, [clientSignature])),
    h3: hex(h3),
    ecdhX: hex(ecdhX),
    hkdfSalt: hex(concatBytes([clientHello.clientRandom, serverHello.serverRandom])),
    masterInfo: hex(concatBytes([utf8(labels.master), h1])),
    master: hex(master),
    c2s: hex(keys.c2s),
    s2c: hex(keys.s2c),
    ticketPlaintext: hex(
      encodeTicketPlaintext({
        sessionId: bytes(i.sessionId),
        clientParty,
        certSerial: clientCert.serial,
        issuerNameHash: issuerNameHash(clientCert),
        c2s: keys.c2s,
        s2c: keys.s2c,
        issuedAt: i.issuedAt,
        expiresAt: i.expiresAt,
      }),
    ),
    expiresAtEncoding: hex(u64be(i.expiresAt)),
    serverFinishMessage: hex(encodeServerFinishBound(serverFinish)),
    h4: hex(h4),
    serverFinishedInput: hex(concatBytes([utf8(labels.serverFinished), h4])),
    serverFinished: hex(serverFinishedMac(keys.s2c, h4)),
    timestampEncoding: hex(u64be(i.timestamp)),
    requestMacInput: hex(
      concatBytes([utf8(labels.request), methodInput, u64be(i.timestamp), nonce, sm3(bytes(i.requestBytes))]),
    ),
    requestMac: hex(requestMac(keys.c2s, i.method, i.timestamp, nonce, bytes(i.requestBytes))),
    responseMacInput: hex(concatBytes([utf8(labels.response), methodInput, nonce, sm3(bytes(i.responseBytes))])),
    responseMac: hex(responseMac(keys.s2c, i.method, nonce, bytes(i.responseBytes))),
  };
}
