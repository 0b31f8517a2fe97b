import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePartyId } from "@hutong/certs";
import fc from "fast-check";
import { compilePartyPattern, matchesParty, patternSpecificity } from "./party-pattern.js";
import { isRoutingError } from "./routing-error.js";
import { partyIdArbitrary, partyPatternTextArbitrary } from "./testing-party-ids.js";

describe("party patterns", () => {
  it("compiles the four forms", () => {
    assert.deepEqual(compilePartyPattern("*"), { form: "any", text: "*" });
    assert.deepEqual(compilePartyPattern("prov:510000"), { form: "exact", text: "prov:510000", party: "prov:510000" });
    assert.deepEqual(compilePartyPattern("prov:510000/licence"), {
      form: "exact",
      text: "prov:510000/licence",
      party: "prov:510000/licence",
    });
    assert.deepEqual(compilePartyPattern("prov:510000/*"), {
      form: "subtree",
      text: "prov:510000/*",
      member: "prov:510000",
    });
    assert.deepEqual(compilePartyPattern("mot/*"), { form: "subtree", text: "mot/*", member: "mot" });
    assert.deepEqual(compilePartyPattern("prov:*"), { form: "kind", text: "prov:*", partyKind: "prov" });
    assert.deepEqual(compilePartyPattern("org:*"), { form: "kind", text: "org:*", partyKind: "org" });
  });

  for (const bad of [
    "",
    " *",
    "**",
    "*/*",
    "/*",
    "prov:999999",
    "prov:510000 ",
    "prov:510100",
    "prov:510000/licence/*",
    "prov:510000/*/x",
    "prov:5*",
    "prov:*/licence",
    "mot:*",
    "foo:*",
    "*:*",
    "PROV:510000",
    "rail:",
    "prov:510000/",
    "constructor:*",
  ]) {
    it(`refuses ${JSON.stringify(bad)} with invalid-pattern`, () => {
      assert.throws(
        () => compilePartyPattern(bad),
        (e) => isRoutingError(e, "invalid-pattern") && e.message.includes("invalid party pattern"),
      );
    });
  }

  it("says why a party id inside a pattern is invalid", () => {
    assert.throws(() => compilePartyPattern("prov:999999/*"), /GB\/T 2260/);
  });

  it("matches exactly: the party, not its sub-systems", () => {
    const p = compilePartyPattern("prov:510000");
    assert.equal(matchesParty(p, "prov:510000"), true);
    assert.equal(matchesParty(p, "prov:510000/licence"), false);
    assert.equal(matchesParty(p, "prov:440000"), false);
    const sub = compilePartyPattern("prov:510000/licence");
    assert.equal(matchesParty(sub, "prov:510000/licence"), true);
    assert.equal(matchesParty(sub, "prov:510000"), false);
    assert.equal(matchesParty(sub, "prov:510000/ticket"), false);
  });

  it("matches a subtree: the sub-systems, not the party", () => {
    const p = compilePartyPattern("prov:510000/*");
    assert.equal(matchesParty(p, "prov:510000/licence"), true);
    assert.equal(matchesParty(p, "prov:510000"), false);
    assert.equal(matchesParty(p, "prov:440000/licence"), false);
  });

  it("matches a kind wildcard including sub-systems, and only that kind", () => {
    const p = compilePartyPattern("prov:*");
    assert.equal(matchesParty(p, "prov:510000"), true);
    assert.equal(matchesParty(p, "prov:xpcc/licence"), true);
    assert.equal(matchesParty(p, "mot"), false);
    assert.equal(matchesParty(p, "rail:cr"), false);
  });

  it("never matches an invalid party id, not even with *", () => {
    for (const text of ["*", "prov:*", "prov:510000", "prov:510000/*"]) {
      const p = compilePartyPattern(text);
      for (const party of ["", "prov:999999", "prov:510000/", "x", "prov:510000/a/b", "*"]) {
        assert.equal(matchesParty(p, party), false, `${text} vs ${party}`);
      }
    }
  });

  it("accepts an already parsed party id", () => {
    assert.equal(matchesParty(compilePartyPattern("rail:*"), parsePartyId("rail:cr/x")), true);
  });

  it("orders specificity exact > subtree > kind > any", () => {
    const s = (t: string) => patternSpecificity(compilePartyPattern(t));
    assert.ok(s("prov:510000") > s("prov:510000/*"));
    assert.ok(s("prov:510000/*") > s("prov:*"));
    assert.ok(s("prov:*") > s("*"));
  });

  it("has the set semantics in the brief for every party and pattern (property)", () => {
    fc.assert(
      fc.property(partyPatternTextArbitrary, partyIdArbitrary, (text, party) => {
        const p = compilePartyPattern(text);
        const id = parsePartyId(party);
        let expected: boolean;
        if (text === "*") expected = true;
        else if (text.endsWith("/*")) expected = id.subsystem !== undefined && `${id.member}/*` === text;
        else if (text.endsWith(":*")) expected = party.startsWith(text.slice(0, -1));
        else expected = party === text;
        assert.equal(matchesParty(p, party), expected);
        assert.equal(matchesParty(p, id), expected);
        assert.equal(p.text, text);
      }),
    );
  });
});
