import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileMethodPattern, matchesMethod } from "./method-pattern.js";
import { isRoutingError } from "./routing-error.js";

describe("method patterns", () => {
  const m = "hutong.v1.TicketService/GetTicket";

  it("matches an exact method only", () => {
    const p = compileMethodPattern(m);
    assert.equal(matchesMethod(p, m), true);
    assert.equal(matchesMethod(p, "hutong.v1.TicketService/GetTickets"), false);
    assert.equal(matchesMethod(p, `/${m}`), false);
  });

  it("matches every method of one service", () => {
    const p = compileMethodPattern("hutong.v1.TicketService/*");
    assert.equal(matchesMethod(p, m), true);
    assert.equal(matchesMethod(p, "hutong.v1.TicketService/Refund"), true);
    assert.equal(matchesMethod(p, "hutong.v1.TicketServiceX/GetTicket"), false);
    assert.equal(matchesMethod(p, "hutong.v1.LicenceService/GetTicket"), false);
    assert.equal(matchesMethod(p, "x.hutong.v1.TicketService/GetTicket"), false);
    assert.equal(matchesMethod(p, "hutong.v1.TicketService/"), false);
    assert.equal(matchesMethod(p, "hutong.v1.TicketService/a/b"), false);
  });

  it("matches anything with *", () => {
    assert.equal(matchesMethod(compileMethodPattern("*"), m), true);
  });

  for (const bad of [
    "",
    "**",
    "hutong.v1.TicketService",
    "/hutong.v1.TicketService/GetTicket",
    "hutong.v1.*",
    "*/GetTicket",
    "hutong..v1.S/M",
    "hutong.v1.S/M/N",
    "hutong.v1.S/M*",
    "hutong.v1.S/ M",
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      assert.throws(
        () => compileMethodPattern(bad),
        (e) => isRoutingError(e, "invalid-pattern") && e.message.includes("invalid method pattern"),
      );
    });
  }
});
