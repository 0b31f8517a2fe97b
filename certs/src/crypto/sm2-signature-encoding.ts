import { encodeDer, integerFromBytes, parseDer, readSeq, readUnsignedIntegerBytes, seq } from "../asn1/der.js";
import { CertsError } from "../error.js";

/** DER SEQUENCE{r, s} → fixed 64-byte r || s (for signed notes and compact wire forms). */
export function sm2SignatureDerToRaw(der: Uint8Array): Uint8Array {
  const [r, s] = readSeq(parseDer(der, "SM2 signature"), "SM2 signature", 2, 2);
  const out = new Uint8Array(64);
  for (const [i, node] of [r, s].entries()) {
    const bytes = readUnsignedIntegerBytes(node, "SM2 signature component");
    if (bytes.length > 32) throw new CertsError("malformed", "SM2 signature component longer than 32 bytes");
    out.set(bytes, i * 32 + 32 - bytes.length);
  }
  return out;
}

/** Fixed 64-byte r || s → DER SEQUENCE{r, s}. */
export function sm2SignatureRawToDer(raw: Uint8Array): Uint8Array {
  if (raw.length !== 64) throw new CertsError("malformed", "raw SM2 signature must be 64 bytes");
  return encodeDer(seq(integerFromBytes(raw.subarray(0, 32)), integerFromBytes(raw.subarray(32))));
}
