import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatVerifierKey } from "@hutong/audit";
import { generateSm2PrivateKey } from "@hutong/certs";
import { isConsoleError } from "../errors/console-error.js";
import { parseConsoleConfig } from "./console-config.js";

const base = {
  listen: { port: 0 },
  party: "mot/console",
  identity: { chain: "pki/console.pem", key: "pki/console.key" },
  trust: { anchors: ["pki/root.pem"] },
  gateways: [{ party: "mot", address: "127.0.0.1:7443" }],
  subjectKeyFile: "subject.key",
  accountsFile: "accounts.yaml",
};

describe("console config", () => {
  it("fills defaults and resolves paths against the config's directory", () => {
    const c = parseConsoleConfig(base, "/etc/hutong");
    assert.equal(c.listen.host, "127.0.0.1");
    assert.equal(c.identity.chain, "/etc/hutong/pki/console.pem");
    assert.equal(c.accountsFile, "/etc/hutong/accounts.yaml");
    assert.deepEqual(c.sessions, { idleMinutes: 30, maxSignInFailures: 5, lockoutMinutes: 15 });
  });

  it("names every problem with its path", () => {
    const bad = (raw: unknown, pattern: RegExp) =>
      assert.throws(
        () => parseConsoleConfig(raw, "/"),
        (e) => isConsoleError(e, "invalid-config") && pattern.test(e.message),
      );
    bad({ ...base, party: "not a party" }, /party/);
    bad({ ...base, gateways: [] }, /gateways/);
    bad({ ...base, gateways: [{ party: "mot", address: "nowhere" }] }, /address/);
    bad({ ...base, gateways: [{ party: "mot", address: "127.0.0.1:1", logKey: "plain" }] }, /verifier key/);
    bad({ ...base, gateways: [base.gateways[0], base.gateways[0]] }, /listed twice/);
    // Shaped like a key, but its key id is not the one its name and point give: refused at start.
    const key = formatVerifierKey("hutong/mot/audit/sm3", generateSm2PrivateKey().publicKey);
    const wrongId = key.replace(
      /\+([0-9a-f]{8})\+/,
      (_, id: string) => `+${id === "00000000" ? "00000001" : "00000000"}+`,
    );
    parseConsoleConfig({ ...base, gateways: [{ ...base.gateways[0], logKey: key }] }, "/");
    bad({ ...base, gateways: [{ party: "mot", address: "127.0.0.1:1", logKey: wrongId }] }, /verifier key/);
    bad({ ...base, services: { via: "prov:510000" } }, /services\.via/);
    bad({ ...base, extra: 1 }, /extra/);
  });
});
