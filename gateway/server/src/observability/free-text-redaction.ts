import { randomBytes } from "node:crypto";
import { hmacSm3 } from "@hutong/certs";
import { personalDataKeys } from "./personal-data-redaction.js";

/**
 * Free text from outside (a backend's or a peer's status message, an error's message) can carry
 * personal data anywhere in it, under no key the structured redaction could see. What can be
 * found in free text is masked:
 *
 * - `key=value` / `key: value` where the key is a personal field of the contract (`holder_name=…`,
 *   `"idNo": "…"`): the value, up to its delimiter;
 * - e-mail addresses;
 * - every run of 6 or more digits, counting through single spaces and hyphens between groups and a
 *   trailing X (ID numbers old and new, mobile and landline numbers with or without +86, bank
 *   cards, passport and permit numbers' digits). Ticket numbers and timestamps go too: over-masking
 *   costs an operator a detail the backend's own log still has;
 * - every run of CJK ideographs: a Chinese name cannot be told from the words around it, so none
 *   is kept. A name in Latin letters cannot be found at all, which is why callers of this module
 *   log its output only beside the original's length and keyed digest, never the original.
 *
 * The text is NFKC-normalised first (full-width digits become ASCII digits and are masked), control
 * and bidirectional-formatting characters are replaced (a message cannot forge or reorder a log
 * line), and the result is cut to `maxLength` characters.
 */
export interface FreeTextRedactionOptions {
  /** Longest result, in characters, before a "…" that says it was cut; default 256. */
  readonly maxLength?: number;
}

export const freeTextMarks = {
  value: "[redacted]",
  digits: "[digits]",
  cjk: "[cjk]",
  email: "[email]",
} as const;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// Longest keys first, so "holder_id_no" is not cut short by a shorter key that is its suffix.
const keyAlternation = [...personalDataKeys, "id_no", "idno", "name", "phone", "tel", "mobile", "holder"]
  .sort((a, b) => b.length - a.length)
  .map(escapeRegExp)
  .join("|");
/**
 * A personal key (optionally quoted), `=` or `:`, then a quoted value or a bare one up to the next
 * delimiter (spaces included: "name=Zhang San" is one value).
 */
const keyValue = new RegExp(
  `(["']?)\\b(${keyAlternation})\\1(\\s*[:=]\\s*)("[^"]*"|'[^']*'|[^\\s,;&|)}\\]](?:[^,;&|)}\\]\\r\\n]*[^\\s,;&|)}\\]])?)`,
  "giu",
);
// Starts only where a token starts, and a local part is at most 64 characters: linear time on any input.
const email = /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]{1,64}@[\p{L}\p{N}-]{1,63}(?:\.[\p{L}\p{N}-]{1,63}){1,8}/gu;
/** Digit groups joined by at most one space or hyphen, an optional leading + and trailing X. */
const digitRun = /\+?\d(?:[ -]?\d)*(?:[ -]?[Xx](?![\p{L}\p{N}]))?/gu;
const cjkRun = /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]+/gu;
// C0/C1 controls, lone surrogates, bidi overrides and isolates, line/paragraph separators, zero-width
// characters.
const unsafe = /[\p{Cc}\p{Cs}\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu;
/** Digits, spaces and signs at the end of a cut: what may be the first part of a longer number. */
const cutNumber = /[\d\s+-]+$/u;

function maskDigits(run: string): string {
  let digits = 0;
  for (const ch of run) if (ch >= "0" && ch <= "9") digits++;
  return digits >= 6 ? freeTextMarks.digits : run;
}

/** `text` with every personal datum this module can find masked (see above). */
export function redactFreeText(text: string, options: FreeTextRedactionOptions = {}): string {
  const maxLength = options.maxLength ?? 256;
  // Work on a bounded prefix (a 4 MiB message costs no more than a short one); a number the cut
  // went through is dropped whole rather than kept as its first digits.
  const bound = maxLength * 4;
  const source = text.length <= bound ? text : text.slice(0, bound).replace(cutNumber, "");
  const redacted = source
    .normalize("NFKC")
    .replace(unsafe, "\ufffd")
    .replace(
      keyValue,
      (_m, quote: string, key: string, sep: string) => `${quote}${key}${quote}${sep}${freeTextMarks.value}`,
    )
    .replace(email, freeTextMarks.email)
    .replace(digitRun, maskDigits)
    .replace(cjkRun, freeTextMarks.cjk);
  const chars = [...redacted];
  if (chars.length <= maxLength && source.length === text.length) return redacted;
  return `${chars.slice(0, maxLength).join("").replace(cutNumber, "")}…`;
}

/**
 * Keyed, not plain SM3: a message whose only unknown is an ID number (some 10^11 possibilities) or
 * a phone number is found again from a plain digest by trying them all. The key is random per
 * process, so equal messages still show equal digests within one run of the gateway (repeats can be
 * grouped), while nothing outside the process can test a guess; the line's trace and correlation
 * ids are what tie it to the backend's own log.
 */
const digestKey = randomBytes(32);

/** What an operator's log may hold of a message that must not be logged as it is. */
export interface RedactedText {
  /** The message as redactFreeText leaves it. */
  readonly redacted: string;
  /** The original's length in UTF-16 code units. */
  readonly length: number;
  /** HMAC-SM3 of the original's UTF-8 under this process's random key, 32 hex digits. */
  readonly digest: string;
}

export function describeFreeText(text: string, options: FreeTextRedactionOptions = {}): RedactedText {
  return {
    redacted: redactFreeText(text, options),
    length: text.length,
    digest: Buffer.from(hmacSm3(digestKey, Buffer.from(text, "utf8"))).toString("hex", 0, 16),
  };
}
