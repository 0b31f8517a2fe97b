import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodedError, codedErrorGuard, isCodedError } from "./coded-error.js";

const codes = ["broken", "missing"] as const;
class SampleError extends CodedError<"sample", (typeof codes)[number]> {
  constructor(code: (typeof codes)[number], message: string, options?: { cause?: unknown }) {
    super("sample", code, message, options);
    this.name = "SampleError";
  }
}
const isSampleError = codedErrorGuard(SampleError);

describe("CodedError", () => {
  it("carries domain, code, message and cause", () => {
    const cause = new Error("disk");
    const e = new SampleError("broken", "it broke", { cause });
    assert.equal(e.domain, "sample");
    assert.equal(e.code, "broken");
    assert.equal(e.message, "it broke");
    assert.equal(e.cause, cause);
    assert.equal(e.name, "SampleError");
    assert.ok(e instanceof Error);
    assert.ok(isCodedError(e));
  });

  it("leaves cause unset when none is given", () => {
    assert.equal("cause" in new SampleError("missing", "x"), false);
  });

  it("guards by class and, optionally, by code", () => {
    const e = new SampleError("missing", "x");
    assert.ok(isSampleError(e));
    assert.ok(isSampleError(e, "missing"));
    assert.equal(isSampleError(e, "broken"), false);
    assert.equal(isSampleError(new CodedError("sample", "missing", "x")), false);
    assert.equal(isSampleError(new Error("x")), false);
    assert.equal(isCodedError({ domain: "sample", code: "missing" }), false);
  });
});
