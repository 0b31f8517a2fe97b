import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isMerkleError, MerkleError, merkleErrorCodes } from "./merkle-error.js";

describe("MerkleError", () => {
  it("carries its code and name, and isMerkleError can filter by code", () => {
    const error = new MerkleError("root-mismatch", "leads to another root");
    assert.ok(error instanceof Error);
    assert.equal(error.name, "MerkleError");
    assert.equal(error.code, "root-mismatch");
    assert.equal(error.message, "leads to another root");
    assert.equal(isMerkleError(error), true);
    assert.equal(isMerkleError(error, "root-mismatch"), true);
    assert.equal(isMerkleError(error, "bad-size"), false);
    assert.equal(isMerkleError(new Error("x")), false);
    assert.equal(isMerkleError({ code: "root-mismatch" }), false);
  });

  it("has a closed set of distinct codes", () => {
    assert.deepEqual([...merkleErrorCodes].sort(), [
      "bad-proof-length",
      "bad-size",
      "index-out-of-range",
      "malformed",
      "root-mismatch",
    ]);
  });
});
