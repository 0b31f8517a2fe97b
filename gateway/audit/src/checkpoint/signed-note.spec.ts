import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { isCheckpointError } from "./checkpoint-error.js";
import { createNoteSigner, noteVerifierFromPublicKey } from "./note-key.js";
import {
  formatNote,
  formatSignatureLine,
  isValidKeyName,
  maxNoteBytes,
  maxNoteSignatures,
  type NoteSignature,
  parseNote,
  signNote,
  verifyNote,
} from "./signed-note.js";
import { anyCodePoints, ed25519NoteVerifier, hmacNoteKey, logKey, noteChars, otherKey } from "./testing-fixtures.js";

const throwsCode = (fn: () => unknown, code: string) =>
  assert.throws(fn, (e: unknown) => isCheckpointError(e) && e.code === code);

// From the Go implementation's documentation (golang.org/x/mod/sumdb/note): an
// Ed25519 note by another implementation, to check our parser and verifier plumbing.
const goVkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const goText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const goNote = `${goText}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

// The example of c2sp.org/signed-note: an empty line inside the text, non-ASCII UTF-8.
const quasimodo =
  "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n" +
  "— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";

const sig = (name: string, keyId: number, bytes = [1, 2, 3]): NoteSignature => ({
  name,
  keyId,
  signature: Uint8Array.from(bytes),
});

describe("signed note format", () => {
  it("parses the signed-note spec's example: last blank line splits, UTF-8 text, key id in the first 4 bytes", () => {
    const note = parseNote(quasimodo);
    assert.equal(
      note.text,
      "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n",
    );
    assert.equal(note.signatures.length, 1);
    assert.equal(note.signatures[0]?.name, "quasimodo.example/salvatore");
    assert.equal(note.signatures[0]?.keyId, 0x367ba04b);
    assert.equal(note.signatures[0]?.signature.length, 64);
    assert.equal(formatNote(note), quasimodo);
    // The same bytes as a Uint8Array parse to the same note.
    assert.deepEqual(parseNote(new Uint8Array(Buffer.from(quasimodo))), note);
  });

  it("verifies the Go implementation's Ed25519 example through a foreign verifier, and rejects it tampered", () => {
    const verifier = ed25519NoteVerifier(goVkey);
    const ok = verifyNote(goNote, [verifier]);
    assert.equal(ok.text, goText);
    assert.deepEqual(
      ok.verified.map((s) => [s.name, s.keyId]),
      [["PeterNeumann", 0xc74f20a3]],
    );
    throwsCode(() => verifyNote(goNote.replace("cryptography", "Cryptography"), [verifier]), "bad-signature");
    // Our SM2 verifier under the same name is another key id: ignored, so nothing verifies.
    throwsCode(() => verifyNote(goNote, [noteVerifierFromPublicKey("PeterNeumann", logKey.publicKey)]), "unverified");
  });

  it("formats exactly: text, blank line, `— name base64(keyid||sig)` lines", () => {
    const note = formatNote({ text: "a\n", signatures: [sig("k", 0x01020304), sig("k2", 0xffffffff, [9])] });
    assert.equal(note, `a\n\n— k ${Buffer.from([1, 2, 3, 4, 1, 2, 3]).toString("base64")}\n— k2 /////wk=\n`);
    assert.deepEqual(parseNote(note).signatures, [sig("k", 0x01020304), sig("k2", 0xffffffff, [9])]);
  });

  it("round-trips any valid text and signatures", () => {
    const line = fc.string({ unit: fc.constantFrom(...noteChars), maxLength: 20 }).map((s) => s.replaceAll("\t", ""));
    const name = fc.string({ unit: fc.constantFrom(...noteChars), minLength: 1, maxLength: 12 }).filter(isValidKeyName);
    const signature = fc
      .record({
        name,
        keyId: fc.integer({ min: 0, max: 0xffffffff }),
        signature: fc.uint8Array({ minLength: 1, maxLength: 80 }),
      })
      .map((r) => ({ ...r }));
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 6 }),
        fc.array(signature, { minLength: 1, maxLength: 5 }),
        (lines, sigs) => {
          const text = `${lines.join("\n")}\n`;
          const note = { text, signatures: sigs };
          assert.deepEqual(parseNote(formatNote(note)), note);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses to format what it could not parse back", () => {
    throwsCode(() => formatNote({ text: "no newline", signatures: [sig("k", 1)] }), "invalid-argument");
    throwsCode(() => formatNote({ text: "tab\there\n", signatures: [sig("k", 1)] }), "invalid-argument");
    throwsCode(() => formatNote({ text: "a\n", signatures: [] }), "invalid-argument");
    throwsCode(() => formatSignatureLine(sig("a b", 1)), "invalid-argument");
    throwsCode(() => formatSignatureLine(sig("a+b", 1)), "invalid-argument");
    throwsCode(() => formatSignatureLine(sig("", 1)), "invalid-argument");
    throwsCode(() => formatSignatureLine(sig("k", -1)), "invalid-argument");
    throwsCode(() => formatSignatureLine(sig("k", 2 ** 32)), "invalid-argument");
    throwsCode(() => formatSignatureLine(sig("k", 1, [])), "invalid-argument");
    const many = Array.from({ length: maxNoteSignatures + 1 }, (_, i) => sig("k", i));
    throwsCode(() => formatNote({ text: "a\n", signatures: many }), "invalid-argument");
    // Text and signature lines together over the limit: parseNote would refuse the result.
    const line = formatSignatureLine(sig("k", 1));
    const text = `${"x".repeat(maxNoteBytes - 2 - Buffer.byteLength(line))}\n`;
    assert.equal(Buffer.byteLength(formatNote({ text, signatures: [sig("k", 1)] })), maxNoteBytes);
    throwsCode(() => formatNote({ text: `x${text}`, signatures: [sig("k", 1)] }), "invalid-argument");
    throwsCode(() => formatNote({ text, signatures: [sig("k", 1), sig("k", 2)] }), "invalid-argument");
  });
});

