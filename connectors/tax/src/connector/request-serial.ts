import { sm3 } from "@hutong/certs";

// The channel de-duplicates by a 32-character serial (发票请求流水号 fpqqlsh, and the slip's own);
// the caller names a request by its idempotency key. The serial is derived from both the calling
// party and its key, so two provinces' equal keys never meet, and so the same request always has
// the same serial: a retry after a lost answer is recognised by the channel, not issued twice.

export type SerialUse = "invoice" | "slip";

export function requestSerial(use: SerialUse, origin: string, idempotencyKey: string): string {
  return Buffer.from(sm3(Buffer.from(`hutong tax ${use}\0${origin}\0${idempotencyKey}`, "utf8")))
    .toString("hex")
    .slice(0, 32)
    .toUpperCase();
}
