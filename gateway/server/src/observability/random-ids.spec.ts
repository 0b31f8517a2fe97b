import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isValidSpanId, isValidTraceId } from "@opentelemetry/api";
import { newSpanId, newTraceId } from "./random-ids.js";

describe("random ids", () => {
  it("are valid W3C trace and span ids", () => {
    for (let i = 0; i < 500; i++) {
      assert.ok(isValidTraceId(newTraceId()));
      assert.ok(isValidSpanId(newSpanId()));
    }
  });
});
