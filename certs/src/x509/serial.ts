import { randomBytes } from "node:crypto";
import { CertsError } from "../error.js";

/**
 * Serial numbers are compared as lowercase hex of their unsigned magnitude,
 * whole bytes, leading zero bytes removed ("05", "8f01", zero is "00"), so a
 * certificate's serialHex and a CRL entry's serialHex always meet.
 */
export function serialToHex(magnitude: Uint8Array): string {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const hex = Buffer.from(magnitude.subarray(start)).toString("hex");
  return hex.length === 0 ? "00" : hex;
}

/** Accepts any case, odd length and leading zeros ("0x" prefix and ":" separators too); returns serialToHex's form. */
export function normalizeSerialHex(text: string): string {
  let hex = text.trim().toLowerCase().replace(/:/g, "");
  if (hex.startsWith("0x")) hex = hex.slice(2);
  if (!/^[0-9a-f]+$/.test(hex)) throw new CertsError("invalid-argument", `serial "${text.slice(0, 80)}" is not hex`);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return serialToHex(new Uint8Array(Buffer.from(hex, "hex")));
}

export function serialFromHex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(normalizeSerialHex(text), "hex"));
}

/** RFC 5280 §4.1.2.2: a positive INTEGER of at most 20 octets. */
export function checkSerial(magnitude: Uint8Array): Uint8Array {
  const hex = serialToHex(magnitude);
  if (hex === "00") throw new CertsError("invalid-argument", "serial number must be positive");
  // A magnitude with the top bit set needs a 0x00 pad byte, which counts toward the 20 octets.
  const octets = hex.length / 2 + (Number.parseInt(hex.slice(0, 2), 16) >= 0x80 ? 1 : 0);
  if (octets > 20) throw new CertsError("invalid-argument", "serial number longer than 20 octets");
  return new Uint8Array(Buffer.from(hex, "hex"));
}

/** 16 random bytes with the top bit cleared (so no pad byte), never zero: 127 bits of entropy. */
export function randomSerial(): Uint8Array {
  for (;;) {
    const bytes = randomBytes(16);
    bytes.writeUInt8(bytes.readUInt8(0) & 0x7f, 0);
    if (bytes.some((b) => b !== 0)) return new Uint8Array(bytes);
  }
}
