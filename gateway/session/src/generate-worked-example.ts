import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  createCertificate,
  createSm2PrivateKey,
  exportSm2PrivateScalar,
  parseCertificate,
  sm2Sign,
  sm2Verify,
} from "@hutong/certs";
import {
  AuditServiceService,
  ExportEntriesResponse,
  Purpose,
  VerifyTicketRequest,
  VerifyTicketResponse,
} from "@hutong/proto";
import { labels, protectionModes } from "./protocol-constants.js";
import { createTicketKeyring } from "./ticket-keyring.js";
import { computeWorkedExample, type WorkedExampleInputs } from "./worked-example.js";

/**
 * Regenerates gateway/session/testdata/worked-example.json (run by hand with
 * `node --conditions=hutong-source --import tsx gateway/session/src/generate-worked-example.ts`)
 * and prints the hex blocks of docs/session-protocol.md §9 to paste there.
 *
 * Certificates, SM2 signatures and the sealed ticket are randomized, so they are
 * kept from the existing JSON while they still verify (certificates always,
 * signatures over unchanged signed strings, the ticket while it opens to the
 * expected plaintext) and made afresh otherwise: a rerun after an unrelated
 * change leaves them, and the doc blocks that depend only on them, alone.
 */
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (h: string) => new Uint8Array(Buffer.from(h, "hex"));
const scalar = (byte: number) => new Uint8Array(32).fill(byte);
const at = Date.parse("2026-06-01T00:00:00Z");
const out = fileURLToPath(new URL("../testdata/worked-example.json", import.meta.url));
const previous: Partial<WorkedExampleInputs> = existsSync(out)
  ? (JSON.parse(readFileSync(out, "utf8")) as { inputs: Partial<WorkedExampleInputs> }).inputs
  : {};

const rootKey = createSm2PrivateKey(scalar(0x01));
const serverKey = createSm2PrivateKey(scalar(0x02));
const clientKey = createSm2PrivateKey(scalar(0x03));

function certificates(): { root: string; server: string; client: string } {
  if (previous.rootCertificate && previous.serverCertificate && previous.clientCertificate) {
    return { root: previous.rootCertificate, server: previous.serverCertificate, client: previous.clientCertificate };
  }
  const window = { notBefore: new Date("2026-01-01T00:00:00Z"), notAfter: new Date("2036-01-01T00:00:00Z") };
  const root = createCertificate({
    subject: { commonName: "hutong example root" },
    publicKey: rootKey.publicKey,
    selfSignKey: rootKey,
    ca: {},
    serial: Uint8Array.of(1),
    ...window,
  });
  const leaf = (key: typeof serverKey, partyId: string, eku: "serverAuth" | "clientAuth", serial: number) =>
    createCertificate({
      subject: { commonName: partyId },
      publicKey: key.publicKey,
      issuer: { certificate: root, privateKey: rootKey },
      partyId,
      extKeyUsage: [eku],
      serial: Uint8Array.of(serial),
      ...window,
    });
  return {
    root: hex(root.der),
    server: hex(leaf(serverKey, "mot", "serverAuth", 2).der),
    client: hex(leaf(clientKey, "prov:510000", "clientAuth", 3).der),
  };
}

/** The stored signature if it still verifies over `message`, else a fresh one. */
function signature(key: typeof serverKey, message: string | undefined, stored: string | undefined): string {
  const m = bytes(message ?? "");
  if (stored && sm2Verify(key.publicKey, m, bytes(stored))) return stored;
  return hex(sm2Sign(key, m));
}

const certs = certificates();
const issuedAt = at - 60_000;
const exportMessage = (index: number, entry: string) =>
  hex(
    ExportEntriesResponse.encode(
      ExportEntriesResponse.fromPartial({ entries: [{ index: BigInt(index), entry: Buffer.from(entry) }] }),
    ).finish(),
  );
