import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  formatCheckpoint,
  isSm3Origin,
  isValidOrigin,
  openCheckpoint,
  parseCheckpoint,
  parseDecimalSize,
  signCheckpoint,
} from "./checkpoint.js";
import { isCheckpointError } from "./checkpoint-error.js";
import { cosignCheckpoint, createCosignatureSigner } from "./cosignature.js";
import { createNoteSigner, noteVerifierFromPublicKey } from "./note-key.js";
import { parseNote } from "./signed-note.js";
import {
  anyCodePoints,
  leafHashes,
  logKey,
  logOrigin,
  noteChars,
  otherKey,
  rootOf,
  witnessKey,
  witnessName,
} from "./testing-fixtures.js";

const throwsCode = (fn: () => unknown, code: string) =>
  assert.throws(fn, (e: unknown) => isCheckpointError(e) && e.code === code);

// The example of c2sp.org/tlog-checkpoint (an Ed25519-signed SHA-256 log).
const c2spCheckpoint =
  "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n" +
  "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";

const root7 = rootOf(leafHashes(7));
const b64root = Buffer.from(root7).toString("base64");
const logSigner = createNoteSigner(logOrigin, logKey);
const logVerifier = noteVerifierFromPublicKey(logOrigin, logKey.publicKey);

describe("checkpoint body", () => {
  it("parses the C2SP example", () => {
    const cp = parseCheckpoint(parseNote(c2spCheckpoint).text);
    assert.equal(cp.origin, "example.com/behind-the-sofa");
    assert.equal(cp.size, 20852163);
    assert.equal(Buffer.from(cp.root).toString("base64"), "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
    // It is a valid checkpoint, but not of an SM3 log of ours.
    assert.equal(isSm3Origin(cp.origin), false);
  });

  it("formats `origin\\nsize\\nbase64(root)\\n` exactly", () => {
    assert.equal(formatCheckpoint({ origin: logOrigin, size: 7, root: root7 }), `${logOrigin}\n7\n${b64root}\n`);
    assert.equal(formatCheckpoint({ origin: logOrigin, size: 0, root: root7 }), `${logOrigin}\n0\n${b64root}\n`);
  });

  it("round-trips any valid origin, size and root", () => {
    const origin = fc
      .string({ unit: fc.constantFrom(...noteChars), minLength: 1, maxLength: 40 })
      .filter(isValidOrigin);
    fc.assert(
      fc.property(origin, fc.maxSafeNat(), fc.uint8Array({ minLength: 32, maxLength: 32 }), (o, size, root) => {
        assert.deepEqual(parseCheckpoint(formatCheckpoint({ origin: o, size, root })), { origin: o, size, root });
      }),
      { numRuns: 300 },
    );
  });

  const bad: Array<[string, string]> = [
    ["two lines", `${logOrigin}\n7\n`],
    ["an extension line", `${logOrigin}\n7\n${b64root}\nextension\n`],
    ["a trailing empty line", `${logOrigin}\n7\n${b64root}\n\n`],
    ["no final newline", `${logOrigin}\n7\n${b64root}`],
    ["an empty origin", `\n7\n${b64root}\n`],
    ["a space in the origin", `hutong.example/a b\n7\n${b64root}\n`],
    ["a '+' in the origin", `hutong.example/a+b\n7\n${b64root}\n`],
    ["a size with a leading zero", `${logOrigin}\n07\n${b64root}\n`],
    ["an empty size", `${logOrigin}\n\n${b64root}\n`],
    ["a negative size", `${logOrigin}\n-1\n${b64root}\n`],
    ["a size with '+'", `${logOrigin}\n+7\n${b64root}\n`],
    ["a size in exponent form", `${logOrigin}\n7e0\n${b64root}\n`],
    ["a size with a space", `${logOrigin}\n 7\n${b64root}\n`],
    ["a hexadecimal size", `${logOrigin}\n0x7\n${b64root}\n`],
    ["a size of 2^53", `${logOrigin}\n9007199254740992\n${b64root}\n`],
    ["a 20-digit size", `${logOrigin}\n18446744073709551615\n${b64root}\n`],
    ["a 31-byte root", `${logOrigin}\n7\n${Buffer.alloc(31).toString("base64")}\n`],
    ["a 33-byte root", `${logOrigin}\n7\n${Buffer.alloc(33).toString("base64")}\n`],
    ["a root without padding", `${logOrigin}\n7\n${b64root.replace(/=$/, "")}\n`],
    ["a root in the URL alphabet", `${logOrigin}\n7\n${Buffer.from(root7).toString("base64url")}=\n`],
    ["a hex root", `${logOrigin}\n7\n${Buffer.from(root7).toString("hex")}\n`],
  ];
  for (const [what, text] of bad) {
    it(`rejects ${what}`, () => throwsCode(() => parseCheckpoint(text), "malformed-checkpoint"));
  }

  it("accepts the largest safe size and reads decimals strictly", () => {
    assert.equal(parseCheckpoint(`${logOrigin}\n9007199254740991\n${b64root}\n`).size, Number.MAX_SAFE_INTEGER);
    assert.equal(parseDecimalSize("0"), 0);
    assert.equal(parseDecimalSize("00"), undefined);
    assert.equal(parseDecimalSize("１"), undefined, "fullwidth digit");
  });

  it("refuses to format sizes and roots it could not parse back", () => {
    for (const size of [-1, 1.5, Number.NaN, 2 ** 53]) {
      throwsCode(() => formatCheckpoint({ origin: logOrigin, size, root: root7 }), "invalid-argument");
    }
    throwsCode(() => formatCheckpoint({ origin: logOrigin, size: 1, root: new Uint8Array(31) }), "invalid-argument");
    throwsCode(() => formatCheckpoint({ origin: "a b", size: 1, root: root7 }), "invalid-argument");
  });

  it("never throws anything but a CheckpointError on arbitrary text", () => {
    const parts = fc.constantFrom(logOrigin, "\n", "7", "0", b64root, "=", " ", "+", "-", "AAAA");
    for (const arbitrary of [anyCodePoints, fc.array(parts).map((p) => p.join(""))]) {
      fc.assert(
        fc.property(arbitrary, (input) => {
          try {
            parseCheckpoint(input);
          } catch (e) {
            assert.ok(isCheckpointError(e, "malformed-checkpoint"), String(e));
          }
        }),
        { numRuns: 1000 },
      );
    }
  });
});

describe("SM3 origins", () => {
  it("bind the hash with a /sm3 suffix", () => {
    assert.equal(isSm3Origin(logOrigin), true);
    assert.equal(isSm3Origin("hutong.example/audit/prov:510000"), false);
    assert.equal(isSm3Origin("hutong.example/audit/prov:510000/sha256"), false);
    assert.equal(isSm3Origin("/sm3"), false);
    assert.equal(isSm3Origin("a b/sm3"), false);
  });
});

describe("signed checkpoints", () => {
  const cp = { origin: logOrigin, size: 7, root: root7 };

  it("signs and opens a checkpoint", () => {
    const note = signCheckpoint(logSigner, cp);
    assert.ok(note.startsWith(`${logOrigin}\n7\n${b64root}\n\n— ${logOrigin} `));
    const opened = openCheckpoint(note, logVerifier, logOrigin);
    assert.deepEqual(opened.checkpoint, cp);
    assert.equal(opened.text, formatCheckpoint(cp));
    assert.equal(opened.signatures.length, 1);
    assert.equal(opened.otherSignatures.length, 0);
  });

  it("hands back cosignatures and unknown signatures unverified, apart from the log's", () => {
    const note = signCheckpoint(logSigner, cp);
    const line = cosignCheckpoint(createCosignatureSigner(witnessName, witnessKey), note, 1_780_272_000_000);
    const opened = openCheckpoint(note + line, [logVerifier], logOrigin);
    assert.deepEqual(
      opened.otherSignatures.map((s) => s.name),
      [witnessName],
    );
  });

  it("accepts either key during a rotation", () => {
    const next = noteVerifierFromPublicKey(logOrigin, otherKey.publicKey);
    const note = signCheckpoint(createNoteSigner(logOrigin, otherKey), cp);
    assert.equal(openCheckpoint(note, [logVerifier, next], logOrigin).signatures[0]?.keyId, next.keyId);
    throwsCode(() => openCheckpoint(note, logVerifier, logOrigin), "unverified");
  });

  it("rejects the wrong origin", () => {
    const elsewhere = "hutong.example/audit/prov:440000/sm3";
    const note = signCheckpoint(createNoteSigner(elsewhere, logKey), { ...cp, origin: elsewhere });
    throwsCode(() => openCheckpoint(note, logVerifier, logOrigin), "wrong-origin");
  });

  it("rejects a tampered size or root", () => {
    const note = signCheckpoint(logSigner, cp);
    throwsCode(() => openCheckpoint(note.replace("\n7\n", "\n8\n"), logVerifier, logOrigin), "bad-signature");
    const otherRoot = Buffer.from(rootOf(leafHashes(7, "forked"))).toString("base64");
    throwsCode(() => openCheckpoint(note.replace(b64root, otherRoot), logVerifier, logOrigin), "bad-signature");
  });

  it("rejects a malformed body as such, before any signature work (the zero signature would be bad-signature)", () => {
    const line = `— ${logOrigin} ${Buffer.concat([Buffer.from([0x04, 0xaf, 0x15, 0xea]), Buffer.alloc(64)]).toString("base64")}\n`;
    throwsCode(() => openCheckpoint(`${logOrigin}\n7\n${b64root}\n\n${line}`, logVerifier, logOrigin), "bad-signature");
    for (const body of [
      `${logOrigin}\n7\n${Buffer.alloc(31).toString("base64")}\n`,
      `${logOrigin}\n07\n${b64root}\n`,
    ]) {
      throwsCode(() => openCheckpoint(`${body}\n${line}`, logVerifier, logOrigin), "malformed-checkpoint");
    }
  });

  it("rejects a checkpoint signed only by a key the caller does not trust", () => {
    const note = signCheckpoint(createNoteSigner(logOrigin, otherKey), cp);
    throwsCode(() => openCheckpoint(note, logVerifier, logOrigin), "unverified");
  });

  it("binds the signer and the verifiers to an SM3 origin", () => {
    throwsCode(() => signCheckpoint(createNoteSigner("someone.else", logKey), cp), "invalid-argument");
    const sha = "hutong.example/audit/prov:510000";
    throwsCode(() => signCheckpoint(createNoteSigner(sha, logKey), { ...cp, origin: sha }), "invalid-argument");
    const note = signCheckpoint(logSigner, cp);
    throwsCode(() => openCheckpoint(note, noteVerifierFromPublicKey(sha, logKey.publicKey), sha), "invalid-argument");
    throwsCode(
      () => openCheckpoint(note, noteVerifierFromPublicKey("other.example/sm3", logKey.publicKey), logOrigin),
      "invalid-argument",
    );
  });
});
