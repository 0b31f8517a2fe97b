/**
 * Standard base64 (RFC 4648 §4, with padding) that accepts exactly one
 * spelling per byte string. Buffer's decoder skips invalid characters and
 * accepts the URL alphabet and missing padding; for signed bytes that would
 * let several texts carry one signature, so we re-encode and compare.
 */
export function decodeStrictBase64(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, "base64");
  if (bytes.toString("base64") !== text) return undefined;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