describe("signed note strict parsing", () => {
  const good = "a\n\n— k AAAAAAE=\n";
  const cases: Array<[string, string | Uint8Array]> = [
    ["no blank line", "a\n— k AAAAAAE=\n"],
    ["no signature lines", "a\n\n"],
    ["signature block without final newline", "a\n\n— k AAAAAAE="],
    ["hyphen instead of em dash", "a\n\n- k AAAAAAE=\n"],
    ["en dash instead of em dash", "a\n\n\u2013 k AAAAAAE=\n"],
    ["no space after the dash", "a\n\n—k AAAAAAE=\n"],
    ["no signature after the name", "a\n\n— k\n"],
    ["empty name", "a\n\n—  AAAAAAE=\n"],
    ["'+' in the name", "a\n\n— k+1 AAAAAAE=\n"],
    ["Unicode space in the name", "a\n\n— k\u3000x AAAAAAE=\n"],
    ["NEL (U+0085, a Unicode space outside JavaScript's \\s) in the name", "a\n\n— k\u0085x AAAAAAE=\n"],
    ["no-break space in the name", "a\n\n— k\u00a0x AAAAAAE=\n"],
    ["base64 without padding", "a\n\n— k AAAAAAE\n"],
    ["base64 with URL alphabet", "a\n\n— k AAAAA-_=\n"],
    ["non-canonical base64 trailing bits", "a\n\n— k AAAAAAF=\n"],
    ["two spaces before the signature", "a\n\n— k  AAAAAAE=\n"],
    ["trailing space", "a\n\n— k AAAAAAE= \n"],
    ["signature of only 4 bytes (no bytes after the key id)", "a\n\n— k AAAAAA==\n"],
    ["carriage return (CRLF)", "a\r\n\r\n— k AAAAAAE=\r\n"],
    ["tab in the text", "a\tb\n\n— k AAAAAAE=\n"],
    ["NUL in the text", "a\u0000\n\n— k AAAAAAE=\n"],
    ["lone surrogate in a string", "a\uD800\n\n— k AAAAAAE=\n"],
    ["invalid UTF-8 bytes", Uint8Array.from([0x61, 0xff, 0x0a, ...Buffer.from("\n— k AAAAAAE=\n")])],
    ["overlong UTF-8", Uint8Array.from([0x61, 0xc0, 0xaf, 0x0a, ...Buffer.from("\n— k AAAAAAE=\n")])],
    ["a blank line after the signatures (the split moves to it, leaving no signature)", "a\n\n— k AAAAAAE=\n\n"],
  ];
  it("accepts the well-formed baseline", () => {
    assert.equal(parseNote(good).signatures.length, 1);
  });
  for (const [what, input] of cases) {
    it(`rejects ${what}`, () => throwsCode(() => parseNote(input), "malformed-note"));
  }

  it(`accepts ${maxNoteSignatures} signature lines and rejects ${maxNoteSignatures + 1}`, () => {
    const lines = (n: number) => Array.from({ length: n }, () => "— k AAAAAAE=\n").join("");
    assert.equal(parseNote(`a\n\n${lines(maxNoteSignatures)}`).signatures.length, maxNoteSignatures);
    throwsCode(() => parseNote(`a\n\n${lines(maxNoteSignatures + 1)}`), "malformed-note");
  });

  it(`rejects notes over ${maxNoteBytes} bytes, counted in UTF-8`, () => {
    const sigLine = "— k AAAAAAE=\n";
    const fits = `${"x".repeat(maxNoteBytes - 2 - Buffer.byteLength(sigLine))}\n\n${sigLine}`;
    assert.equal(Buffer.byteLength(fits), maxNoteBytes);
    assert.doesNotThrow(() => parseNote(fits));
    throwsCode(() => parseNote(`x${fits}`), "malformed-note");
    // 3 UTF-8 bytes per character: short in UTF-16 units, too long in bytes.
    throwsCode(() => parseNote(`${"中".repeat(maxNoteBytes / 3)}\n\n${sigLine}`), "malformed-note");
    throwsCode(() => parseNote(new Uint8Array(Buffer.from(`x${fits}`))), "malformed-note");
  });

  it("splits at the LAST blank line: text may contain and end with empty lines", () => {
    const text = "a\n\nb\n\n";
    const note = formatNote({ text, signatures: [sig("k", 7)] });
    assert.equal(parseNote(note).text, text);
  });

  it("never throws anything but a CheckpointError on arbitrary input", () => {
    const noteLike = fc
      .array(fc.constantFrom("a", "\n", "— ", "k", " ", "AAAAAAE=", "+", "\u2014", "=", "\r", "é"), { maxLength: 30 })
      .map((parts) => parts.join(""));
    const arbitraries: fc.Arbitrary<string | Uint8Array>[] = [anyCodePoints, fc.uint8Array(), noteLike];
    for (const arbitrary of arbitraries) {
      fc.assert(
        fc.property(arbitrary, (input) => {
          try {
            parseNote(input);
          } catch (e) {
            assert.ok(isCheckpointError(e, "malformed-note"), String(e));
          }
        }),
        { numRuns: 1000 },
      );
    }
  });
});

