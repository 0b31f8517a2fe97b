import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createSm2PrivateKey, parseCertificate, sm2Verify } from "@hutong/certs";
import { computeWorkedExample, type WorkedExampleInputs } from "./worked-example.js";

const read = (rel: string) => readFileSync(fileURLToPath(new URL(rel, import.meta.url)), "utf8");
const example = JSON.parse(read("../testdata/worked-example.json")) as {
  inputs: WorkedExampleInputs;
  derived: Record<string, string>;
};
const bytes = (h: string) => new Uint8Array(Buffer.from(h, "hex"));

/** The `name:` blocks of hex in the doc's worked example (continuation lines indented by two spaces). */
function docBlocks(doc: string): Map<string, string> {
  const section = doc.slice(doc.indexOf("## 9. Worked example"));
  const blocks = new Map<string, string>();
  for (const m of section.matchAll(/^([A-Za-z0-9]+):\n((?: {2}[0-9a-f]+\n)+)/gm)) {
    blocks.set(m[1] as string, (m[2] as string).replace(/\s+/g, ""));
  }
  return blocks;
}

describe("worked example", () => {
  const { inputs, derived } = example;

  it("recomputes every deterministic value from the inputs", () => {
    assert.deepEqual(computeWorkedExample(inputs), derived);
  });

  it("has signatures that verify under the certificates' keys, which match the private keys", () => {
    const server = parseCertificate(bytes(inputs.serverCertificate));
    const client = parseCertificate(bytes(inputs.clientCertificate));
    assert.deepEqual(createSm2PrivateKey(bytes(inputs.serverLongTermPrivate)).publicKey.point, server.publicKey.point);
    assert.deepEqual(createSm2PrivateKey(bytes(inputs.clientLongTermPrivate)).publicKey.point, client.publicKey.point);
    assert.ok(sm2Verify(server.publicKey, bytes(derived.serverSignedString ?? ""), bytes(inputs.serverSignature)));
    assert.ok(sm2Verify(client.publicKey, bytes(derived.clientSignedString ?? ""), bytes(inputs.clientSignature)));
  });

  it("matches the hex in docs/session-protocol.md, value for value", () => {
    const blocks = docBlocks(read("../../../docs/session-protocol.md"));
    const expected = Object.entries({ ...inputs, ...derived }).filter(
      ([, v]) => typeof v === "string" && /^[0-9a-f]+$/.test(v),
    );
    for (const [name, value] of expected) assert.equal(blocks.get(name), value, `doc block ${name}`);
    assert.equal(blocks.size, expected.length, "the doc has blocks that are not in the JSON");
  });
});
