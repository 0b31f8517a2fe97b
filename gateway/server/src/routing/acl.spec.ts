import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Purpose } from "@hutong/proto";
import { type AclRequest, type AclRule, compileAcl } from "./acl.js";
import { purposeNames } from "./purpose-names.js";
import { isRoutingError } from "./routing-error.js";

const call = (overrides: Partial<AclRequest> = {}): AclRequest => ({
  caller: "prov:440000",
  method: "hutong.v1.TicketService/GetTicket",
  purpose: "BOARDING_CHECK",
  target: "prov:510000",
  ...overrides,
});

describe("ACL", () => {
  const acl = compileAcl([
    {
      callers: ["prov:440000", "prov:440000/*"],
      methods: ["hutong.v1.TicketService/*"],
      purposes: ["BOARDING_CHECK"],
      targets: ["prov:510000"],
    },
    { callers: ["mot"], methods: ["*"] },
  ]);

  it("allows a call every field of a rule matches, naming the rule", () => {
    assert.deepEqual(acl.decide(call()), { allow: true, rule: 0 });
    assert.deepEqual(acl.decide(call({ caller: "prov:440000/ticket" })), { allow: true, rule: 0 });
    assert.deepEqual(acl.decide(call({ caller: "mot", purpose: "EMERGENCY", target: "rail:cr" })), {
      allow: true,
      rule: 1,
    });
  });

  it("denies when any one field misses", () => {
    const denied = { allow: false, reason: "no-matching-rule" };
    assert.deepEqual(acl.decide(call({ caller: "prov:450000" })), denied);
    assert.deepEqual(acl.decide(call({ method: "hutong.v1.LicenceService/GetLicence" })), denied);
    assert.deepEqual(acl.decide(call({ purpose: "INVOICING" })), denied);
    assert.deepEqual(acl.decide(call({ target: "prov:510000/licence" })), denied);
    assert.deepEqual(acl.decide(call({ caller: "mot/x" })), denied);
  });

  it("denies by default", () => {
    assert.deepEqual(compileAcl([]).decide(call()), { allow: false, reason: "no-matching-rule" });
  });

  it("denies an unspecified or unknown purpose and invalid party ids whatever the rules say", () => {
    const open = compileAcl([{ callers: ["*"], methods: ["*"] }]);
    assert.equal(open.decide(call()).allow, true);
    for (const bad of [
      call({ purpose: "UNSPECIFIED" }),
      call({ purpose: "PURPOSE_BOARDING_CHECK" }),
      call({ purpose: "UNRECOGNIZED" }),
      call({ purpose: "" }),
      call({ caller: "prov:999999" }),
      call({ target: "" }),
    ]) {
      assert.equal(open.decide(bad).allow, false, JSON.stringify(bad));
    }
  });

  it("reports the first matching rule", () => {
    const a = compileAcl([
      { callers: ["rail:*"], methods: ["*"] },
      { callers: ["prov:*"], methods: ["*"], targets: ["prov:510000/*"] },
      { callers: ["*"], methods: ["hutong.v1.TicketService/GetTicket"] },
    ]);
    assert.deepEqual(a.decide(call()), { allow: true, rule: 2 });
    assert.deepEqual(a.decide(call({ target: "prov:510000/licence" })), { allow: true, rule: 1 });
  });

  it("knows every specified purpose of the contract and no other", () => {
    const expected = Object.keys(Purpose)
      .filter((k) => /^PURPOSE_/.test(k) && k !== "PURPOSE_UNSPECIFIED")
      .map((k) => k.replace(/^PURPOSE_/, ""));
    assert.deepEqual([...purposeNames], expected);
    assert.ok(purposeNames.includes("BOARDING_CHECK"));
    assert.ok(!purposeNames.includes("UNSPECIFIED"));
    for (const purpose of purposeNames) {
      assert.equal(
        compileAcl([{ callers: ["*"], methods: ["*"], purposes: [purpose] }]).decide(call({ purpose })).allow,
        true,
      );
    }
  });

  const bad: [string, AclRule, string, RegExp][] = [
    [
      "an unknown purpose",
      { callers: ["*"], methods: ["*"], purposes: ["BORDING_CHECK"] },
      "invalid-rule",
      /acl rule 1 purposes\[0\]: unknown purpose "BORDING_CHECK"; expected one of BOARDING_CHECK, /,
    ],
    ["UNSPECIFIED", { callers: ["*"], methods: ["*"], purposes: ["UNSPECIFIED"] }, "invalid-rule", /unknown purpose/],
    [
      "a prefixed purpose",
      { callers: ["*"], methods: ["*"], purposes: ["PURPOSE_EMERGENCY"] },
      "invalid-rule",
      /without the PURPOSE_ prefix/,
    ],
    [
      "a bad caller",
      { callers: ["*", "prov:1"], methods: ["*"] },
      "invalid-pattern",
      /acl rule 1 callers\[1\]: invalid party pattern/,
    ],
    ["a bad target", { callers: ["*"], methods: ["*"], targets: ["prov:*/x"] }, "invalid-pattern", /targets\[0\]/],
    [
      "a bad method",
      { callers: ["*"], methods: ["GetTicket"] },
      "invalid-pattern",
      /methods\[0\]: invalid method pattern/,
    ],
    ["no callers", { callers: [], methods: ["*"] }, "invalid-rule", /callers: an empty list/],
    ["no methods", { callers: ["*"], methods: [] }, "invalid-rule", /methods: an empty list/],
    ["empty purposes", { callers: ["*"], methods: ["*"], purposes: [] }, "invalid-rule", /purposes: an empty list/],
    ["empty targets", { callers: ["*"], methods: ["*"], targets: [] }, "invalid-rule", /targets: an empty list/],
  ];
  for (const [what, rule, code, message] of bad) {
    it(`refuses ${what} at compile time`, () => {
      assert.throws(
        () => compileAcl([{ callers: ["*"], methods: ["*"] }, rule]),
        (e) => isRoutingError(e) && e.code === code && message.test(e.message),
      );
    });
  }
});
