import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { oids } from "../asn1/oids.js";
import { generateSm2PrivateKey } from "../crypto/sm2-key.js";
import { sm2Verify } from "../crypto/sm2-signature.js";
import {
  type Certificate,
  certificateToPem,
  createCertificate,
  parseCertificatePem,
  verifyCertificateSignature,
} from "./certificate.js";
import { createCrl, crlToPem, parseCrlPem, verifyCrlSignature } from "./crl.js";
import { createCsr, csrToPem, parseCsrPem, verifyCsrSignature } from "./csr.js";
import { formatName } from "./name.js";

/**
 * Interop with the OpenSSL 3.0 CLI, both directions. OpenSSL 3.0 signs and
 * verifies SM2 with an EMPTY user id unless told `distid:1234567812345678`
 * (-sigopt / -vfyopt / -pkeyopt), and some commands cannot be told at all:
 * `openssl crl -verify` and the CRL check of `openssl verify -crl_check` always
 * use the empty id, and `openssl verify` never checks a trust anchor's own
 * signature with the distid. Those signatures are checked here with
 * `openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:…` over the tbs
 * bytes, cut out of the DER at the offsets `openssl asn1parse` reports.
 */

const distid = "distid:1234567812345678";
const sign = ["-sm3", "-sigopt", distid];
const dir = mkdtempSync(join(tmpdir(), "hutong-x509-openssl-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function openssl(args: readonly string[]): { status: number | null; out: string } {
  const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (r.error !== undefined) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function ok(args: readonly string[]): string {
  const r = openssl(args);
  assert.equal(r.status, 0, `openssl ${args.join(" ")}\n${r.out}`);
  return r.out;
}

function file(name: string, content: string | Uint8Array): string {
  writeFileSync(join(dir, name), content);
  return name;
}

/** OpenSSL's own check of an SM2-with-SM3 signature of a certificate, CSR or CRL (DER) under the standard id. */
function opensslChecksSignature(name: string, der: Uint8Array, publicKeyPem: string): boolean {
  const rows = ok(["asn1parse", "-inform", "DER", "-in", file(`${name}.der`, der)])
    .split("\n")
    .map((line) => /^\s*(\d+):d=(\d+)\s+hl=(\d+)\s+l=\s*(\d+)\s+(?:prim|cons):\s*(.*?)\s*$/.exec(line))
    .filter((m) => m !== null && m[2] === "1")
    .map((m) => ({ offset: Number(m?.[1]), hl: Number(m?.[3]), len: Number(m?.[4]), type: m?.[5] ?? "" }));
  const tbs = rows[0];
  const sig = rows[rows.length - 1];
  assert.ok(tbs !== undefined && sig !== undefined && sig.type === "BIT STRING", "signed object layout");
  file(`${name}.tbs`, der.subarray(tbs.offset, tbs.offset + tbs.hl + tbs.len));
  // skip the BIT STRING's unused-bits byte
  file(`${name}.sig`, der.subarray(sig.offset + sig.hl + 1, sig.offset + sig.hl + sig.len));
  const args = [
    "pkeyutl",
    "-verify",
    "-pubin",
    "-inkey",
    file(`${name}.pub.pem`, publicKeyPem),
    "-rawin",
    "-digest",
    "sm3",
  ];
  const r = openssl([...args, "-in", `${name}.tbs`, "-sigfile", `${name}.sig`, "-pkeyopt", distid]);
  return r.status === 0 && r.out.includes("Signature Verified Successfully");
}

function certPublicKeyPem(certFile: string): string {
  return ok(["x509", "-in", certFile, "-pubkey", "-noout"]);
}

function verifyLink(
  certFile: string,
  issuerFile: string,
  extra: readonly string[] = [],
): { status: number | null; out: string } {
  return openssl(["verify", ...extra, "-partial_chain", "-CAfile", issuerFile, certFile]);
}

const now = Math.floor(Date.now() / 1000) * 1000;
const notBefore = new Date(now - 3600_000);
const notAfter = new Date(now + 30 * 86400_000);

describe("OpenSSL reads and verifies what we write", () => {
  const rootKey = generateSm2PrivateKey();
  const root = createCertificate({
    subject: { commonName: "Hutong Root CA", organization: "Ministry of Transport", country: "CN" },
    publicKey: rootKey.publicKey,
    selfSignKey: rootKey,
    notBefore,
    notAfter,
    ca: { pathLen: 1 },
  });
  const caKey = generateSm2PrivateKey();
  const ca = createCertificate({
    subject: { commonName: "Sichuan CA", organization: "四川省交通运输厅", country: "CN" },
    publicKey: caKey.publicKey,
    issuer: { certificate: root, privateKey: rootKey },
    notBefore,
    notAfter,
    ca: { pathLen: 0 },
  });
  const leafKey = generateSm2PrivateKey();
  const leaf = createCertificate({
    subject: { commonName: "gateway.sc", organization: "Sichuan DoT", country: "CN" },
    publicKey: leafKey.publicKey,
    issuer: { certificate: ca, privateKey: caKey },
    notBefore,
    notAfter,
    extKeyUsage: ["clientAuth", "serverAuth"],
    partyId: "prov:510000",
    dnsNames: ["gw.sc.example.cn"],
  });
  const files = {
    root: file("root.pem", certificateToPem(root)),
    ca: file("ca.pem", certificateToPem(ca)),
    leaf: file("leaf.pem", certificateToPem(leaf)),
  };
  const ski = (c: Certificate) =>
    Buffer.from(c.extensions.subjectKeyId ?? new Uint8Array())
      .toString("hex")
      .toUpperCase()
      .replace(/(..)(?!$)/g, "$1:");

  it("x509 -text shows the profile's extensions", () => {
    const rootText = ok(["x509", "-in", files.root, "-noout", "-text"]);
    assert.match(rootText, /Signature Algorithm: SM2-with-SM3/);
    assert.match(rootText, /X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:1/);
    assert.match(rootText, /X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    assert.match(rootText, /ASN1 OID: SM2/);
    assert.ok(rootText.includes(`X509v3 Subject Key Identifier: \n                ${ski(root)}`), rootText);
    const caText = ok(["x509", "-in", files.ca, "-noout", "-text", "-nameopt", "utf8,sep_comma_plus_space"]);
    assert.match(caText, /CA:TRUE, pathlen:0/);
    assert.match(caText, /Subject: C=CN, O=四川省交通运输厅, CN=Sichuan CA/);
    assert.ok(caText.includes(`X509v3 Authority Key Identifier: \n                ${ski(root)}`), caText);
    const leafText = ok(["x509", "-in", files.leaf, "-noout", "-text"]);
    assert.match(leafText, /X509v3 Basic Constraints: critical\s+CA:FALSE/);
    assert.match(leafText, /X509v3 Key Usage: critical\s+Digital Signature\n/);
    assert.match(leafText, /TLS Web Client Authentication, TLS Web Server Authentication/);
    assert.match(leafText, /DNS:gw.sc.example.cn, URI:urn:hutong:party:prov:510000/);
    assert.match(ok(["x509", "-in", files.leaf, "-noout", "-serial"]), new RegExp(`serial=${leaf.serialHex}`, "i"));
  });

  it("openssl verify accepts each link with the standard distid, and only with it", () => {
    for (const [cert, issuer] of [
      [files.root, files.root],
      [files.ca, files.root],
      [files.leaf, files.ca],
    ] as const) {
      const r = verifyLink(cert, issuer, ["-vfyopt", distid]);
      assert.equal(r.status, 0, r.out);
      assert.match(r.out, new RegExp(`${cert}: OK`));
    }
    // Without the distid OpenSSL 3.0 uses an empty id, so a correct GM/T signature fails.
    assert.notEqual(verifyLink(files.leaf, files.ca).status, 0);
    // The wrong issuer fails too.
    assert.notEqual(verifyLink(files.leaf, files.root, ["-vfyopt", distid]).status, 0);
  });

  it("OpenSSL's raw SM2 verify accepts every signature, the roots' self-signature included", () => {
    assert.equal(opensslChecksSignature("root", root.der, certPublicKeyPem(files.root)), true);
    assert.equal(opensslChecksSignature("ca", ca.der, certPublicKeyPem(files.root)), true);
    assert.equal(opensslChecksSignature("leaf", leaf.der, certPublicKeyPem(files.ca)), true);
    assert.equal(opensslChecksSignature("leaf-wrong", leaf.der, certPublicKeyPem(files.root)), false);
  });

  it("openssl req reads and verifies our CSR", () => {
    const csr = createCsr({
      subject: { commonName: "gateway.sc", country: "CN" },
      privateKey: leafKey,
      partyId: "rail:cr",
      extKeyUsage: ["clientAuth"],
    });
    const name = file("our.csr", csrToPem(csr));
    const out = ok(["req", "-in", name, "-noout", "-text", "-verify", "-vfyopt", distid]);
    assert.match(out, /Certificate request self-signature verify OK/);
    assert.match(out, /Requested Extensions:/);
    assert.match(out, /URI:urn:hutong:party:rail:cr/);
    assert.match(out, /TLS Web Client Authentication/);
    // Without the distid OpenSSL uses the empty id; `req -verify` then says so, but still exits 0.
    assert.match(openssl(["req", "-in", name, "-noout", "-verify"]).out, /self-signature verify failure/);
    const pub = ok(["req", "-in", name, "-pubkey", "-noout"]);
    assert.equal(opensslChecksSignature("csr", csr.der, pub), true);
  });

  it("openssl crl reads our CRL; its signature checks under the standard id", () => {
    const crl = createCrl({
      issuer: ca,
      issuerKey: caKey,
      thisUpdate: notBefore,
      nextUpdate: notAfter,
      crlNumber: 0x1234n,
      entries: [
        { serialHex: leaf.serialHex, revocationDate: notBefore, reason: "keyCompromise" },
        { serialHex: "0a", revocationDate: notBefore, reason: "cACompromise" },
        { serialHex: "0b", revocationDate: notBefore, reason: "certificateHold" },
        { serialHex: "0c", revocationDate: notBefore, reason: "aACompromise" },
        { serialHex: "0d", revocationDate: notBefore },
      ],
    });
    const name = file("our.crl", crlToPem(crl));
    const out = ok(["crl", "-in", name, "-noout", "-text"]);
    assert.match(out, /Version 2 \(0x1\)/);
    assert.match(out, /X509v3 CRL Number: \n\s+4660/);
    assert.match(
      out,
      new RegExp(
        `Serial Number: ${leaf.serialHex.toUpperCase()}\\s+Revocation Date: .*\\s+CRL entry extensions:\\s+X509v3 CRL Reason Code: \\n\\s+Key Compromise`,
      ),
    );
    for (const reason of ["CA Compromise", "Certificate Hold", "AA Compromise"])
      assert.ok(out.includes(reason), reason);
    assert.ok(out.includes(`X509v3 Authority Key Identifier: \n                ${ski(ca)}`), out);
    // `openssl crl -verify` has no distid option and uses the empty id: it reports failure (with exit status 0).
    assert.match(ok(["crl", "-in", name, "-noout", "-verify", "-CAfile", files.ca]), /verify failure/);
    assert.equal(opensslChecksSignature("crl", crl.der, certPublicKeyPem(files.ca)), true);
    assert.equal(opensslChecksSignature("crl-wrong", crl.der, certPublicKeyPem(files.root)), false);
  });
});

describe("we read and verify what OpenSSL writes", () => {
  // Build the OpenSSL chain once; a failure here fails every test of the suite.
  before(() => {
    const gen = (name: string) =>
      ok(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2", "-out", name]);
    for (const k of ["o-root.key", "o-ca.key", "o-leaf.key"]) gen(k);
    file(
      "o-root.cnf",
      [
        "[req]",
        "distinguished_name = dn",
        "prompt = no",
        "[dn]",
        "C = CN",
        "O = OpenSSL Test",
        "CN = OpenSSL SM2 Root",
        "[v3_root]",
        "basicConstraints = critical,CA:TRUE,pathlen:1",
        "keyUsage = critical,keyCertSign,cRLSign",
        "subjectKeyIdentifier = hash",
        "",
      ].join("\n"),
    );
    ok([
      "req",
      "-new",
      "-x509",
      "-config",
      "o-root.cnf",
      "-extensions",
      "v3_root",
      "-key",
      "o-root.key",
      ...sign,
      "-days",
      "30",
      "-out",
      "o-root.pem",
    ]);
    file(
      "o-ca.ext",
      "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    );
    file(
      "o-leaf.ext",
      "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth,serverAuth\nsubjectAltName=URI:urn:hutong:party:prov:510000,DNS:gw.example.cn\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    );
    ok([
      "req",
      "-new",
      "-key",
      "o-ca.key",
      ...sign,
      "-subj",
      "/C=CN/O=OpenSSL Test/CN=OpenSSL SM2 CA",
      "-out",
      "o-ca.csr",
    ]);
    ok([
      "x509",
      "-req",
      "-in",
      "o-ca.csr",
      "-CA",
      "o-root.pem",
      "-CAkey",
      "o-root.key",
      ...sign,
      "-vfyopt",
      distid,
      "-extfile",
      "o-ca.ext",
      "-set_serial",
      "0x0123456789abcdef",
      "-days",
      "30",
      "-out",
      "o-ca.pem",
    ]);
    ok([
      "req",
      "-new",
      "-key",
      "o-leaf.key",
      ...sign,
      "-subj",
      "/C=CN/O=Sichuan/CN=gw",
      "-addext",
      "subjectAltName=URI:urn:hutong:party:prov:510000",
      "-addext",
      "extendedKeyUsage=clientAuth",
      "-out",
      "o-leaf.csr",
    ]);
    ok([
      "x509",
      "-req",
      "-in",
      "o-leaf.csr",
      "-CA",
      "o-ca.pem",
      "-CAkey",
      "o-ca.key",
      ...sign,
      "-vfyopt",
      distid,
      "-extfile",
      "o-leaf.ext",
      "-set_serial",
      "0x00ff01",
      "-days",
      "30",
      "-out",
      "o-leaf.pem",
    ]);
  });
  const read = (name: string) => readFileSync(join(dir, name), "utf8");

  it("parses an OpenSSL chain with all the profile's fields", () => {
    const [root] = parseCertificatePem(read("o-root.pem"));
    const [ca] = parseCertificatePem(read("o-ca.pem"));
    const [leaf] = parseCertificatePem(read("o-leaf.pem"));
    assert.ok(root !== undefined && ca !== undefined && leaf !== undefined);
    assert.equal(formatName(root.subject), "C=CN, O=OpenSSL Test, CN=OpenSSL SM2 Root");
    assert.equal(formatName(leaf.issuer), "C=CN, O=OpenSSL Test, CN=OpenSSL SM2 CA");
    assert.equal(root.version, 3);
    assert.deepEqual(root.extensions.basicConstraints, { ca: true, pathLen: 1, critical: true });
    assert.deepEqual(ca.extensions.basicConstraints, { ca: true, pathLen: 0, critical: true });
    assert.deepEqual([...(ca.extensions.keyUsage?.usages ?? [])].sort(), ["cRLSign", "keyCertSign"]);
    assert.deepEqual(leaf.extensions.basicConstraints, { ca: false, critical: true });
    assert.deepEqual([...(leaf.extensions.keyUsage?.usages ?? [])], ["digitalSignature"]);
    assert.deepEqual(leaf.extensions.extKeyUsage?.oids, [oids.clientAuth, oids.serverAuth]);
    assert.deepEqual(leaf.extensions.subjectAltName?.dnsNames, ["gw.example.cn"]);
    assert.equal(leaf.partyId, "prov:510000");
    assert.equal(ca.serialHex, "0123456789abcdef");
    assert.equal(leaf.serialHex, "ff01");
    assert.deepEqual(leaf.extensions.authorityKeyId, ca.extensions.subjectKeyId);
    assert.deepEqual(ca.extensions.authorityKeyId, root.extensions.subjectKeyId);
    assert.deepEqual(leaf.extensions.unknownCritical, []);
  });

  it("verifyCertificateSignature accepts OpenSSL's signatures link by link, and rejects wrong keys", () => {
    const [root] = parseCertificatePem(read("o-root.pem"));
    const [ca] = parseCertificatePem(read("o-ca.pem"));
    const [leaf] = parseCertificatePem(read("o-leaf.pem"));
    assert.ok(root !== undefined && ca !== undefined && leaf !== undefined);
    assert.equal(verifyCertificateSignature(root, root.publicKey), true);
    assert.equal(verifyCertificateSignature(ca, root.publicKey), true);
    assert.equal(verifyCertificateSignature(leaf, ca.publicKey), true);
    assert.equal(verifyCertificateSignature(leaf, root.publicKey), false);
    assert.equal(verifyCertificateSignature(ca, ca.publicKey), false);
  });

  it("parses and verifies OpenSSL CSRs; without -sigopt distid OpenSSL signs with the empty id", () => {
    const [csr] = parseCsrPem(read("o-leaf.csr"));
    assert.ok(csr !== undefined);
    assert.equal(formatName(csr.subject), "C=CN, O=Sichuan, CN=gw");
    assert.equal(csr.partyId, "prov:510000");
    assert.deepEqual(csr.requestedExtKeyUsage, [oids.clientAuth]);
    assert.equal(verifyCsrSignature(csr), true);

    ok(["req", "-new", "-key", "o-leaf.key", "-sm3", "-subj", "/CN=no-distid", "-out", "o-plain.csr"]);
    const [plain] = parseCsrPem(read("o-plain.csr"));
    assert.ok(plain !== undefined);
    assert.equal(verifyCsrSignature(plain), false);
    assert.equal(sm2Verify(plain.publicKey, plain.tbsDer, plain.signature, { id: "" }), true);
  });

  it("parses and verifies a CRL from `openssl ca -gencrl -sigopt distid:…`", () => {
    file("index.txt", "");
    file("crlnumber", "1000\n");
    file(
      "o-ca.cnf",
      "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sm3\ndefault_crl_days = 7\ncrl_extensions = e\n[e]\nauthorityKeyIdentifier = keyid:always\n",
    );
    const caArgs = ["-config", "o-ca.cnf", "-keyfile", "o-ca.key", "-cert", "o-ca.pem"];
    ok(["ca", ...caArgs, "-revoke", "o-leaf.pem", "-crl_reason", "keyCompromise"]);
    ok(["ca", ...caArgs, "-gencrl", "-sigopt", distid, "-out", "o.crl"]);
    const [crl] = parseCrlPem(read("o.crl"));
    const [ca] = parseCertificatePem(read("o-ca.pem"));
    assert.ok(crl !== undefined && ca !== undefined);
    assert.equal(crl.crlNumber, 0x1000n);
    assert.deepEqual(crl.authorityKeyId, ca.extensions.subjectKeyId);
    assert.equal(crl.revoked.get("ff01")?.reason, "keyCompromise");
    assert.equal(verifyCrlSignature(crl, ca.publicKey), true);
  });
});
