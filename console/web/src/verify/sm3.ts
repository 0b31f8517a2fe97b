import { fromHex } from "./bytes.js";
import { sm3 as sm3Hex } from "./sm-crypto.js";

/**
 * SM3 (GB/T 32905) of raw bytes. sm-crypto's sm3 takes a string as UTF-8 text but any array-like
 * as bytes; we always hand it bytes, never a string.
 */
export function sm3(bytes: Uint8Array): Uint8Array {
  return fromHex(sm3Hex(bytes)) as Uint8Array;
}
