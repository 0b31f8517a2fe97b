import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodedError } from "@hutong/errors";
import { documentedCodes } from "@hutong/errors/testing";
import { isOutboxError, OutboxError, outboxErrorCodes } from "./outbox-error.js";

const doc = new URL("../../../../docs/outbox.md", import.meta.url).pathname;

describe("OutboxError", () => {
  it("is a CodedError of the domain outbox, with a guard by code", () => {
    const e = new OutboxError("not-found", "no outbox message 7");
    assert.ok(e instanceof CodedError);
    assert.deepEqual([e.domain, e.code, e.name], ["outbox", "not-found", "OutboxError"]);
    assert.ok(isOutboxError(e, "not-found"));
    assert.equal(isOutboxError(e, "in-flight"), false);
  });

  it("docs/outbox.md lists exactly its codes, in order", () => {
    assert.deepEqual(documentedCodes(doc, "## Error codes"), [...outboxErrorCodes]);
  });
});
