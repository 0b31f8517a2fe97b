import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isStatusCode, Status, statusFromHttp, statusFromRstCode, statusName } from "./grpc-status.js";
import { WireError } from "./wire-error.js";

describe("gRPC status", () => {
  it("names codes, and only the 17 defined ones are codes", () => {
    assert.equal(statusName(Status.UNAVAILABLE), "UNAVAILABLE");
    assert.equal(statusName(0), "OK");
    assert.equal(statusName(16), "UNAUTHENTICATED");
    assert.equal(statusName(42), "CODE_42");
    assert.equal(isStatusCode(16), true);
    assert.equal(isStatusCode(17), false);
    assert.equal(isStatusCode(1.5), false);
    assert.equal(isStatusCode(-1), false);
  });

  it("maps HTTP statuses and stream resets as the spec says", () => {
    assert.equal(statusFromHttp(400), Status.INTERNAL);
    assert.equal(statusFromHttp(401), Status.UNAUTHENTICATED);
    assert.equal(statusFromHttp(403), Status.PERMISSION_DENIED);
    assert.equal(statusFromHttp(404), Status.UNIMPLEMENTED);
    for (const h of [429, 502, 503, 504]) assert.equal(statusFromHttp(h), Status.UNAVAILABLE);
    assert.equal(statusFromHttp(500), Status.UNKNOWN);
    assert.equal(statusFromRstCode(0x7), Status.UNAVAILABLE);
    assert.equal(statusFromRstCode(0x8), Status.CANCELLED);
    assert.equal(statusFromRstCode(0xb), Status.RESOURCE_EXHAUSTED);
    assert.equal(statusFromRstCode(0x2), Status.INTERNAL);
  });

  it("carries a status as an error with empty trailers by default", () => {
    const e = new WireError(Status.NOT_FOUND, "no ticket", { cause: new Error("db") });
    assert.equal(e.code, Status.NOT_FOUND);
    assert.deepEqual(e.trailers, {});
    assert.equal(String(e), "WireError: NOT_FOUND: no ticket");
    assert.ok(e.cause instanceof Error);
  });
});
