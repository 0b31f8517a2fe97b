import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  createCertificate,
  createCrl,
  createSm2PrivateKey,
  parseCertificate,
  parseCrl,
  sm2Sign,
  sm2Verify,
  verifyCertificateSignature,
  verifyCrlSignature,
} from "@hutong/certs";
import { Purpose, Ticket } from "@hutong/proto";
import { type AnnotationExampleInputs, computeAnnotationExample } from "./testing-annotation-example.js";

/**
 * Regenerates gateway/client/testdata/annotation-example.json (run by hand with
 * `node --conditions=hutong-source --import tsx gateway/client/src/generate-annotation-example.ts`)
 * and prints the hex blocks of docs/annotated-copies.md §7 to paste there.
 *
 * Certificates, the CRL and the signature carry random SM2 signatures, so they are kept from the
 * existing JSON while they still verify over the same contents, and made afresh otherwise: a rerun
 * after an unrelated change leaves the doc alone.
 */
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (h: string) => new Uint8Array(Buffer.from(h, "hex"));
const scalar = (byte: number) => hex(new Uint8Array(32).fill(byte));
const out = fileURLToPath(new URL("../testdata/annotation-example.json", import.meta.url));
const previous: Partial<AnnotationExampleInputs> = existsSync(out)
  ? (JSON.parse(readFileSync(out, "utf8")) as { inputs: Partial<AnnotationExampleInputs> }).inputs
  : {};

const rootPrivate = scalar(0x21);
const gatewayPrivate = scalar(0x22);
const rootKey = createSm2PrivateKey(bytes(rootPrivate));
const gatewayKey = createSm2PrivateKey(bytes(gatewayPrivate));
const window = { notBefore: new Date("2026-01-01T00:00:00Z"), notAfter: new Date("2036-01-01T00:00:00Z") };

function rootCertificate(): string {
  const kept = previous.rootCertificate;
  if (kept !== undefined) {
    const cert = parseCertificate(bytes(kept));
    if (Buffer.from(cert.publicKey.point).equals(Buffer.from(rootKey.publicKey.point))) return kept;
  }
  return hex(
    createCertificate({
      subject: { commonName: "hutong example root" },
      publicKey: rootKey.publicKey,
      selfSignKey: rootKey,
      ca: {},
      serial: Uint8Array.of(1),
      ...window,
    }).der,
  );
}

const root = parseCertificate(bytes(rootCertificate()));

function gatewayCertificate(): string {
  const kept = previous.gatewayCertificate;
  if (kept !== undefined) {
    const cert = parseCertificate(bytes(kept));
    if (
      Buffer.from(cert.publicKey.point).equals(Buffer.from(gatewayKey.publicKey.point)) &&
      verifyCertificateSignature(cert, root.publicKey)
    )
      return kept;
  }
  return hex(
    createCertificate({
      subject: { commonName: "prov:510000" },
      publicKey: gatewayKey.publicKey,
      issuer: { certificate: root, privateKey: rootKey },
      partyId: "prov:510000",
      extKeyUsage: ["serverAuth", "clientAuth"],
      serial: Uint8Array.of(2),
      ...window,
    }).der,
  );
}

function crl(): string {
  const kept = previous.crl;
  if (kept !== undefined && verifyCrlSignature(parseCrl(bytes(kept)), root.publicKey)) return kept;
  return hex(
    createCrl({
      issuer: root,
      issuerKey: rootKey,
      thisUpdate: window.notBefore,
      nextUpdate: window.notAfter,
      crlNumber: 1n,
      entries: [],
    }).der,
  );
}

const issuedAt = Date.parse("2026-06-01T00:00:00Z");
const base: AnnotationExampleInputs = {
  rootPrivate,
  gatewayPrivate,
  rootCertificate: hex(root.der),
  gatewayCertificate: gatewayCertificate(),
  crl: crl(),
  recordType: "hutong.v1.Ticket",
  // A ticket as an open supervision fetch releases it: the operational view, no passenger.
  record: hex(
    Ticket.encode(
      Ticket.fromPartial({
        ticketNo: "5120260601000001",
        issuerProvince: "510000",
        routeCode: "51-R001",
        scheduleNo: "K1021",
        departTime: new Date("2026-06-02T00:30:00Z"),
      }),
    ).finish(),
  ),
  recipientParty: "prov:440000/enforcement",
  purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
  grantId: "",
  issuedAt,
  validUntil: issuedAt + 30 * 86_400_000,
  signerParty: "prov:510000",
  signature: "",
  verifiedAt: issuedAt + 86_400_000,
};
const message = bytes(computeAnnotationExample(base).signingMessage ?? "");
const kept = previous.signature;
const signature =
  kept !== undefined && kept !== "" && sm2Verify(gatewayKey.publicKey, message, bytes(kept))
    ? kept
    : hex(sm2Sign(gatewayKey, message));
const inputs: AnnotationExampleInputs = { ...base, signature };
const derived = computeAnnotationExample(inputs);
mkdirSync(fileURLToPath(new URL("../testdata/", import.meta.url)), { recursive: true });
writeFileSync(out, `${JSON.stringify({ inputs, derived }, null, 2)}\n`);

// The doc's blocks, to paste into docs/annotated-copies.md §7.
const block = (name: string, value: string) =>
  `${name}:\n${(value.match(/.{1,64}/g) ?? [""]).map((l) => `  ${l}`).join("\n")}`;
const shown = ["gatewayPrivate", "gatewayCertificate", "record", "signature"] as const;
console.log("```text");
console.log(shown.map((k) => block(k, inputs[k])).join("\n"));
console.log("```\n\n```text");
console.log(
  Object.entries(derived)
    .map(([k, v]) => block(k, v))
    .join("\n"),
);
console.log("```");
