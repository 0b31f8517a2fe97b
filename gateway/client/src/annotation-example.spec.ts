import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createSm2PrivateKey, parseCertificate, parseCrl, sm2Verify } from "@hutong/certs";
import { Annotation } from "@hutong/proto";
import { annotationSigningLabel, verifyAnnotatedCopy } from "./annotated-copy.js";
import { type AnnotationExampleInputs, computeAnnotationExample } from "./testing-annotation-example.js";

const read = (rel: string) => readFileSync(fileURLToPath(new URL(rel, import.meta.url)), "utf8");
const example = JSON.parse(read("../testdata/annotation-example.json")) as {
  inputs: AnnotationExampleInputs;
  derived: Record<string, string>;
};
const doc = read("../../../docs/annotated-copies.md");
const bytes = (h: string) => new Uint8Array(Buffer.from(h, "hex"));
const section = (title: string) => {
  const start = doc.indexOf(title);
  assert.ok(start >= 0, `docs/annotated-copies.md has no ${title}`);
  const end = doc.indexOf("\n## ", start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
};

/** The `name:` blocks of hex in the doc's worked example (continuation lines indented by two spaces). */
function docBlocks(): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const m of section("## 7. Worked example").matchAll(/^([A-Za-z0-9]+):\n((?: {2}[0-9a-f]+\n)+)/gm)) {
    blocks.set(m[1] as string, (m[2] as string).replace(/\s+/g, ""));
  }
  return blocks;
}

describe("annotated copies: the worked example", () => {
  const { inputs, derived } = example;

  it("recomputes every deterministic value from the inputs", () => {
    assert.deepEqual(computeAnnotationExample(inputs), derived);
  });

  it("has certificates, a CRL and a signature that verify, and keys that are the certificates'", () => {
    const root = parseCertificate(bytes(inputs.rootCertificate));
    const gateway = parseCertificate(bytes(inputs.gatewayCertificate));
    assert.deepEqual(createSm2PrivateKey(bytes(inputs.rootPrivate)).publicKey.point, root.publicKey.point);
    assert.deepEqual(createSm2PrivateKey(bytes(inputs.gatewayPrivate)).publicKey.point, gateway.publicKey.point);
    assert.ok(sm2Verify(gateway.publicKey, bytes(derived.signingMessage ?? ""), bytes(inputs.signature)));
    // The message starts with the label, then the record type as its first field.
    const label = Buffer.from(annotationSigningLabel, "latin1").toString("hex");
    assert.ok(derived.signingMessage?.startsWith(`${label}00000010${Buffer.from("hutong.v1.Ticket").toString("hex")}`));
  });

  it("is a copy verifyAnnotatedCopy accepts at verifiedAt, and refuses once expired", () => {
    const verification = {
      recordType: inputs.recordType,
      recordBytes: bytes(inputs.record),
      annotation: bytes(derived.annotation ?? ""),
      trust: { trustAnchors: [parseCertificate(bytes(inputs.rootCertificate))] },
      crls: [parseCrl(bytes(inputs.crl))],
    };
    const verdict = verifyAnnotatedCopy({ ...verification, now: inputs.verifiedAt });
    assert.ok(verdict.ok, JSON.stringify(verdict));
    assert.equal(verdict.annotation.recipientParty, inputs.recipientParty);
    const late = verifyAnnotatedCopy({ ...verification, now: inputs.validUntil + 1 });
    assert.equal(late.ok ? "ok" : late.reason, "expired");
    const decoded = Annotation.decode(bytes(derived.annotation ?? ""));
    assert.equal(decoded.issuedAt?.getTime(), inputs.issuedAt);
  });

  it("matches the hex in docs/annotated-copies.md, value for value", () => {
    const blocks = docBlocks();
    const shown = ["gatewayPrivate", "gatewayCertificate", "record", "signature"] as const;
    const expected: [string, string][] = [
      ...shown.map((k): [string, string] => [k, inputs[k]]),
      ...Object.entries(derived),
    ];
    for (const [name, value] of expected) assert.equal(blocks.get(name), value, `doc block ${name}`);
    assert.equal(blocks.size, expected.length, "the doc has blocks that are not in the JSON");
  });

  it("states the example's numbers, and the label byte-exact", () => {
    const seven = section("## 7. Worked example");
    for (const text of [
      `\`issuedAt = ${inputs.issuedAt}\``,
      `\`validUntil = ${inputs.validUntil}\``,
      `\`verifiedAt = ${inputs.verifiedAt}\``,
      `\`${inputs.recordType}\``,
      `\`${inputs.recipientParty}\``,
      `(${inputs.purpose})`,
    ]) {
      assert.ok(seven.includes(text), `§7 should contain ${text}`);
    }
    const three = section("## 3. The signed message");
    const row = /^\| `([^`]+)` +\| ([0-9]+) +\| `([0-9a-f]+)` +\|/m.exec(three);
    assert.ok(row, "§3 has the label's row");
    const label = Buffer.from(annotationSigningLabel, "latin1");
    assert.equal(row[1], annotationSigningLabel.replace("\0", "\\0"));
    assert.equal(Number(row[2]), label.length);
    assert.equal(row[3], label.toString("hex"));
  });
});
