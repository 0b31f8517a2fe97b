/**
 * Routing facts a gateway passes to a local backend, which trusts its own
 * gateway (it sits on the province's network behind it). They are copies of
 * what the gateway authenticated and decided; a peer gateway never reads them
 * (it gets the authenticated relay keys of docs/session-protocol.md §6.1).
 */
export const backendMetadataKeys = {
  /** Party of the system that made the call. */
  origin: "hutong-origin",
  purpose: "hutong-purpose",
  grantId: "hutong-grant-id",
  correlationId: "hutong-correlation-id",
  /** Gateways crossed, comma-separated, this one last. */
  hops: "hutong-hops",
} as const;

/** Trace context keys carried on every hop. */
export const traceMetadataKeys = ["traceparent", "tracestate"] as const;
