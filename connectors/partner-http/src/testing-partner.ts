import type { EnvelopeCodes } from "./partner-envelope.js";
import type { SignatureHeaders } from "./signature-headers.js";
import type { PartnerChannel } from "./signed-client.js";

// A made-up channel for the kit's specs: its own header names and codes, so a spec shows the kit
// uses the ones it is given rather than any channel's.

export const testHeaders: SignatureHeaders = {
  appKey: "x-test-key",
  timestamp: "x-test-ts",
  nonce: "x-test-nonce",
  signature: "x-test-sig",
};

export const testCodes: EnvelopeCodes = {
  unknownAppKey: "E101",
  badSignature: "E102",
  staleTimestamp: "E103",
  nonceReused: "E104",
  malformed: "E105",
};

export const testAppKey = "kit-test";
export const testSecretHex = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
export const testAppKeys = { [testAppKey]: testSecretHex } as const;

export function testChannel(baseUrl: string, secretHex = testSecretHex, appKey = testAppKey): PartnerChannel {
  return { baseUrl, appKey, appSecret: Buffer.from(secretHex, "hex"), headers: testHeaders };
}
