import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createCertificate, encodeSm2PublicKeyPem, sm2SignatureRawToDer } from "@hutong/certs";
import { signCheckpoint } from "./checkpoint.js";
import { isCheckpointError } from "./checkpoint-error.js";
import {
  cosignatureMessage,
  cosignatureVerifierFromCertificate,
  cosignatureVerifierFromPublicKey,
  cosignCheckpoint,
  createCosignatureSigner,
  createCosignatureVerifier,
  formatCosignatureVerifierKey,
  verifyCosignature,
} from "./cosignature.js";
import { createNoteSigner, createNoteVerifier, formatVerifierKey, noteVerifierFromPublicKey } from "./note-key.js";
import { formatNote, parseNote, signNote, verifyNote } from "./signed-note.js";
import {
  leafHashes,
  logKey,
  logOrigin,
  opensslDir,
  otherKey,
  rootOf,
  utf8,
  witnessKey,
  witnessName,
} from "./testing-fixtures.js";

const throwsCode = (fn: () => unknown, code: string) =>
  assert.throws(fn, (e: unknown) => isCheckpointError(e) && e.code === code);

const now = 1_780_272_000_999; // 2026-06-01T00:00:00.999Z: the cosignature carries 1780272000
const checkpointNote = signCheckpoint(createNoteSigner(logOrigin, logKey), {
  origin: logOrigin,
  size: 7,
  root: rootOf(leafHashes(7)),
});
const body = parseNote(checkpointNote).text;
const witness = createCosignatureSigner(witnessName, witnessKey);
const witnessVerifier = cosignatureVerifierFromPublicKey(witnessName, witnessKey.publicKey);

