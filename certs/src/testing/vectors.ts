import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The published SM2/SM3/SM4 vectors shipped in shared/ beside the checkout, copied into testdata/. */
export interface StandardVectors {
  sm2_sign_recommended_curve: Record<string, string>;
  sm3: { input_ascii: string; digest: string }[];
  sm4: { key: string; plaintext: string; ciphertext: string; iterations?: number }[];
}

export function loadStandardVectors(): StandardVectors {
  const path = fileURLToPath(new URL("../../testdata/sm-standard-vectors.json", import.meta.url));
  return JSON.parse(readFileSync(path, "utf8")) as StandardVectors;
}

export const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
