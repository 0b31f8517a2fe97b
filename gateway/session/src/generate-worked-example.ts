import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createCertificate, createSm2PrivateKey, exportSm2PrivateScalar, sm2Sign } from "@hutong/certs";
import { labels } from "./protocol-constants.js";
import { signedString } from "./transcript.js";
import { computeWorkedExample, type WorkedExampleInputs } from "./worked-example.js";

/**
 * Regenerates gateway/session/testdata/worked-example.json (run by hand with
 * `node --conditions=hutong-source --import tsx gateway/session/src/generate-worked-example.ts`).
 * Certificates and SM2 signatures are randomized, so a rerun changes them and
 * everything downstream; the doc's hex must then be refreshed from its output.
 */
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const scalar = (byte: number) => new Uint8Array(32).fill(byte);
const at = Date.parse("2026-06-01T00:00:00Z");

const rootKey = createSm2PrivateKey(scalar(0x01));
const serverKey = createSm2PrivateKey(scalar(0x02));
const clientKey = createSm2PrivateKey(scalar(0x03));
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
const serverCert = leaf(serverKey, "mot", "serverAuth", 2);
const clientCert = leaf(clientKey, "prov:510000", "clientAuth", 3);

const base = {
  targetParty: "mot",
  clientRandom: "11".repeat(32),
  serverRandom: "22".repeat(32),
  clientEphemeralPrivate: hex(scalar(0x04)),
  serverEphemeralPrivate: hex(scalar(0x05)),
  clientLongTermPrivate: hex(exportSm2PrivateScalar(clientKey)),
  serverLongTermPrivate: hex(exportSm2PrivateScalar(serverKey)),
  rootCertificate: hex(root.der),
  clientCertificate: hex(clientCert.der),
  serverCertificate: hex(serverCert.der),
  method: "/hutong.v1.Exchange/GetTicket",
  timestamp: at,
  nonce: "33".repeat(16),
  requestBytes: hex(new TextEncoder().encode("example request")),
  responseBytes: hex(new TextEncoder().encode("example response")),
};
const first = computeWorkedExample({ ...base, serverSignature: "", clientSignature: "" });
const serverSignature = hex(sm2Sign(serverKey, Buffer.from(first.serverSignedString ?? "", "hex")));
const second = computeWorkedExample({ ...base, serverSignature, clientSignature: "" });
const clientSignature = hex(
  sm2Sign(clientKey, signedString(labels.clientSignature, Buffer.from(second.h2 ?? "", "hex"))),
);
const inputs: WorkedExampleInputs = { ...base, serverSignature, clientSignature };
const derived = computeWorkedExample(inputs);
const out = fileURLToPath(new URL("../testdata/worked-example.json", import.meta.url));
writeFileSync(out, `${JSON.stringify({ inputs, derived }, null, 2)}\n`);

// The doc's blocks, to paste into docs/session-protocol.md §9.
const block = (name: string, value: string) =>
  `${name}:\n${(value.match(/.{1,64}/g) ?? [""]).map((l) => `  ${l}`).join("\n")}`;
const hexInputs = Object.entries(inputs).filter(([, v]) => typeof v === "string" && /^[0-9a-f]*$/.test(v as string));
console.log("```text");
console.log(hexInputs.map(([k, v]) => block(k, v as string)).join("\n"));
console.log("```\n\n```text");
console.log(
  Object.entries(derived)
    .map(([k, v]) => block(k, v))
    .join("\n"),
);
console.log("```");