const base = {
  targetParty: "mot",
  protection: protectionModes.sm4,
  clientRandom: "11".repeat(32),
  serverRandom: "22".repeat(32),
  clientEphemeralPrivate: hex(scalar(0x04)),
  serverEphemeralPrivate: hex(scalar(0x05)),
  clientLongTermPrivate: hex(exportSm2PrivateScalar(clientKey)),
  serverLongTermPrivate: hex(exportSm2PrivateScalar(serverKey)),
  rootCertificate: certs.root,
  clientCertificate: certs.client,
  serverCertificate: certs.server,
  serverSignature: "",
  clientSignature: "",
  ticketKeyId: 1,
  ticketKey: hex(scalar(0x06)),
  sessionId: "44".repeat(16),
  issuedAt,
  expiresAt: issuedAt + 3_600_000,
  ticket: "",
  method: "/hutong.v1.TicketService/VerifyTicket",
  timestamp: at,
  nonce: "33".repeat(16),
  // A real VerifyTicketRequest and its answer, serialized as on the wire (without the 5-byte gRPC prefix).
  requestMessage: hex(
    VerifyTicketRequest.encode(
      VerifyTicketRequest.fromPartial({
        context: { targetParty: "prov:440000", purpose: Purpose.PURPOSE_BOARDING_CHECK, correlationId: "example-1" },
        ticketNo: "E4400000001",
      }),
    ).finish(),
  ),
  responseMessage: hex(VerifyTicketResponse.encode(VerifyTicketResponse.fromPartial({ valid: true })).finish()),
  // A stream of two ExportEntries messages, of lengths that make the keystream run on mid-block.
  streamMethod: AuditServiceService.exportEntries.path,
  streamNonce: "55".repeat(16),
  streamMessage1: exportMessage(0, "entry one"),
  streamMessage2: exportMessage(1, "entry number two"),
} satisfies WorkedExampleInputs;

const serverSignature = signature(serverKey, computeWorkedExample(base).serverSignedString, previous.serverSignature);
const clientSignature = signature(
  clientKey,
  computeWorkedExample({ ...base, serverSignature }).clientSignedString,
  previous.clientSignature,
);
const withSignatures = { ...base, serverSignature, clientSignature };
const ticketPlaintext = bytes(computeWorkedExample(withSignatures).ticketPlaintext ?? "");
const keyring = createTicketKeyring({ current: { id: base.ticketKeyId, secret: bytes(base.ticketKey) } });
function ticket(stored: string | undefined): string {
  if (stored) {
    try {
      if (Buffer.from(keyring.open(labels.ticketAad, bytes(stored), "bad-ticket")).equals(ticketPlaintext))
        return stored;
    } catch {
      // Sealed under another key or for other contents: seal afresh.
    }
  }
  return hex(keyring.seal(labels.ticketAad, ticketPlaintext));
}
const inputs: WorkedExampleInputs = { ...withSignatures, ticket: ticket(previous.ticket) };
// Certificates kept from an older run must still be the ones these keys make.
for (const [name, key] of [
  ["serverCertificate", serverKey],
  ["clientCertificate", clientKey],
] as const) {
  if (!Buffer.from(parseCertificate(bytes(inputs[name])).publicKey.point).equals(Buffer.from(key.publicKey.point))) {
    throw new Error(`${name} in ${out} is not for the example key: delete the file and rerun`);
  }
}
const derived = computeWorkedExample(inputs);
writeFileSync(out, `${JSON.stringify({ inputs, derived }, null, 2)}\n`);

// The doc's blocks, to paste into docs/session-protocol.md §9.
const block = (name: string, value: string) =>
  `${name}:\n${(value.match(/.{1,64}/g) ?? [""]).map((l) => `  ${l}`).join("\n")}`;
const hexInputs = Object.entries(inputs).filter(([, v]) => typeof v === "string" && /^[0-9a-f]+$/.test(v));
console.log("```text");
console.log(hexInputs.map(([k, v]) => block(k, v as string)).join("\n"));
console.log("```\n\n```text");
console.log(
  Object.entries(derived)
    .map(([k, v]) => block(k, v))
    .join("\n"),
);
console.log("```");
console.log(`\nhutong-ticket: ${Buffer.from(bytes(inputs.ticket)).toString("base64url")}`);
