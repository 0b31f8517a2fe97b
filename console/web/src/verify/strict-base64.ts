// Standard base64 (RFC 4648 §4, padded) accepting exactly one spelling per byte string
// (docs/audit-checkpoints.md §1). atob() is lenient (whitespace, missing padding, non-zero tail
// bits), which would let several texts carry one signature, so this decodes by hand and refuses
// anything but the canonical form.

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const values = new Map<string, number>([...alphabet].map((c, i) => [c, i]));

export function decodeStrictBase64(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    const a = values.get(text.charAt(i)) ?? 0;
    const b = values.get(text.charAt(i + 1)) ?? 0;
    const c = values.get(text.charAt(i + 2)) ?? 0;
    const d = values.get(text.charAt(i + 3)) ?? 0;
    const group = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = (group >> 16) & 0xff;
    if (last && padding === 2) {
      // The unused 4 bits of the second character must be zero.
      if ((b & 0x0f) !== 0) return undefined;
      break;
    }
    out[o++] = (group >> 8) & 0xff;
    if (last && padding === 1) {
      // The unused 2 bits of the third character must be zero.
      if ((c & 0x03) !== 0) return undefined;
      break;
    }
    out[o++] = group & 0xff;
  }
  return out;
}

export function encodeBase64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] ?? 0;
    const b = bytes[i + 1] ?? 0;
    const c = bytes[i + 2] ?? 0;
    const group = (a << 16) | (b << 8) | c;
    out += alphabet.charAt((group >> 18) & 63) + alphabet.charAt((group >> 12) & 63);
    out += i + 1 < bytes.length ? alphabet.charAt((group >> 6) & 63) : "=";
    out += i + 2 < bytes.length ? alphabet.charAt(group & 63) : "=";
  }
  return out;
}
