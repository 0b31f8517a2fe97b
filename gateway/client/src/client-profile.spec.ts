import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isClientError } from "./client-error.js";
import { parseClientProfile, readClientProfile } from "./client-profile.js";

const valid = {
  address: "127.0.0.1:7443",
  gateway: "prov:510000",
  chain: "pki/parties/system/chain.pem",
  key: "/abs/key.pem",
  trust: ["pki/root/ca.pem"],
  crl: ["pki/root/crl.pem", "pki/ca/crl.pem"],
};

function refused(json: unknown, pattern: RegExp): void {
  assert.throws(
    () => parseClientProfile(json, "/base"),
    (e: unknown) => isClientError(e) && e.code === "invalid-profile" && pattern.test(e.message),
  );
}

describe("client profile", () => {
  it("resolves relative paths against the profile's directory and keeps absolute ones", () => {
    const p = parseClientProfile(valid, "/base/dir");
    assert.equal(p.chain, "/base/dir/pki/parties/system/chain.pem");
    assert.equal(p.key, "/abs/key.pem");
    assert.deepEqual(p.trust, ["/base/dir/pki/root/ca.pem"]);
    assert.deepEqual(p.crl, ["/base/dir/pki/root/crl.pem", "/base/dir/pki/ca/crl.pem"]);
    assert.equal(parseClientProfile({ ...valid, address: "[::1]:7443" }, "/").address, "[::1]:7443");
    assert.equal(parseClientProfile({ ...valid, address: "gw.example.cn:443" }, "/").address, "gw.example.cn:443");
  });

  it("refuses unknown fields, naming them", () => {
    refused({ ...valid, crls: ["x"] }, /unknown field "crls"/);
    refused({ ...valid, passphrase: "secret" }, /unknown field "passphrase"/);
  });

  it("refuses missing fields and wrong types, naming every one", () => {
    const { trust: _t, crl: _c, ...noLists } = valid;
    refused(noLists, /trust is missing; crl is missing/);
    refused({ ...valid, address: 7443 }, /address must be a non-empty string/);
    refused({ ...valid, chain: "" }, /chain must be a non-empty string/);
    refused({ ...valid, trust: "pki/root/ca.pem" }, /trust must be a non-empty array of file paths/);
    refused({ ...valid, crl: [] }, /crl must be a non-empty array/);
    refused({ ...valid, crl: ["a", 3] }, /crl\[1\] must be a non-empty string/);
    refused([valid], /expected a JSON object/);
    refused(null, /expected a JSON object/);
  });

  it("refuses an address without a usable port and a gateway that is no party id", () => {
    for (const address of ["127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "host:port", "::1:7443", "a b:1"]) {
      refused({ ...valid, address }, /must be host:port with a port 1-65535/);
    }
    refused({ ...valid, gateway: "province-51" }, /gateway "province-51" is not a party id/);
  });

  describe("from a file", () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "hutong-profile-"));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("reads one, relative to its own directory", async () => {
      const file = join(dir, "client-profile.json");
      await writeFile(file, JSON.stringify(valid));
      assert.equal((await readClientProfile(file)).chain, join(dir, valid.chain));
    });

    it("says when the file is missing or not JSON", async () => {
      await assert.rejects(readClientProfile(join(dir, "none.json")), /cannot read it \(ENOENT\)/);
      const bad = join(dir, "bad.json");
      await writeFile(bad, "{ address: 1 }");
      await assert.rejects(readClientProfile(bad), (e: unknown) => isClientError(e) && /not JSON/.test(e.message));
    });
  });
});
