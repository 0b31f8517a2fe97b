// The grpc-message header is percent-encoded UTF-8 (PROTOCOL-HTTP2.md): printable ASCII except "%" goes as
// is, everything else as %XX per byte. A decoder must tolerate bad escapes, keeping them literally.

const plain = /^[\x20-\x24\x26-\x7e]*$/;
const hex = "0123456789ABCDEF";

export function encodeGrpcMessage(message: string): string {
  if (plain.test(message)) return message;
  let out = "";
  for (const byte of Buffer.from(message, "utf8")) {
    if (byte >= 0x20 && byte <= 0x7e && byte !== 0x25) out += String.fromCharCode(byte);
    else out += `%${hex[byte >> 4]}${hex[byte & 15]}`;
  }
  return out;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

export function decodeGrpcMessage(encoded: string): string {
  if (!encoded.includes("%")) return encoded;
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const code = encoded.charCodeAt(i);
    if (code === 0x25 && i + 2 < encoded.length) {
      const hi = hexValue(encoded.charCodeAt(i + 1));
      const lo = hexValue(encoded.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        bytes.push((hi << 4) | lo);
        i += 2;
        continue;
      }
    }
    if (code <= 0x7f) {
      bytes.push(code);
      continue;
    }
    // Non-ASCII input is not valid on the wire, but keep it rather than lose it.
    const point = encoded.codePointAt(i) ?? code;
    for (const b of Buffer.from(String.fromCodePoint(point), "utf8")) bytes.push(b);
    if (point > 0xffff) i++;
  }
  return Buffer.from(bytes).toString("utf8");
}
