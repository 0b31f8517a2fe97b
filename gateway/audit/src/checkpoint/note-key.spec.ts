import assert from "node:assert/strict";
import { createPrivateKey, sign as nodeSign } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  createCertificate,
  encodeSm2PrivateKeyPem,
  encodeSm2PublicKeyPem,
  generateSm2PrivateKey,
  parseCertificate,
  sm2SignatureDerToRaw,
  sm2SignatureRawToDer,
} from "@hutong/certs";
import { isCheckpointError } from "./checkpoint-error.js";
import {
  createNoteSigner,
  createNoteVerifier,
  formatVerifierKey,
  noteVerifierFromCertificate,
  noteVerifierFromPublicKey,
  parseSm2VerifierKey,
  parseVerifierKey,
  sm2CosignatureKeyIdentifier,
  sm2NoteKeyId,
  sm2NoteKeyIdentifier,
} from "./note-key.js";
import { formatNote, parseNote, signNote, verifyNote } from "./signed-note.js";
import { logKey, logOrigin, opensslDir, otherKey, utf8 } from "./testing-fixtures.js";

const throwsCode = (fn: () => unknown, code: string) =>
  assert.throws(fn, (e: unknown) => isCheckpointError(e) && e.code === code);

// Pinned, and cross-checked once with Python's hashlib: SHA-256(name || 0x0a || 0xff || "sm2-sm3/v1" || point)[:4].
const logVkey =
  "hutong.example/audit/prov:510000/sm3+04af15ea+/3NtMi1zbTMvdjEEKdpeiJaciW519Pfeu28V1G6G9WKdK4yP4wOki3jGPvLLfQ/4otc7nI7hhr0GrOcfh2H12Eb1a32QNpWwceJjsw==";
// The Ed25519 vkey example quoted from c2sp.org/signed-note.
const c2spVkey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";

function replaceBlob(vkey: string, edit: (blob: Buffer) => Buffer, keepId = true): string {
  const v = parseVerifierKey(vkey);
  const blob = edit(Buffer.concat([Buffer.from([v.signatureType]), v.key]));
  const id = keepId ? v.keyId.toString(16).padStart(8, "0") : "00000000";
  return `${v.name}+${id}+${blob.toString("base64")}`;
}

