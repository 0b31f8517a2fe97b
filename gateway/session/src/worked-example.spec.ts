import assert from "node:assert/strict";
import { createCipheriv } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createSm2PrivateKey, parseCertificate, sm2Verify } from "@hutong/certs";
import { createCallVerifier } from "./call-verifier.js";
import { createClientSession } from "./client-session.js";
import { labels } from "./protocol-constants.js";
import { createReplayWindow } from "./replay-window.js";
import { openTicket } from "./session-ticket.js";
import { createTicketKeyring } from "./ticket-keyring.js";
import { computeWorkedExample, keystream, type WorkedExampleInputs } from "./worked-example.js";

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
    assert.throws(() => computeWorkedExample({ ...inputs, protection: 0 }), RangeError);
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
    assert.equal(hex(state.c2sEnc), derived.c2sEnc);
    assert.equal(hex(state.s2cEnc), derived.s2cEnc);
    assert.equal(state.protection, "sm4");
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
      `hutong-mac: ${derived.streamMac}`,
      `protection = ${inputs.protection}`,
      `\`${inputs.streamMethod}\``,
      `(5-byte prefix \`00 ${(inputs.requestMessage.length / 2).toString(16).padStart(8, "0")}\`)`,
      `(prefix \`00 ${(inputs.responseMessage.length / 2).toString(16).padStart(8, "0")}\`)`,
      `\`streamMessage1\` (${inputs.streamMessage1.length / 2} bytes)`,
      `\`streamMessage2\` (${inputs.streamMessage2.length / 2} bytes)`,
    ]) {
      assert.ok(section.includes(text), `§9 should contain ${text}`);
    }
  });

  it("is a call the real verifier and client session accept: the ciphertext opens to the example's messages", () => {
    const keyring = createTicketKeyring({ current: { id: inputs.ticketKeyId, secret: bytes(inputs.ticketKey) } });
    const verifier = createCallVerifier({ keyring, replayWindow: createReplayWindow() });
    const metadata = {
      "hutong-ticket": Buffer.from(bytes(inputs.ticket)).toString("base64url"),
      "hutong-ts": String(inputs.timestamp),
      "hutong-nonce": inputs.nonce,
      "hutong-mac": derived.requestMac ?? "",
    };
    const call = verifier.verify({
      method: inputs.method,
      metadata,
      requestBytes: bytes(derived.requestBytes ?? ""),
      now: inputs.timestamp,
      crls: [],
    });
    assert.equal(call.protection, "sm4");
    assert.equal(hex(call.request), inputs.requestMessage);
    const reply = call.protectResponse(bytes(inputs.responseMessage));
    assert.equal(hex(reply.body), derived.responseBytes);
    assert.equal(hex(reply.mac), derived.responseMac);
    // The client's side, from the keys the example derives.
    const session = createClientSession({
      serverParty: "mot",
      ticket: bytes(inputs.ticket),
      expiresAt: inputs.expiresAt,
      protection: "sm4",
      keys: {
        c2s: bytes(derived.c2s ?? ""),
        s2c: bytes(derived.s2c ?? ""),
        c2sEnc: bytes(derived.c2sEnc ?? ""),
        s2cEnc: bytes(derived.s2cEnc ?? ""),
      },
    });
    const opened = session.openResponse(inputs.method, bytes(inputs.nonce), reply.body, derived.responseMac);
    assert.equal(hex(opened), inputs.responseMessage);
    const stream = session.responseStream(inputs.streamMethod, bytes(inputs.streamNonce));
    assert.equal(hex(stream.next(bytes(derived.streamBytes1 ?? ""))), inputs.streamMessage1);
    assert.equal(hex(stream.next(bytes(derived.streamBytes2 ?? ""))), inputs.streamMessage2);
    stream.verify(derived.streamMac);
    // The keystream the text describes (computed block by block from the counter) is OpenSSL's sm4-ctr.
    assert.equal(
      hex(keystream(bytes(derived.c2sEnc ?? ""), new Uint8Array(16).fill(0xff), 32)),
      hex(
        new Uint8Array(
          createCipheriv("sm4-ctr", bytes(derived.c2sEnc ?? ""), new Uint8Array(16).fill(0xff)).update(
            new Uint8Array(32),
          ),
        ),
      ),
      "the counter wraps from ff…ff to 00…00 across all 128 bits",
    );
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
