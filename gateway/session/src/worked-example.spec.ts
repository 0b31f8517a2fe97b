import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createSm2PrivateKey, parseCertificate, sm2Verify } from "@hutong/certs";
import { labels } from "./protocol-constants.js";
import { openTicket } from "./session-ticket.js";
import { createTicketKeyring } from "./ticket-keyring.js";
import { computeWorkedExample, type WorkedExampleInputs } from "./worked-example.js";

const read = (rel: string) => readFileSync(fileURLToPath(new URL(rel, import.meta.url)), "utf8");
const example = JSON.parse(read("../testdata/worked-example.json")) as {
  inputs: WorkedExampleInputs;
  derived: Record<string, string>;
};
const doc = read("../../../docs/session-protocol.md");
const bytes = (h: string) => new Uint8Array(Buffer.from(h, "hex"));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** The `name:` blocks of hex in the doc's worked example (continuation lines indented by two spaces). */
function docBlocks(): Map<string, string> {
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

  it("has a ticket that opens under the example ticket key to the documented plaintext and keys", () => {
    const keyring = createTicketKeyring({ current: { id: inputs.ticketKeyId, secret: bytes(inputs.ticketKey) } });
    assert.equal(hex(keyring.open(labels.ticketAad, bytes(inputs.ticket), "bad-ticket")), derived.ticketPlaintext);
    const state = openTicket(keyring, bytes(inputs.ticket), inputs.timestamp);
    assert.equal(hex(state.c2s), derived.c2s);
    assert.equal(hex(state.s2c), derived.s2c);
    assert.equal(state.expiresAt, inputs.expiresAt);
    assert.equal(state.clientParty, "prov:510000");
  });

  it("matches the hex in docs/session-protocol.md, value for value", () => {
    const blocks = docBlocks();
    const expected = Object.entries({ ...inputs, ...derived }).filter(
      ([, v]) => typeof v === "string" && /^[0-9a-f]+$/.test(v),
    );
    for (const [name, value] of expected) assert.equal(blocks.get(name), value, `doc block ${name}`);
    assert.equal(blocks.size, expected.length, "the doc has blocks that are not in the JSON");
  });

  it("states the example's numbers, method and on-the-wire values as the JSON has them", () => {
    const section = doc.slice(doc.indexOf("## 9. Worked example"));
    for (const text of [
      `\`${inputs.method}\``,
      `\`issuedAt = ${inputs.issuedAt}\``,
      `\`expiresAt = ${inputs.expiresAt}\``,
      `\`ts = ${inputs.timestamp}\``,
      `hutong-ticket: ${Buffer.from(bytes(inputs.ticket)).toString("base64url")}`,
      `hutong-ts: ${inputs.timestamp}`,
      `hutong-nonce: ${inputs.nonce}`,
      `hutong-mac: ${derived.requestMac}`,
      `hutong-mac: ${derived.responseMac}`,
    ]) {
      assert.ok(section.includes(text), `§9 should contain ${text}`);
    }
  });

  it("lists every label of protocol-constants byte-exact, and no other", () => {
    const section = doc.slice(doc.indexOf("### Labels"), doc.indexOf("## 3. Handshake messages"));
    const rows = [...section.matchAll(/^\| `([a-zA-Z0-9]+)` +\| `([^`]+)` +\| ([0-9]+) +\| `([0-9a-f]+)` +\|/gm)];
    const documented = new Map(rows.map((m) => [m[1] as string, { text: m[2], length: Number(m[3]), hex: m[4] }]));
    assert.deepEqual([...documented.keys()].sort(), Object.keys(labels).sort());
    for (const [name, label] of Object.entries(labels)) {
      const row = documented.get(name);
      const labelBytes = Buffer.from(label, "ascii");
      assert.equal(row?.hex, labelBytes.toString("hex"), `label ${name} hex`);
      assert.equal(row?.length, labelBytes.length, `label ${name} length`);
      assert.equal(row?.text, label.replace("\0", "\\0"), `label ${name} text`);
    }
  });
});
