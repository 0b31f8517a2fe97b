import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { documentedCodes } from "@hutong/errors/testing";
import { isTicketingError, TicketingError, ticketingErrorCodes } from "./ticketing-error.js";

describe("TicketingError", () => {
  it("documents exactly its codes in docs/errors.md", () => {
    const doc = fileURLToPath(new URL("../../../docs/errors.md", import.meta.url));
    assert.deepEqual(documentedCodes(doc, "### ticketing").sort(), [...ticketingErrorCodes].sort());
  });

  it("is a coded error of the ticketing domain", () => {
    const e = new TicketingError("invalid-transition", "refund after check");
    assert.equal(e.domain, "ticketing");
    assert.ok(isTicketingError(e, "invalid-transition"));
    assert.equal(isTicketingError(e, "unknown-event-kind"), false);
    assert.equal(isTicketingError(new Error("x")), false);
  });
});
