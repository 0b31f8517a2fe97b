import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { decodePemBlocks } from "../asn1/pem.js";
import { decodeSm2PrivateKeyPem } from "../crypto/sm2-key-codec.js";
import { openssl, tempDir } from "../testing/openssl.js";
import { parseCertificatePem } from "../x509/certificate.js";
import { parseCrlPem } from "../x509/crl.js";

const entry = fileURLToPath(new URL("./bin.ts", import.meta.url));

interface Run {
  status: number;
  stdout: string;
  stderr: string;
  json: Record<string, unknown>;
}

function cli(args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, ["--import", "tsx", entry, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  let json: Record<string, unknown> = {};
  if (args.includes("--json")) {
    try {
      json = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as Record<string, unknown>;
    } catch {
      /* asserted by the caller */
    }
  }
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json };
}

function ok(args: string[], env?: Record<string, string>): Run {
  const r = cli(args, env);
  assert.equal(r.status, 0, `hutong-certs ${args.join(" ")}\n${r.stderr}${r.stdout}`);
  return r;
}

describe("hutong-certs CLI", () => {
  const dir = tempDir("hutong-cli-");
  const p = (...parts: string[]) => join(dir.path, ...parts);

  before(() => {
    ok(["init-ca", "--dir", p("root"), "--name", "test root"]);
    ok(["issue-ca", "--ca", p("root"), "--dir", p("ca51"), "--name", "Sichuan CA"]);
    ok(["issue", "--ca", p("ca51"), "--party", "prov:510000", "--out", p("gw51"), "--usage", "server"]);
  });

  it("prints help for every command", () => {
    for (const cmd of ["init-ca", "issue-ca", "issue", "csr", "revoke", "crl", "verify", "show"]) {
      const r = ok([cmd, "--help"]);
      assert.match(r.stdout, new RegExp(`Usage: hutong-certs ${cmd}`));
    }
  });

  it("writes the CA and leaf files, private keys with mode 0600", () => {
    for (const f of [
      "root/ca.pem",
      "root/ca.key",
      "ca51/ca.pem",
      "ca51/ca.key",
      "ca51/chain.pem",
      "gw51/cert.pem",
      "gw51/key.pem",
      "gw51/chain.pem",
    ]) {
      assert.ok(statSync(p(f)).isFile(), f);
    }
    for (const f of ["root/ca.key", "ca51/ca.key", "gw51/key.pem"]) assert.equal(statSync(p(f)).mode & 0o777, 0o600, f);
    const chain = parseCertificatePem(readFileSync(p("gw51/chain.pem"), "utf8"));
    assert.deepEqual(
      chain.map((c) => c.partyId ?? c.subject.at(-1)?.value),
      ["prov:510000", "Sichuan CA"],
    );
  });

  it("verify prints the party id; OpenSSL agrees link by link", () => {
    const r = ok(["verify", "--trust", p("root/ca.pem"), "--usage", "server", p("gw51/chain.pem")]);
    assert.equal(r.stdout.trim(), "prov:510000");
    const j = ok(["--json", "verify", "--trust", p("root/ca.pem"), p("gw51/chain.pem")]).json;
    assert.equal(j.valid, true);
    assert.equal(j.partyId, "prov:510000");
    for (const [cert, issuer] of [
      ["gw51/cert.pem", "ca51/ca.pem"],
      ["ca51/ca.pem", "root/ca.pem"],
    ] as const) {
      const o = openssl([
        "verify",
        "-vfyopt",
        "distid:1234567812345678",
        "-partial_chain",
        "-CAfile",
        p(issuer),
        p(cert),
      ]);
      assert.equal(o.status, 0, o.stderr + o.stdout);
    }
  });

  it("verify fails with the error code: wrong usage, wrong party, untrusted, expired", () => {
    const eku = cli(["--json", "verify", "--trust", p("root/ca.pem"), "--usage", "client", p("gw51/chain.pem")]);
    assert.equal(eku.status, 1);
    assert.equal(eku.json.code, "wrong-usage");
    const party = cli(["verify", "--trust", p("root/ca.pem"), "--party", "prov:440000", p("gw51/chain.pem")]);
    assert.equal(party.status, 1);
    assert.match(party.stdout, /^wrong-party:/);
    ok(["init-ca", "--dir", p("other"), "--name", "test root"]);
    const untrusted = cli(["--json", "verify", "--trust", p("other/ca.pem"), p("gw51/chain.pem")]);
    assert.equal(untrusted.json.code, "untrusted");
    const expired = cli([
      "--json",
      "verify",
      "--trust",
      p("root/ca.pem"),
      "--at",
      "2099-01-01T00:00:00Z",
      p("gw51/chain.pem"),
    ]);
    assert.equal(expired.json.code, "expired");
  });

  it("revokes, publishes a CRL, and verify then refuses the certificate", () => {
    ok(["issue", "--ca", p("ca51"), "--party", "prov:510000/licence", "--out", p("lic"), "--usage", "client"]);
    const crlArgs = (n: string) => ["crl", "--ca", p("ca51"), "--out", p(n)];
    ok(crlArgs("crl-before.pem"));
    ok(["crl", "--ca", p("root"), "--out", p("root-crl.pem")]);
    const verifyArgs = (crl: string) => [
      "--json",
      "verify",
      "--trust",
      p("root/ca.pem"),
      "--crl",
      p(crl),
      "--crl",
      p("root-crl.pem"),
      "--require-crl",
      p("lic/chain.pem"),
    ];
    assert.equal(ok(verifyArgs("crl-before.pem")).json.partyId, "prov:510000/licence");
    ok(["revoke", "--ca", p("ca51"), "--cert", p("lic/cert.pem"), "--reason", "keyCompromise"]);
    const again = cli(["revoke", "--ca", p("ca51"), "--cert", p("lic/cert.pem")]);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /already revoked/);
    ok(crlArgs("crl-after.pem"));
    const [crl] = parseCrlPem(readFileSync(p("crl-after.pem"), "utf8"));
    assert.equal(crl?.crlNumber, 2n);
    assert.equal(crl?.entries[0]?.reason, "keyCompromise");
    const r = cli(verifyArgs("crl-after.pem"));
    assert.equal(r.status, 1);
    assert.equal(r.json.code, "revoked");
    const missing = cli(["--json", "verify", "--trust", p("root/ca.pem"), "--require-crl", p("lic/chain.pem")]);
    assert.equal(missing.json.code, "crl-missing");
    // The same CRL in DER, as `openssl crl -outform DER` writes it, is read too.
    const der = openssl(["crl", "-in", p("crl-after.pem"), "-outform", "DER", "-out", p("crl-after.der")]);
    assert.equal(der.status, 0, der.stderr);
    assert.equal(cli(verifyArgs("crl-after.der")).json.code, "revoked");
    const text = openssl(["crl", "-noout", "-text", "-in", p("crl-after.pem")]);
    assert.equal(text.status, 0);
    assert.match(text.stdout, /Key Compromise/);
  });

  it("issues from a CSR without ever seeing the key, and refuses a CSR for another party", () => {
    ok(["csr", "--party", "rail:cr", "--out", p("rail")]);
    ok(["issue", "--ca", p("ca51"), "--party", "rail:cr", "--csr", p("rail/csr.pem"), "--out", p("rail-cert")]);
    assert.throws(() => statSync(p("rail-cert/key.pem")));
    const [cert] = parseCertificatePem(readFileSync(p("rail-cert/cert.pem"), "utf8"));
    const key = decodeSm2PrivateKeyPem(readFileSync(p("rail/key.pem"), "utf8"));
    assert.deepEqual(cert?.publicKey.point, key.publicKey.point);
    const wrong = cli(["issue", "--ca", p("ca51"), "--party", "air:caac", "--csr", p("rail/csr.pem"), "--out", p("x")]);
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /asks for party rail:cr/);
    const tampered = readFileSync(p("rail/csr.pem"), "utf8").replace(
      /\n(.)(.)/,
      (_m, a: string, b: string) => `\n${b}${a}`,
    );
    writeFileSync(p("bad-csr.pem"), tampered);
    const bad = cli(["issue", "--ca", p("ca51"), "--party", "rail:cr", "--csr", p("bad-csr.pem"), "--out", p("y")]);
    assert.notEqual(bad.status, 0);
  });

  it("encrypts keys with a passphrase OpenSSL accepts, and needs it to use the CA", () => {
    const pass = p("pass.txt");
    writeFileSync(pass, "s3cret passphrase\n");
    ok(["init-ca", "--dir", p("enc"), "--name", "enc root", "--passphrase-file", pass]);
    assert.deepEqual(
      decodePemBlocks(readFileSync(p("enc/ca.key"), "utf8")).map((b) => b.label),
      ["ENCRYPTED PRIVATE KEY"],
    );
    const o = openssl(["pkey", "-in", p("enc/ca.key"), "-passin", "pass:s3cret passphrase", "-noout"]);
    assert.equal(o.status, 0, o.stderr);
    const without = cli(["--json", "issue", "--ca", p("enc"), "--party", "mot", "--out", p("mot")]);
    assert.equal(without.status, 1);
    assert.equal(without.json.code, "bad-passphrase");
    ok(["issue", "--ca", p("enc"), "--party", "mot", "--out", p("mot")], { HUTONG_CA_PASSPHRASE: "s3cret passphrase" });
    const unset = cli(["init-ca", "--dir", p("enc2"), "--name", "x", "--passphrase-env", "HUTONG_TEST_UNSET_VAR"]);
    assert.equal(unset.status, 2);
    assert.match(unset.stderr, /refusing to write the key in clear/);
  });

  it("refuses to overwrite a CA key, bad party ids and unknown options", () => {
    const again = cli(["init-ca", "--dir", p("root"), "--name", "again"]);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /refusing to overwrite/);
    const party = cli(["--json", "issue", "--ca", p("ca51"), "--party", "prov:999999", "--out", p("z")]);
    assert.equal(party.status, 1);
    assert.equal(party.json.code, "wrong-party");
    assert.equal(cli(["issue", "--bogus"]).status, 2);
    // An intermediate with pathLen 0 may not issue CAs.
    const sub = cli(["issue-ca", "--ca", p("ca51"), "--dir", p("sub"), "--name", "sub"]);
    assert.equal(sub.status, 2);
    assert.match(sub.stderr, /pathLen 0/);
  });

  it("shows certificates, CSRs and CRLs as text and JSON", () => {
    const text = ok(["show", p("gw51/cert.pem")]).stdout;
    assert.match(text, /partyId: prov:510000/);
    assert.match(text, /extKeyUsage: serverAuth/);
    const j = ok(["--json", "show", p("ca51/ca.pem")]).json;
    assert.equal(j.type, "certificate");
    assert.deepEqual((j.extensions as { basicConstraints: unknown }).basicConstraints, {
      ca: true,
      pathLen: 0,
      critical: true,
    });
    assert.equal(ok(["--json", "show", p("rail/csr.pem")]).json.partyId, "rail:cr");
    assert.equal(ok(["--json", "show", p("crl-after.pem")]).json.type, "crl");
    const garbage = cli(["show", p("pass.txt")]);
    assert.equal(garbage.status, 2);
  });

  it("cleans up", () => dir[Symbol.dispose]());
});
