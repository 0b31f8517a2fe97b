import { pooledRandomHex } from "@hutong/certs";

// Trace and span ids for callers that sent no trace context: one pair per call on the hot path,
// so they come from the pooled CSPRNG rather than two randomBytes() calls.

/** A random 16-byte W3C trace id, lowercase hex (never the invalid all-zero id). */
export function newTraceId(): string {
  for (;;) {
    const id = pooledRandomHex(16);
    if (id !== "00000000000000000000000000000000") return id;
  }
}

/** A random 8-byte W3C span id, lowercase hex (never the invalid all-zero id). */
export function newSpanId(): string {
  for (;;) {
    const id = pooledRandomHex(8);
    if (id !== "0000000000000000") return id;
  }
}
