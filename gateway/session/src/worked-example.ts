import { createSm2PrivateKey, sm2Ecdh, sm3 } from "@hutong/certs";
import { requestMac, responseMac } from "./call-mac.js";
import { concatBytes, encodeMessage, u64be, utf8 } from "./canonical-encoding.js";
import { serverFinishedMac } from "./handshake-primitives.js";
import { deriveMasterSecret, deriveSessionKeys } from "./key-schedule.js";
import { labels, protocolVersion } from "./protocol-constants.js";
import {
  encodeClientHello,
  encodeServerHelloSigned,
  signedString,
  transcriptH1,
  transcriptH2,
  transcriptH3,
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
  const clientHello = {
    version: protocolVersion,
    clientRandom: bytes(i.clientRandom),
    clientEphemeral: clientEph.publicKey.point,
    clientChain: [bytes(i.clientCertificate)],
    targetParty: i.targetParty,
  };
  const serverHello = {
    serverRandom: bytes(i.serverRandom),
    serverEphemeral: serverEph.publicKey.point,
    serverChain: [bytes(i.serverCertificate)],
  };
  const serverSignature = bytes(i.serverSignature);
  const clientSignature = bytes(i.clientSignature);
  const h1 = transcriptH1(clientHello, serverHello);
  const h2 = transcriptH2(h1, serverSignature);
  const h3 = transcriptH3(h2, clientSignature);
  const ecdhX = sm2Ecdh(clientEph, serverEph.publicKey);
  const master = deriveMasterSecret(ecdhX, clientHello.clientRandom, serverHello.serverRandom, h1);
  const keys = deriveSessionKeys(master);
  const nonce = bytes(i.nonce);
  return {
    clientEphemeralPublic: hex(clientEph.publicKey.point),
    serverEphemeralPublic: hex(serverEph.publicKey.point),
    clientHelloEncoding: hex(encodeClientHello(clientHello)),
    serverHelloSignedEncoding: hex(encodeServerHelloSigned(serverHello)),
    h1: hex(h1),
    serverSignedString: hex(signedString(labels.serverSignature, h1)),
    serverSignatureMessage: hex(encodeMessage(transcriptMessageTypes.serverSignature, [serverSignature])),
    h2: hex(h2),
    clientSignedString: hex(signedString(labels.clientSignature, h2)),
    clientSignatureMessage: hex(encodeMessage(transcriptMessageTypes.clientSignature, [clientSignature])),
    h3: hex(h3),
    ecdhX: hex(ecdhX),
    hkdfSalt: hex(concatBytes([clientHello.clientRandom, serverHello.serverRandom])),
    masterInfo: hex(concatBytes([utf8(labels.master), h1])),
    master: hex(master),
    c2s: hex(keys.c2s),
    s2c: hex(keys.s2c),
    serverFinished: hex(serverFinishedMac(keys.s2c, h3)),
    requestMacInput: hex(
      concatBytes([
        utf8(labels.request),
        utf8(i.method),
        Uint8Array.of(0),
        u64be(i.timestamp),
        nonce,
        sm3(bytes(i.requestBytes)),
      ]),
    ),
    requestMac: hex(requestMac(keys.c2s, i.method, i.timestamp, nonce, bytes(i.requestBytes))),
    responseMac: hex(responseMac(keys.s2c, i.method, nonce, bytes(i.responseBytes))),
  };
}
