import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatCosignatureVerifierKey, formatVerifierKey } from "@hutong/audit";
import { type LogPin, parseLogPin, revalidatePin } from "./log-pin.js";
import { gateway, gatewayOrigin, logKey, origin } from "./testing-audit-log.js";

const vkey = formatVerifierKey(gatewayOrigin, logKey.publicKey);

const refused = (party: string, text: string, reason: string) => {
  const parsed = parseLogPin(party, text, "pasted");
  assert.equal(parsed.ok, false, `expected a refusal (${reason}) of ${JSON.stringify(text)}`);
  if (!parsed.ok) assert.equal(parsed.reason, reason, parsed.detail);
};

describe("parseLogPin (a key is checked by the page's own parser before it is pinned)", () => {
  it("pins a log key named after the party's audit origin, binding party, origin and key", () => {
    const parsed = parseLogPin(gateway, vkey, "pasted");
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.pin, { party: gateway, origin: gatewayOrigin, vkey, source: "pasted" });
    // Surrounding whitespace from a paste is dropped; the key itself is kept exactly.
    const padded = parseLogPin(gateway, `  ${vkey}\n`, "pasted");
    assert.ok(padded.ok);
    assert.equal(padded.pin.vkey, vkey);
  });

  it("refuses a malformed key: garbage, a wrong key id, a point off the curve", () => {
    refused(gateway, "not a key", "malformed-key");
    refused(gateway, "", "malformed-key");
    const [name, id, blob] = vkey.split("+") as [string, string, string];
    const otherId = ((Number.parseInt(id, 16) + 1) >>> 0).toString(16).padStart(8, "0");
    refused(gateway, `${name}+${otherId}+${blob}`, "malformed-key");
    const bytes = Buffer.from(blob, "base64");
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    refused(gateway, `${name}+${id}+${bytes.toString("base64")}`, "malformed-key");
  });

  it("refuses a witness's cosignature key: it is not a log key", () => {
    refused(gateway, formatCosignatureVerifierKey(gatewayOrigin, logKey.publicKey), "unsupported-key-type");
  });

  it("refuses a key whose name is not an …/<party>/audit/sm3 origin", () => {
    refused(gateway, formatVerifierKey(origin, logKey.publicKey), "pin-wrong-origin");
    refused(gateway, formatVerifierKey("hutong/prov:510000/sm3", logKey.publicKey), "pin-wrong-origin");
    refused(gateway, formatVerifierKey("hutong/prov:510000\u200b/audit/sm3", logKey.publicKey), "pin-wrong-origin");
  });

  it("refuses another party's log key (wrong party)", () => {
    refused(gateway, formatVerifierKey("hutong/prov:440000/audit/sm3", logKey.publicKey), "pin-wrong-party");
    refused("prov:440000", vkey, "pin-wrong-party");
    refused("prov:510000/licence", vkey, "pin-wrong-party");
  });

  it("refuses to pin for a gateway whose name is not a party id (a lookalike)", () => {
    refused("prov:510000\u200b", vkey, "bad-gateway-name");
    refused("prov\uff1a510000", vkey, "bad-gateway-name");
    refused("constructor", vkey, "bad-gateway-name");
    refused("__proto__", vkey, "bad-gateway-name");
  });
});

describe("revalidatePin (stored pins are parsed again)", () => {
  const pin: LogPin = { party: gateway, origin: gatewayOrigin, vkey, source: "pasted" };

  it("keeps a stored pin that re-parses to itself, and reads the first format's { party, vkey }", () => {
    assert.deepEqual(revalidatePin(JSON.parse(JSON.stringify(pin))), pin);
    assert.deepEqual(revalidatePin({ party: gateway, vkey }), { ...pin, source: "tofu" });
  });

  it("drops a stored pin for another party, another origin, or not a pin at all", () => {
    assert.equal(revalidatePin({ ...pin, party: "prov:440000" }), undefined);
    assert.equal(revalidatePin({ ...pin, origin: "hutong/prov:440000/audit/sm3" }), undefined);
    assert.equal(revalidatePin({ ...pin, vkey: ` ${vkey}` }), undefined);
    assert.equal(revalidatePin({ ...pin, party: "prov:510000\u200b" }), undefined);
    for (const junk of [null, 1, "x", [], { party: gateway }, { vkey }]) assert.equal(revalidatePin(junk), undefined);
  });
});
