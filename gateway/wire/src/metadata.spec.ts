import assert from "node:assert/strict";
import type { OutgoingHttpHeaders } from "node:http2";
import { describe, it } from "node:test";
import { isReservedHeader, readMetadata, writeMetadata } from "./metadata.js";

describe("call metadata", () => {
  it("keeps custom keys, joins repeated ones, drops transport headers", () => {
    const md = readMetadata({
      ":path": "/a.B/C",
      "content-type": "application/grpc",
      te: "trailers",
      "grpc-timeout": "1S",
      "grpc-status": "0",
      "user-agent": "grpc-node-js",
      "x-party": "prov:510000",
      "x-many": ["a", "b"],
      "x-sig-bin": "AAEC",
      "grpc-status-details-bin": "CAE",
    });
    assert.deepEqual(md, {
      "x-party": "prov:510000",
      "x-many": "a, b",
      "x-sig-bin": "AAEC",
      "grpc-status-details-bin": "CAE",
    });
    assert.deepEqual(readMetadata(undefined), {});
  });

  it("writes only what is not reserved", () => {
    const out: OutgoingHttpHeaders = { ":path": "/x" };
    writeMetadata(out, { "x-a": "1", ":path": "/evil", connection: "close", "grpc-message": "spoof", te: "gzip" });
    assert.deepEqual(out, { ":path": "/x", "x-a": "1" });
  });

  it("knows pseudo-headers and the gRPC protocol's own headers as reserved", () => {
    for (const k of [":authority", "content-type", "grpc-encoding", "grpc-accept-encoding", "transfer-encoding"]) {
      assert.equal(isReservedHeader(k), true, k);
    }
    for (const k of ["x-hutong-session", "authorization", "traceparent"]) assert.equal(isReservedHeader(k), false, k);
  });
});
