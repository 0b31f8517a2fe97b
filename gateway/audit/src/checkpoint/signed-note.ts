import { CheckpointError } from "./checkpoint-error.js";
import { decodeStrictBase64, encodeBase64 } from "./strict-base64.js";

/**
 * c2sp.org/signed-note, byte for byte: a UTF-8 text ending in "\n", a blank
 * line, then one or more lines `— <key name> base64(uint32be key id || sig)\n`.
 * The format is algorithm-neutral; SM2 keys live in note-key.ts and
 * cosignature.ts behind the NoteSigner / NoteVerifier shapes below.
 */

/** One signature line of a note. */
export interface NoteSignature {
  readonly name: string;
  /** The uint32 key id (the first four bytes of the base64 payload, big-endian). */
  readonly keyId: number;
  /** The bytes after the key id: what the key's algorithm produced. */
  readonly signature: Uint8Array;
}

export interface Note {
  /** The signed text, including its final "\n" but not the separating blank line. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

/** Signs note text (its UTF-8 bytes) under a name and key id. */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(text: Uint8Array): Uint8Array;
}

/** Verifies signatures made under one (name, key id). Returns false, never throws, for a bad signature. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

export interface VerifiedNote {
  readonly text: string;
  /** Signatures by known keys, all of which verified, in note order. */
  readonly verified: readonly NoteSignature[];
  /** Signatures by keys the caller does not know (ignored, as the spec requires), in note order. */
  readonly unverified: readonly NoteSignature[];
}

/** The spec asks verifiers to accept at least 16; Go's golang.org/x/mod/sumdb/note stops at 100. */
export const maxNoteSignatures = 100;
/** A checkpoint with 100 SM2 signatures is under 16 KiB; anything near this bound is not ours. */
export const maxNoteBytes = 65_536;

const sigPrefix = "\u2014 ";
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
// Lone UTF-16 surrogates: a JS string that has no UTF-8 encoding.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them
const controlExceptNewline = /[\u0000-\u0009\u000B-\u001F]/;

/** True for text that may appear in a note: valid Unicode, no control characters but "\n". */
function isNoteSafe(text: string): boolean {
  return !controlExceptNewline.test(text) && !loneSurrogate.test(text);
}

/**
 * Key names: non-empty, no Unicode spaces, no "+", and nothing a note may not
 * contain. "Spaces" are JavaScript's `\s` plus U+0085 (NEL): Unicode White_Space
 * (what Go's unicode.IsSpace checks) and U+FEFF.
 */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s\u0085+]/u.test(name) && isNoteSafe(name);
}

function utf8(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "utf8"));
}

function checkText(text: string): void {
  if (!text.endsWith("\n")) throw new CheckpointError("invalid-argument", "note text must end with a newline");
  if (!isNoteSafe(text)) {
    throw new CheckpointError("invalid-argument", "note text must be valid Unicode without control characters");
  }
}

function checkKeyId(keyId: number): void {
  if (!Number.isInteger(keyId) || keyId < 0 || keyId > 0xffffffff) {
    throw new CheckpointError("invalid-argument", "note key id must be a uint32");
  }
}

/** One signature line, with its final "\n". */
export function formatSignatureLine(sig: NoteSignature): string {
  if (!isValidKeyName(sig.name)) throw new CheckpointError("invalid-argument", "invalid note key name");
  checkKeyId(sig.keyId);
  if (sig.signature.length === 0) throw new CheckpointError("invalid-argument", "empty note signature");
  const payload = new Uint8Array(4 + sig.signature.length);
  new DataView(payload.buffer).setUint32(0, sig.keyId);
  payload.set(sig.signature, 4);
  return `${sigPrefix}${sig.name} ${encodeBase64(payload)}\n`;
}

/** The exact note text: `text`, a blank line, the signature lines. */
export function formatNote(note: Note): string {
  checkText(note.text);
  if (note.signatures.length === 0 || note.signatures.length > maxNoteSignatures) {
    throw new CheckpointError("invalid-argument", `a note carries 1 to ${maxNoteSignatures} signatures`);
  }
  const out = `${note.text}\n${note.signatures.map(formatSignatureLine).join("")}`;
  if (Buffer.byteLength(out, "utf8") > maxNoteBytes) {
    throw new CheckpointError("invalid-argument", `note longer than ${maxNoteBytes} bytes`);
  }
  return out;
}

function malformed(why: string): CheckpointError {
  return new CheckpointError("malformed-note", `malformed signed note: ${why}`);
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(sigPrefix)) throw malformed("signature line does not start with an em dash and a space");
  const rest = line.slice(sigPrefix.length);
  const space = rest.indexOf(" ");
  if (space < 0) throw malformed("signature line has no space between key name and signature");
  const name = rest.slice(0, space);
  if (!isValidKeyName(name)) throw malformed("invalid key name in a signature line");
  const payload = decodeStrictBase64(rest.slice(space + 1));
  // Four bytes of key id and at least one of signature.
  if (payload === undefined || payload.length < 5) throw malformed("signature is not canonical base64 of 5+ bytes");
  const keyId = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0);
  return { name, keyId, signature: payload.slice(4) };
}

/**
 * Parses a signed note without verifying it. Strict: valid UTF-8, no control
 * characters but "\n", the text split from the signatures at the last blank
 * line, 1 to 100 well-formed signature lines, canonical base64, at most
 * maxNoteBytes. Throws CheckpointError("malformed-note").
 */
export function parseNote(input: string | Uint8Array): Note {
  let note: string;
  if (typeof input === "string") {
    if (input.length > maxNoteBytes || Buffer.byteLength(input, "utf8") > maxNoteBytes) throw malformed("too long");
    note = input;
  } else {
    if (input.length > maxNoteBytes) throw malformed("too long");
    try {
      note = utf8Decoder.decode(input);
    } catch {
      throw malformed("not valid UTF-8");
    }
  }
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

/** Signs `text` with every signer and returns the note. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  checkText(text);
  const message = utf8(text);
  return formatNote({
    text,
    signatures: signers.map((s) => ({ name: s.name, keyId: s.keyId, signature: s.sign(message) })),
  });
}

function verifierIndex(verifiers: readonly NoteVerifier[]): Map<string, NoteVerifier> {
  const index = new Map<string, NoteVerifier>();
  for (const v of verifiers) {
    const key = `${v.keyId}\n${v.name}`;
    if (index.has(key)) {
      throw new CheckpointError("invalid-argument", `two verifiers share the name ${v.name} and key id ${v.keyId}`);
    }
    index.set(key, v);
  }
  return index;
}

/**
 * Parses and verifies a note (c2sp.org/signed-note §Signatures): signatures
 * whose (name, key id) match no verifier are ignored; every signature that
 * matches one must verify (else "bad-signature": we take the spec's SHOULD
 * as MUST); at least one must (else "unverified").
 */
export function verifyNote(input: string | Uint8Array, verifiers: readonly NoteVerifier[]): VerifiedNote {
  const index = verifierIndex(verifiers);
  const note = parseNote(input);
  const message = utf8(note.text);
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  for (const sig of note.signatures) {
    const verifier = index.get(`${sig.keyId}\n${sig.name}`);
    if (verifier === undefined) {
      unverified.push(sig);
    } else if (verifier.verify(message, sig.signature)) {
      verified.push(sig);
    } else {
      throw new CheckpointError("bad-signature", `signature by known key ${sig.name} does not verify`);
    }
  }
  if (verified.length === 0) throw new CheckpointError("unverified", "note has no signature from a known key");
  return { text: note.text, verified, unverified };
}
