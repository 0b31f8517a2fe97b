import { createCipheriv } from "node:crypto";
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
import { createMessageCipher } from "./message-cipher.js";
import { issuerNameHash } from "./peer-certificate.js";
import { labels, protectionModeOf, protocolVersion } from "./protocol-constants.js";
import { encodeTicketPlaintext } from "./session-ticket.js";
import { createStreamDigest } from "./stream-digest.js";
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
  /** The protection the client asks for (the Protection enum's number; 2 = SM4-CTR + HMAC-SM3). */
  readonly protection: number;
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
  /** The request and response messages in clear (the worked example encrypts them). */
  readonly requestMessage: string;
  readonly responseMessage: string;
  /** A server-streaming call of the same session: its method, nonce and two response messages in clear. */
  readonly streamMethod: string;
  readonly streamNonce: string;
  readonly streamMessage1: string;
  readonly streamMessage2: string;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (h: string) => new Uint8Array(Buffer.from(h, "hex"));

/**
 * The first `length` bytes of the SM4-CTR keystream of `key` from counter block `iv`: SM4 of the
 * counter blocks iv, iv + 1, ... (one 128-bit big-endian integer, mod 2^128), computed block by
 * block with SM4-ECB, independently of the CTR mode the implementation uses, so the example checks
 * the text's description of the counter against it.
 */
export function keystream(key: Uint8Array, iv: Uint8Array, length: number): Uint8Array {
  const ecb = createCipheriv("sm4-ecb", key, null).setAutoPadding(false);
  let counter = BigInt(`0x${Buffer.from(iv).toString("hex")}`);
  const blocks: Uint8Array[] = [];
  for (let done = 0; done < length; done += 16) {
    blocks.push(ecb.update(Buffer.from(counter.toString(16).padStart(32, "0"), "hex")));
    counter = (counter + 1n) % 2n ** 128n;
  }
  return concatBytes(blocks).subarray(0, length);
}

export function computeWorkedExample(i: WorkedExampleInputs): Record<string, string> {
  const mode = protectionModeOf(i.protection);
  if (mode === undefined) throw new RangeError(`unknown protection ${i.protection}`);
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
    protection: i.protection,
  };
  const serverHello = {
    serverRandom: bytes(i.serverRandom),
    serverEphemeral: serverEph.publicKey.point,
    serverChain: [serverCert.der],
    protection: i.protection,
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
  const request = bytes(i.requestMessage);
  const response = bytes(i.responseMessage);
  // Encrypt, then MAC: the MACs cover these ciphertexts (docs/session-protocol.md §6.3).
  const requestBytes = createMessageCipher(mode, keys.c2sEnc, nonce).next(request);
  const responseBytes = createMessageCipher(mode, keys.s2cEnc, nonce).next(response);
  const streamNonce = bytes(i.streamNonce);
  const streamCipher = createMessageCipher(mode, keys.s2cEnc, streamNonce);
  const streamBytes1 = streamCipher.next(bytes(i.streamMessage1));
  const streamBytes2 = streamCipher.next(bytes(i.streamMessage2));
  const digest = createStreamDigest();
  digest.update(streamBytes1);
  digest.update(streamBytes2);
  const streamDigest = digest.digest();
  const streamLength = bytes(i.streamMessage1).length + bytes(i.streamMessage2).length;
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
    c2sEnc: hex(keys.c2sEnc),
    s2cEnc: hex(keys.s2cEnc),
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
        protection: mode,
        c2sEnc: keys.c2sEnc,
        s2cEnc: keys.s2cEnc,
      }),
    ),
    expiresAtEncoding: hex(u64be(i.expiresAt)),
    serverFinishMessage: hex(encodeServerFinishBound(serverFinish)),
    h4: hex(h4),
    serverFinishedInput: hex(concatBytes([utf8(labels.serverFinished), h4])),
    serverFinished: hex(serverFinishedMac(keys.s2c, h4)),
    timestampEncoding: hex(u64be(i.timestamp)),
    requestKeystream: hex(keystream(keys.c2sEnc, nonce, request.length)),
    requestBytes: hex(requestBytes),
    requestMacInput: hex(
      concatBytes([utf8(labels.request), methodInput, u64be(i.timestamp), nonce, sm3(requestBytes)]),
    ),
    requestMac: hex(requestMac(keys.c2s, i.method, i.timestamp, nonce, requestBytes)),
    responseKeystream: hex(keystream(keys.s2cEnc, nonce, response.length)),
    responseBytes: hex(responseBytes),
    responseMacInput: hex(concatBytes([utf8(labels.response), methodInput, nonce, sm3(responseBytes)])),
    responseMac: hex(responseMac(keys.s2c, i.method, nonce, responseBytes)),
    streamKeystream: hex(keystream(keys.s2cEnc, streamNonce, streamLength)),
    streamBytes1: hex(streamBytes1),
    streamBytes2: hex(streamBytes2),
    streamDigest: hex(streamDigest),
    streamMac: hex(responseMac(keys.s2c, i.streamMethod, streamNonce, streamDigest)),
  };
}