describe("cosignatures", () => {
  it("sign the C2SP message: `cosignature/v1\\ntime <seconds>\\n` + checkpoint text", () => {
    const c2spBody = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    assert.equal(
      Buffer.from(cosignatureMessage(c2spBody, 1679315147)).toString(),
      `cosignature/v1\ntime 1679315147\n${c2spBody}`,
    );
    assert.equal(Buffer.from(cosignatureMessage(c2spBody, 0)).toString(), `cosignature/v1\ntime 0\n${c2spBody}`);
    throwsCode(() => cosignatureMessage(c2spBody, -1), "invalid-argument");
    throwsCode(() => cosignatureMessage(c2spBody, 1.5), "invalid-argument");
  });

  it("carry u64be(timestamp) || 64-byte raw SM2 signature, and verify", () => {
    const line = cosignCheckpoint(witness, checkpointNote, now);
    assert.ok(line.startsWith(`— ${witnessName} `) && line.endsWith("\n"));
    const note = checkpointNote + line;
    const sig = parseNote(note).signatures[1];
    assert.equal(sig?.keyId, witness.keyId);
    assert.equal(sig?.signature.length, 72);
    assert.equal(Buffer.from(sig?.signature ?? []).readBigUInt64BE(0), 1780272000n);
    assert.deepEqual(verifyCosignature(note, witnessVerifier), { timestamp: 1780272000 });
    // The log's signature and the cosignature verify together in one note check.
    const logVerifier = noteVerifierFromPublicKey(logOrigin, logKey.publicKey);
    assert.equal(verifyNote(note, [logVerifier, witnessVerifier]).verified.length, 2);
  });

  it("report the latest timestamp when a witness cosigned twice", () => {
    const note =
      checkpointNote +
      cosignCheckpoint(witness, checkpointNote, now) +
      cosignCheckpoint(witness, checkpointNote, now + 60_000);
    assert.equal(verifyCosignature(note, witnessVerifier).timestamp, 1780272060);
  });

  it("reject a changed timestamp, a changed checkpoint and a missing cosignature", () => {
    const note = parseNote(checkpointNote + cosignCheckpoint(witness, checkpointNote, now));
    const [log, cosig] = note.signatures as [(typeof note.signatures)[0], (typeof note.signatures)[0]];
    const laterPayload = new Uint8Array(cosig.signature);
    new DataView(laterPayload.buffer).setBigUint64(0, 1780272001n);
    throwsCode(
      () =>
        verifyCosignature(
          formatNote({ text: note.text, signatures: [log, { ...cosig, signature: laterPayload }] }),
          witnessVerifier,
        ),
      "bad-signature",
    );
    const hugePayload = new Uint8Array(cosig.signature);
    new DataView(hugePayload.buffer).setBigUint64(0, 2n ** 63n - 1n);
    throwsCode(
      () =>
        verifyCosignature(
          formatNote({ text: note.text, signatures: [cosig, { ...cosig, signature: hugePayload }] }),
          witnessVerifier,
        ),
      "bad-signature",
    );
    const otherText = note.text.replace("\n7\n", "\n8\n");
    throwsCode(
      () => verifyCosignature(formatNote({ text: otherText, signatures: [cosig] }), witnessVerifier),
      "bad-signature",
    );
    throwsCode(() => verifyCosignature(checkpointNote, witnessVerifier), "unverified");
    throwsCode(
      () =>
        verifyCosignature(
          formatNote({ text: note.text, signatures: [{ ...cosig, signature: cosig.signature.subarray(0, 71) }] }),
          witnessVerifier,
        ),
      "bad-signature",
    );
  });

  it("cannot be confused with log signatures, in either direction", () => {
    // Same SM2 key, same name: the two kinds have different key ids.
    const asLog = noteVerifierFromPublicKey(witnessName, witnessKey.publicKey);
    assert.notEqual(asLog.keyId, witnessVerifier.keyId);
    const note = checkpointNote + cosignCheckpoint(witness, checkpointNote, now);
    throwsCode(() => verifyNote(note, [asLog]), "unverified");
    // A log signature by that key is not a cosignature: verifyCosignature wants a cosignature verifier.
    const logSigned = signNote(body, [createNoteSigner(witnessName, witnessKey)]);
    throwsCode(() => verifyCosignature(logSigned, witnessVerifier), "unverified");
    throwsCode(() => verifyCosignature(logSigned, asLog), "invalid-argument");
    // Vkeys of one kind are refused where the other is expected.
    throwsCode(
      () => createCosignatureVerifier(formatVerifierKey(witnessName, witnessKey.publicKey)),
      "unsupported-key-type",
    );
    throwsCode(
      () => createNoteVerifier(formatCosignatureVerifierKey(witnessName, witnessKey.publicKey)),
      "unsupported-key-type",
    );
  });

  it("verify from the witness's verifier key text, and not under another witness key", () => {
    const vkey = formatCosignatureVerifierKey(witnessName, witnessKey.publicKey);
    assert.ok(vkey.startsWith(`${witnessName}+`));
    const note = checkpointNote + cosignCheckpoint(witness, checkpointNote, now);
    assert.equal(verifyCosignature(note, createCosignatureVerifier(vkey)).timestamp, 1780272000);
    const impostor = cosignatureVerifierFromPublicKey(witnessName, otherKey.publicKey);
    throwsCode(() => verifyCosignature(note, impostor), "unverified");
  });

  it("verify through the witness's certificate key, and not through another certificate's", () => {
    const certificateFor = (key: typeof witnessKey) =>
      createCertificate({
        subject: { commonName: witnessName },
        publicKey: key.publicKey,
        selfSignKey: key,
        notBefore: new Date("2026-01-01T00:00:00Z"),
        notAfter: new Date("2027-01-01T00:00:00Z"),
      });
    const note = checkpointNote + cosignCheckpoint(witness, checkpointNote, now);
    const fromCertificate = cosignatureVerifierFromCertificate(witnessName, certificateFor(witnessKey));
    assert.equal(fromCertificate.keyId, witnessVerifier.keyId);
    assert.equal(verifyCosignature(note, fromCertificate).timestamp, 1780272000);
    const otherCertificate = cosignatureVerifierFromCertificate(witnessName, certificateFor(otherKey));
    throwsCode(() => verifyCosignature(note, otherCertificate), "unverified");
  });

  it("only cosign checkpoints, at valid times", () => {
    const notACheckpoint = signNote("hello\n", [createNoteSigner(logOrigin, logKey)]);
    throwsCode(() => cosignCheckpoint(witness, notACheckpoint, now), "malformed-checkpoint");
    throwsCode(() => cosignCheckpoint(witness, checkpointNote, -1), "invalid-argument");
    throwsCode(() => cosignCheckpoint(witness, checkpointNote, Number.NaN), "invalid-argument");
    throwsCode(() => cosignCheckpoint(witness, "no note", now), "malformed-note");
    throwsCode(() => createCosignatureSigner("a b", witnessKey), "invalid-argument");
  });

  it("verify with OpenSSL: the SM2 signature is over the cosignature message with distid 1234567812345678", () => {
    using dir = opensslDir();
    const note = checkpointNote + cosignCheckpoint(witness, checkpointNote, now);
    const payload = parseNote(note).signatures[1]?.signature as Uint8Array;
    dir.file("pub.pem", encodeSm2PublicKeyPem(witnessKey.publicKey));
    dir.file("msg", cosignatureMessage(body, 1780272000));
    dir.file("sig.der", sm2SignatureRawToDer(payload.subarray(8)));
    const r = dir.run([
      "pkeyutl",
      "-verify",
      "-pubin",
      "-inkey",
      "pub.pem",
      "-in",
      "msg",
      "-sigfile",
      "sig.der",
      "-digest",
      "sm3",
      "-pkeyopt",
      "distid:1234567812345678",
      "-rawin",
    ]);
    assert.equal(r.status, 0, r.stderr);
    dir.file("msg", utf8(`cosignature/v1\ntime 1780272001\n${body}`));
    assert.notEqual(
      dir.run([
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        "pub.pem",
        "-in",
        "msg",
        "-sigfile",
        "sig.der",
        "-digest",
        "sm3",
        "-pkeyopt",
        "distid:1234567812345678",
        "-rawin",
      ]).status,
      0,
    );
  });
});
