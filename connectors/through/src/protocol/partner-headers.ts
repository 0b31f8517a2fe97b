import type { SignatureHeaders } from "@hutong/partner-http";

// The signature headers of both partners' APIs and of the connector's API for them (assumed, as
// partner-api.ts): the partner kit's signature (@hutong/partner-http) under these names.

export const partnerHeaders = {
  appKey: "x-partner-app-key",
  timestamp: "x-partner-timestamp",
  nonce: "x-partner-nonce",
  signature: "x-partner-signature",
} as const satisfies SignatureHeaders;
