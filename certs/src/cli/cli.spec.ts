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
import { keyedSubjectDigest, subjectUriFor, unifiedSocialCreditCodeIdType } from "../x509/holder-subject.js";

const entry = fileURLToPath(new URL("./bin.ts", import.meta.url));

interface Run {
  status: number;
  stdout: string;
  stderr: string;
  json: Record<string, unknown>;
}

function cli(args: string[], env: Record<string, string> = {}, input?: string): Run {
  const r = spawnSync(process.execPath, ["--import", "tsx", entry, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    ...(input === undefined ? {} : { input }),
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

function ok(args: string[], env?: Record<string, string>, input?: string): Run {
  const r = cli(args, env, input);
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
    for (const cmd of [
      "init-ca",
      "issue-ca",
      "issue",
      "issue-holder",
      "issue-enterprise",
      "csr",
      "revoke",
      "crl",
      "verify",
      "show",
    ]) {
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

  describe("holder certificates (docs/grants.md §2)", () => {
    const subjectKey = Buffer.from("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "hex");
    const idNo = "11010519491231002x";
    const uscc = "91510100MA6CGUAB32";
    const personUri = subjectUriFor(keyedSubjectDigest(subjectKey, 201, idNo));
    const enterpriseUri = subjectUriFor(keyedSubjectDigest(subjectKey, unifiedSocialCreditCodeIdType, uscc));
    const holderArgs = (cmd: string, out: string, ca = "holder-ca") => [
      cmd,
      "--ca",
      p(ca),
      "--subject-key",
      p("subject-key.hex"),
      "--out",
      p(out),
    ];
    /** Every file a command wrote or touched, and what it printed, must not hold the number in clear. */
    const assertNowhere = (secret: string, run: Run, ...files: string[]) => {
      const needles = [secret, secret.toUpperCase()];
      for (const text of [run.stdout, run.stderr, ...files.map((f) => readFileSync(p(f), "latin1"))]) {
        for (const n of needles) assert.ok(!text.includes(n), `the ID number appears in ${text.slice(0, 80)}…`);
      }
      for (const f of files.filter((name) => name.endsWith(".pem"))) {
        for (const block of decodePemBlocks(readFileSync(p(f), "utf8"))) {
          for (const n of needles) assert.ok(!Buffer.from(block.der).includes(Buffer.from(n)), `${n} in ${f}`);
        }
      }
    };

    before(() => {
      writeFileSync(p("subject-key.hex"), `${subjectKey.toString("hex")}\n`);
      writeFileSync(p("id-no.txt"), `${idNo}\n`);
      const r = ok(["--json", "init-ca", "--holder", "--dir", p("holder-ca"), "--name", "wallet holder CA"]);
      assert.equal(r.json.kind, "holder");
    });

    it("issues a person's certificate naming the keyed digest of id type and number, and the number nowhere", () => {
      const r = ok(["--json", ...holderArgs("issue-holder", "alice"), "--id-no-file", p("id-no.txt")]);
      assert.equal(r.json.subjectUri, personUri);
      assert.equal(r.json.idType, 201);
      const [leaf] = parseCertificatePem(readFileSync(p("alice/cert.pem"), "utf8"));
      assert.deepEqual(leaf?.extensions.subjectAltName?.uris, [personUri]);
      assert.equal(leaf?.partyId, undefined);
      assert.equal(leaf?.extensions.basicConstraints?.ca, false);
      assert.ok(leaf?.extensions.keyUsage?.usages.has("digitalSignature"));
      assert.equal(statSync(p("alice/key.pem")).mode & 0o777, 0o600);
      // Signed by the holder root: chain.pem is the leaf alone (the anchor is not sent).
      assert.equal(parseCertificatePem(readFileSync(p("alice/chain.pem"), "utf8")).length, 1);
      assertNowhere(idNo, r, "alice/cert.pem", "alice/chain.pem", "holder-ca/db.json");
      const v = ok(["verify", "--holder", "--trust", p("holder-ca/ca.pem"), p("alice/chain.pem")]);
      assert.equal(v.stdout.trim(), personUri);
      // As a party certificate it is refused: it names none.
      const party = cli(["--json", "verify", "--trust", p("holder-ca/ca.pem"), p("alice/chain.pem")]);
      assert.equal(party.json.code, "wrong-party");
    });

    it("reads the number from stdin or the environment: one person, one digest, however it is typed", () => {
      const stdin = ok(["--json", ...holderArgs("issue-holder", "alice-stdin"), "--id-no-file", "-"], {}, ` ${idNo}\n`);
      assert.equal(stdin.json.subjectUri, personUri);
      const env = ok(["--json", ...holderArgs("issue-holder", "alice-env"), "--id-no-env", "HOLDER_ID_NO"], {
        HOLDER_ID_NO: idNo.toUpperCase(),
      });
      assert.equal(env.json.subjectUri, personUri);
      assertNowhere(idNo, stdin);
      assertNowhere(idNo, env);
      const passport = ok(
        ["--json", ...holderArgs("issue-holder", "alice-passport"), "--id-type", "227", "--id-no-env", "HOLDER_ID_NO"],
        { HOLDER_ID_NO: idNo },
      );
      assert.notEqual(passport.json.subjectUri, personUri, "another document type, another subject");
    });

    it("issues an enterprise's certificate from its credit code", () => {
      const r = ok(["--json", ...holderArgs("issue-enterprise", "acme"), "--uscc", uscc.toLowerCase()]);
      assert.equal(r.json.subjectUri, enterpriseUri);
      assert.equal(r.json.idType, unifiedSocialCreditCodeIdType);
      const [leaf] = parseCertificatePem(readFileSync(p("acme/cert.pem"), "utf8"));
      assert.deepEqual(leaf?.extensions.subjectAltName?.uris, [enterpriseUri]);
      assert.equal(
        ok(["verify", "--holder", "--trust", p("holder-ca/ca.pem"), p("acme/chain.pem")]).stdout.trim(),
        enterpriseUri,
      );
      const bad = cli([...holderArgs("issue-enterprise", "bad"), "--uscc", "91510100MA6CGUAB3I"]);
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /GB 32100/);
    });

    it("keeps holder and federation CAs apart", () => {
      const federation = cli([...holderArgs("issue-holder", "x", "ca51"), "--id-no-file", p("id-no.txt")]);
      assert.equal(federation.status, 2);
      assert.match(federation.stderr, /not a holder CA/);
      const party = cli(["issue", "--ca", p("holder-ca"), "--party", "prov:510000", "--out", p("y")]);
      assert.equal(party.status, 2);
      assert.match(party.stderr, /is a holder CA/);
      // An intermediate of a holder CA is a holder CA too; its certificates chain through it.
      ok(["issue-ca", "--ca", p("holder-ca"), "--dir", p("holder-sub"), "--name", "wallet issuing CA"]);
      ok([...holderArgs("issue-enterprise", "acme-sub", "holder-sub"), "--uscc", uscc]);
      assert.equal(parseCertificatePem(readFileSync(p("acme-sub/chain.pem"), "utf8")).length, 2);
      ok(["verify", "--holder", "--trust", p("holder-ca/ca.pem"), p("acme-sub/chain.pem")]);
    });

    it("refuses a number on the command line, a missing or doubled source, and a bad number, without repeating it", () => {
      assert.equal(cli([...holderArgs("issue-holder", "z"), "--id-no", idNo]).status, 2);
      const none = cli(holderArgs("issue-holder", "z"));
      assert.equal(none.status, 2);
      assert.match(none.stderr, /exactly one of --id-no-file/);
      const both = cli([...holderArgs("issue-holder", "z"), "--id-no-file", p("id-no.txt"), "--id-no-env", "X"]);
      assert.equal(both.status, 2);
      const fullWidth = "１１０１０５１９４９１２３１００２Ｘ";
      const bad = cli([...holderArgs("issue-holder", "z"), "--id-no-env", "HOLDER_ID_NO"], { HOLDER_ID_NO: fullWidth });
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /printable ASCII/);
      assertNowhere(fullWidth, bad);
      const type = cli([...holderArgs("issue-holder", "z"), "--id-type", "32100", "--id-no-file", p("id-no.txt")]);
      assert.equal(type.status, 2);
      assert.match(type.stderr, /3-digit/);
      writeFileSync(p("short-key.hex"), "00ff\n");
      const key = cli([
        "issue-holder",
        "--ca",
        p("holder-ca"),
        "--subject-key",
        p("short-key.hex"),
        "--out",
        p("z"),
        "--id-no-file",
        p("id-no.txt"),
      ]);
      assert.equal(key.status, 2);
      assert.match(key.stderr, /64 hex digits/);
    });
  });

  it("cleans up", () => dir[Symbol.dispose]());
});