describe("verifyNote", () => {
  const a = hmacNoteKey("log.example/a", 1, "secret-a");
  const b = hmacNoteKey("log.example/b", 2, "secret-b");
  const text = "hello\nworld\n";

  it("accepts when a known key verifies and ignores unknown keys", () => {
    const note = signNote(text, [a.signer, b.signer]);
    const r = verifyNote(note, [a.verifier]);
    assert.equal(r.text, text);
    assert.deepEqual(
      r.verified.map((s) => s.name),
      ["log.example/a"],
    );
    assert.deepEqual(
      r.unverified.map((s) => s.name),
      ["log.example/b"],
    );
  });

  it("ignores a signature sharing only the name, or only the key id, with a known key", () => {
    const sameName = hmacNoteKey("log.example/a", 99, "secret-x");
    const sameId = hmacNoteKey("log.example/x", 1, "secret-y");
    const note = signNote(text, [sameName.signer, sameId.signer, a.signer]);
    const r = verifyNote(note, [a.verifier]);
    assert.equal(r.verified.length, 1);
    assert.equal(r.unverified.length, 2);
    throwsCode(() => verifyNote(signNote(text, [sameName.signer, sameId.signer]), [a.verifier]), "unverified");
  });

  it("rejects the whole note when any known key's signature fails, even if another verifies", () => {
    const forged = hmacNoteKey("log.example/b", 2, "not-b");
    const note = signNote(text, [a.signer, forged.signer]);
    throwsCode(() => verifyNote(note, [a.verifier, b.verifier]), "bad-signature");
  });

  it("rejects a note with no known signature, and with no verifiers at all", () => {
    throwsCode(() => verifyNote(signNote(text, [b.signer]), [a.verifier]), "unverified");
    throwsCode(() => verifyNote(signNote(text, [a.signer]), []), "unverified");
  });

  it("accepts 16 signatures (the spec's floor) and 100 (our ceiling), verifying every known one", () => {
    for (const n of [16, maxNoteSignatures]) {
      const keys = Array.from({ length: n }, (_, i) => hmacNoteKey(`w.example/${i}`, i, `s${i}`));
      const note = signNote(
        text,
        keys.map((k) => k.signer),
      );
      assert.equal(
        verifyNote(
          note,
          keys.map((k) => k.verifier),
        ).verified.length,
        n,
      );
    }
  });

  it("refuses ambiguous verifier lists", () => {
    const twin = hmacNoteKey("log.example/a", 1, "other");
    throwsCode(() => verifyNote(signNote(text, [a.signer]), [a.verifier, twin.verifier]), "invalid-argument");
  });

  it("never accepts a mutated note: accepted means the same text and only original signatures", () => {
    const note = signNote(text, [a.signer, b.signer]);
    const original = parseNote(note);
    const alphabet = ["a", "\n", " ", "—", "+", "/", "=", "A", "B", "0", "é", "\u0000"];
    const mutation = fc.record({
      op: fc.constantFrom("replace", "insert", "delete", "duplicate"),
      at: fc.nat(),
      ch: fc.constantFrom(...alphabet),
      len: fc.integer({ min: 1, max: 20 }),
    });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        let m = note;
        for (const { op, at, ch, len } of mutations) {
          const i = at % (m.length + 1);
          if (op === "replace") m = m.slice(0, i) + ch + m.slice(i + 1);
          else if (op === "insert") m = m.slice(0, i) + ch + m.slice(i);
          else if (op === "delete") m = m.slice(0, i) + m.slice(i + len);
          else m = m.slice(0, i) + m.slice(i, i + len) + m.slice(i);
        }
        fc.pre(m !== note);
        let r: ReturnType<typeof verifyNote>;
        try {
          r = verifyNote(m, [a.verifier, b.verifier]);
        } catch (e) {
          assert.ok(isCheckpointError(e), String(e));
          return;
        }
        assert.equal(r.text, original.text);
        for (const s of r.verified) assert.ok(original.signatures.some((o) => sameSignature(o, s)));
      }),
      { numRuns: 2000 },
    );
  });

  it("never accepts a mutated SM2-signed note (fewer runs: real SM2)", () => {
    const signer = createNoteSigner("log.example/sm2", logKey);
    const verifier = noteVerifierFromPublicKey("log.example/sm2", logKey.publicKey);
    const note = signNote(text, [signer]);
    fc.assert(
      fc.property(fc.nat({ max: note.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, delta) => {
        const code = note.charCodeAt(i);
        const m = note.slice(0, i) + String.fromCharCode((code + delta) % 0x3000) + note.slice(i + 1);
        fc.pre(m !== note);
        assert.throws(
          () => verifyNote(m, [verifier]),
          (e: unknown) => isCheckpointError(e),
        );
      }),
      { numRuns: 60 },
    );
    // Sanity: the untouched note verifies, and another key's verifier under the same name does not match it.
    assert.equal(verifyNote(note, [verifier]).verified.length, 1);
    throwsCode(
      () => verifyNote(note, [noteVerifierFromPublicKey("log.example/sm2", otherKey.publicKey)]),
      "unverified",
    );
  });
});

function sameSignature(x: NoteSignature, y: NoteSignature): boolean {
  return x.name === y.name && x.keyId === y.keyId && Buffer.from(x.signature).equals(Buffer.from(y.signature));
}
