import { readUint32BE, utf8 } from "./bytes.js";
import { decodeStrictBase64 } from "./strict-base64.js";
import { VerifyFailure } from "./verify-failure.js";

// c2sp.org/signed-note as docs/audit-checkpoints.md §2 profiles it, parsed as strictly as
// @hutong/audit's parseNote: the page must not accept a note the gateway's own code would refuse.

export interface NoteSignature {
  readonly name: string;
  /** u32 key id: the first four bytes of the payload, big-endian. */
  readonly keyId: number;
  /** The bytes after the key id. */
  readonly signature: Uint8Array;
}

export interface Note {
  /** The signed text, with its final "\n" but not the blank line. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

/** A key that checks signatures made under one (name, key id). Returns false, never throws. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

export const maxNoteSignatures = 100;
export const maxNoteBytes = 65_536;

const sigPrefix = "\u2014 ";
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them
const controlExceptNewline = /[\u0000-\u0009\u000B-\u001F]/;

function isNoteSafe(text: string): boolean {
  return !controlExceptNewline.test(text) && !loneSurrogate.test(text);
}

/** Non-empty, no "+", no Unicode White_Space (JS `\s` plus U+0085; `\s` has U+FEFF), nothing unsafe. */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s\u0085+]/u.test(name) && isNoteSafe(name);
}

function malformed(why: string): VerifyFailure {
  return new VerifyFailure("malformed-note", `malformed signed note: ${why}`);
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(sigPrefix)) throw malformed("signature line does not start with an em dash and a space");
  const rest = line.slice(sigPrefix.length);
  const space = rest.indexOf(" ");
  if (space < 0) throw malformed("signature line has no space between key name and signature");
  const name = rest.slice(0, space);
  if (!isValidKeyName(name)) throw malformed("invalid key name in a signature line");
  const payload = decodeStrictBase64(rest.slice(space + 1));
  if (payload === undefined || payload.length < 5) throw malformed("signature is not canonical base64 of 5+ bytes");
  return { name, keyId: readUint32BE(payload, 0), signature: payload.slice(4) };
}

/** Parses a signed note without verifying it. Throws VerifyFailure("malformed-note"). */
export function parseNote(note: string): Note {
  if (note.length > maxNoteBytes || utf8(note).length > maxNoteBytes) throw malformed("too long");
  if (!isNoteSafe(note)) throw malformed("control character or invalid Unicode");
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw malformed("no blank line before the signatures");
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block.length === 0 || !block.endsWith("\n")) throw malformed("signature block empty or not ending in a newline");
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > maxNoteSignatures) throw malformed(`more than ${maxNoteSignatures} signatures`);
  return { text, signatures: lines.map(parseSignatureLine) };
}

export interface VerifiedNote {
  readonly text: string;
  readonly verified: readonly NoteSignature[];
  readonly unverified: readonly NoteSignature[];
}

/**
 * The spec's rules (§2): a signature whose (name, key id) matches no verifier is ignored (a
 * cosignature, say); every one that matches must verify ("bad-signature"); at least one must
 * ("unverified").
 */
export function verifyNote(note: Note, verifiers: readonly NoteVerifier[]): VerifiedNote {
  const message = utf8(note.text);
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  for (const sig of note.signatures) {
    const verifier = verifiers.find((v) => v.name === sig.name && v.keyId === sig.keyId);
    if (verifier === undefined) {
      unverified.push(sig);
    } else if (verifier.verify(message, sig.signature)) {
      verified.push(sig);
    } else {
      throw new VerifyFailure("bad-signature", `signature by known key ${sig.name} does not verify`);
    }
  }
  if (verified.length === 0) {
    throw new VerifyFailure("unverified", "the note has no signature from the log key (name and key id)");
  }
  return { text: note.text, verified, unverified };
}