describe("SM2 note keys", () => {
  it("formats the verifier key of a fixed key exactly (pinned key id and encoding)", () => {
    assert.equal(formatVerifierKey(logOrigin, logKey.publicKey), logVkey);
    assert.equal(sm2NoteKeyId(logOrigin, sm2NoteKeyIdentifier, logKey.publicKey), 0x04af15ea);
    const blob = Buffer.from(logVkey.split("+")[2] as string, "base64");
    assert.equal(blob[0], 0xff);
    assert.equal(blob.subarray(1, 11).toString(), "sm2-sm3/v1");
    assert.deepEqual(new Uint8Array(blob.subarray(11)), logKey.publicKey.point);
  });

  it("parses its own verifier keys back, for both identifiers", () => {
    for (const identifier of [sm2NoteKeyIdentifier, sm2CosignatureKeyIdentifier] as const) {
      const parsed = parseSm2VerifierKey(formatVerifierKey("n.example/k", otherKey.publicKey, identifier));
      assert.equal(parsed.name, "n.example/k");
      assert.equal(parsed.identifier, identifier);
      assert.equal(parsed.keyId, sm2NoteKeyId("n.example/k", identifier, otherKey.publicKey));
      assert.deepEqual(parsed.publicKey.point, otherKey.publicKey.point);
    }
    // Same key and name, two identifiers: two key ids, so the two kinds are never confused.
    assert.notEqual(
      sm2NoteKeyId("n.example/k", sm2NoteKeyIdentifier, otherKey.publicKey),
      sm2NoteKeyId("n.example/k", sm2CosignatureKeyIdentifier, otherKey.publicKey),
    );
  });

  it("reads the C2SP Ed25519 example's name, key id and type, and reports the type as unsupported", () => {
    const v = parseVerifierKey(c2spVkey);
    assert.equal(v.name, "example.com/foo");
    assert.equal(v.keyId, 0x530d903a);
    assert.equal(v.signatureType, 0x01);
    assert.equal(v.key.length, 32);
    throwsCode(() => createNoteVerifier(c2spVkey), "unsupported-key-type");
    throwsCode(
      () => parseSm2VerifierKey("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
      "unsupported-key-type",
    );
  });

  const malformed: Array<[string, string]> = [
    ["no '+' at all", "hutong.example"],
    ["only one '+'", "name+04af15ea"],
    ["empty name", logVkey.slice(logVkey.indexOf("+"))],
    ["a space in the name", logVkey.replace("hutong.example", "hutong example")],
    ["uppercase hex key id", logVkey.replace("+04af15ea+", "+04AF15EA+")],
    ["seven hex digits", logVkey.replace("+04af15ea+", "+4af15ea+")],
    ["non-canonical base64", logVkey.replace(/==$/, "")],
    ["empty key", "name+04af15ea+"],
    ["a key id that does not match", logVkey.replace("+04af15ea+", "+04af15eb+")],
    [
      "a point not on the curve",
      replaceBlob(logVkey, (b) => Buffer.concat([b.subarray(0, -1), Buffer.from([(b.at(-1) ?? 0) ^ 1])])),
    ],
    [
      "a compressed point",
      replaceBlob(logVkey, (b) => Buffer.concat([b.subarray(0, 11), Buffer.from([0x02]), b.subarray(12, 44)])),
    ],
    ["a trailing byte after the point", replaceBlob(logVkey, (b) => Buffer.concat([b, Buffer.from([0])]))],
    ["a truncated point", replaceBlob(logVkey, (b) => b.subarray(0, -1))],
  ];
  for (const [what, text] of malformed) {
    it(`rejects a verifier key with ${what}`, () => throwsCode(() => createNoteVerifier(text), "malformed-key"));
  }

  it("reports an unknown 0xff identifier, and a cosignature key given as a note key, as unsupported", () => {
    const other = replaceBlob(logVkey, (b) =>
      Buffer.concat([b.subarray(0, 1), Buffer.from("sm2-sm3/v2"), b.subarray(11)]),
    );
    throwsCode(() => createNoteVerifier(other), "unsupported-key-type");
    const cosigner = formatVerifierKey("w.example", otherKey.publicKey, sm2CosignatureKeyIdentifier);
    throwsCode(() => createNoteVerifier(cosigner), "unsupported-key-type");
  });

  it("signs notes that its verifier (from vkey, public key or certificate) accepts", () => {
    const signer = createNoteSigner(logOrigin, logKey);
    assert.equal(signer.keyId, 0x04af15ea);
    const note = signNote("checkpoint-like\n", [signer]);
    const sig = parseNote(note).signatures[0];
    assert.equal(sig?.signature.length, 64, "raw r||s, fixed length");
    const cert = createCertificate({
      subject: { commonName: "audit log prov:510000" },
      publicKey: logKey.publicKey,
      selfSignKey: logKey,
      notBefore: new Date("2026-01-01T00:00:00Z"),
      notAfter: new Date("2036-01-01T00:00:00Z"),
    });
    for (const verifier of [
      createNoteVerifier(logVkey),
      noteVerifierFromPublicKey(logOrigin, logKey.publicKey),
      noteVerifierFromCertificate(logOrigin, parseCertificate(cert.der)),
    ]) {
      assert.equal(verifier.keyId, signer.keyId);
      assert.equal(verifyNote(note, [verifier]).verified.length, 1);
    }
    // Another key's certificate under the same name has another key id: the signature is not its to verify.
    throwsCode(() => verifyNote(note, [noteVerifierFromPublicKey(logOrigin, otherKey.publicKey)]), "unverified");
  });

  it("rejects bad key names and refuses to sign cosignature messages", () => {
    throwsCode(() => createNoteSigner("a b", logKey), "invalid-argument");
    throwsCode(() => createNoteSigner("a+b", logKey), "invalid-argument");
    throwsCode(() => noteVerifierFromPublicKey("", logKey.publicKey), "invalid-argument");
    throwsCode(() => formatVerifierKey("a\tb", logKey.publicKey), "invalid-argument");
    const signer = createNoteSigner("w.example", logKey);
    throwsCode(() => signer.sign(utf8("cosignature/v1\ntime 1\nx\n1\nAA==\n")), "invalid-argument");
    assert.equal(signer.sign(utf8("cosignature/v2\n")).length, 64);
  });

  it("verifiers return false (no throw) for signatures of the wrong length or out of range", () => {
    const v = noteVerifierFromPublicKey(logOrigin, logKey.publicKey);
    const text = utf8("x\n");
    assert.equal(v.verify(text, new Uint8Array(63)), false);
    assert.equal(v.verify(text, new Uint8Array(65)), false);
    assert.equal(v.verify(text, new Uint8Array(64)), false);
    assert.equal(v.verify(text, new Uint8Array(64).fill(0xff)), false);
  });
});

describe("SM2 note signatures interoperate with OpenSSL (distid 1234567812345678)", () => {
  const common = ["-digest", "sm3", "-pkeyopt", "distid:1234567812345678", "-rawin"];

  it("OpenSSL verifies our note signature (raw r||s converted to DER), and not under another id", () => {
    using dir = opensslDir();
    const key = generateSm2PrivateKey();
    const note = signNote("hutong.example/audit/prov:440000/sm3\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", [
      createNoteSigner("hutong.example/audit/prov:440000/sm3", key),
    ]);
    const parsed = parseNote(note);
    const sig = parsed.signatures[0]?.signature as Uint8Array;
    dir.file("pub.pem", encodeSm2PublicKeyPem(key.publicKey));
    dir.file("msg", utf8(parsed.text));
    dir.file("sig.der", sm2SignatureRawToDer(sig));
    const args = ["pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-in", "msg", "-sigfile", "sig.der"];
    const ok = dir.run([...args, ...common]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /Signature Verified Successfully/);
    const wrongId = dir.run([...args, ...common.map((a) => a.replace("5678", "5679"))]);
    assert.notEqual(wrongId.status, 0);
  });

  it("our verifier accepts OpenSSL's signature (DER converted to raw r||s) in a note line", () => {
    using dir = opensslDir();
    const key = generateSm2PrivateKey();
    const text = "hutong.example/audit/prov:440000/sm3\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
    dir.file("key.pem", encodeSm2PrivateKeyPem(key));
    dir.file("msg", utf8(text));
    const r = dir.run(["pkeyutl", "-sign", "-inkey", "key.pem", "-in", "msg", "-out", "sig.der", ...common]);
    assert.equal(r.status, 0, r.stderr);
    const name = "hutong.example/audit/prov:440000/sm3";
    const verifier = createNoteVerifier(formatVerifierKey(name, key.publicKey));
    const raw = sm2SignatureDerToRaw(new Uint8Array(readFileSync(dir.path("sig.der"))));
    const note = formatNote({ text, signatures: [{ name, keyId: verifier.keyId, signature: raw }] });
    assert.equal(verifyNote(note, [verifier]).verified.length, 1);
    // The same signature over other text does not verify.
    const other = formatNote({
      text: text.replace("\n7\n", "\n8\n"),
      signatures: [{ name, keyId: verifier.keyId, signature: raw }],
    });
    throwsCode(() => verifyNote(other, [verifier]), "bad-signature");
  });

  it("rejects a note signature made with node:crypto's sign (empty SM2 user id)", () => {
    const key = generateSm2PrivateKey();
    const name = "hutong.example/audit/prov:440000/sm3";
    const text = "node trap\n";
    const der = nodeSign("sm3", Buffer.from(text), createPrivateKey(encodeSm2PrivateKeyPem(key)));
    const verifier = noteVerifierFromPublicKey(name, key.publicKey);
    const note = formatNote({
      text,
      signatures: [{ name, keyId: verifier.keyId, signature: sm2SignatureDerToRaw(new Uint8Array(der)) }],
    });
    throwsCode(() => verifyNote(note, [verifier]), "bad-signature");
  });
});
