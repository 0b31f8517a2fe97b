import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { documentedCodes } from "@hutong/errors/testing";
import { ClientError, clientErrorCodes, isClientError } from "./client-error.js";

describe("ClientError", () => {
  it("documents exactly its codes in docs/errors.md", () => {
    const doc = fileURLToPath(new URL("../../../docs/errors.md", import.meta.url));
    assert.deepEqual(documentedCodes(doc, "### client").sort(), [...clientErrorCodes].sort());
  });

  it("is a coded error of the client domain", () => {
    const e = new ClientError("invalid-credentials", "key.pem is not the key of chain.pem");
    assert.equal(e.domain, "client");
    assert.ok(isClientError(e, "invalid-credentials"));
    assert.equal(isClientError(new Error("x")), false);
  });
});
