import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePartyId } from "@hutong/certs";
import fc from "fast-check";
import { compilePartyPattern, matchesParty } from "./party-pattern.js";
import { createRouteTable, type RouteEntry } from "./route-table.js";
import { isRoutingError } from "./routing-error.js";
import { partyIdArbitrary, partyPatternTextArbitrary } from "./testing-party-ids.js";

const local = (match: string, port = 9001): RouteEntry => ({
  match,
  target: { kind: "local", address: `127.0.0.1:${port}` },
  timeoutMs: 10_000,
  maxInFlight: 256,
  maxQueued: 1024,
  name: `${match} local`,
});
const peer = (match: string, peerParty: string): RouteEntry => ({
  ...local(match),
  target: { kind: "peer", address: "127.0.0.1:7444", peerParty },
  name: `${match} via ${peerParty}`,
});

describe("route table", () => {
  const table = createRouteTable([
    peer("*", "mot"),
    peer("prov:*", "prov:440000"),
    local("prov:510000/*", 9002),
    local("prov:510000", 9001),
    local("prov:510000/licence", 9003),
    local("rail:cr", 9004),
  ]);
  const name = (party: string) => table.resolve(party)?.name;

  it("prefers the exact party", () => {
    assert.equal(name("prov:510000"), "prov:510000 local");
    assert.equal(name("prov:510000/licence"), "prov:510000/licence local");
  });

  it("falls back from a sub-system to an entry for its parent party before the subtree", () => {
    assert.equal(name("prov:510000/ticket"), "prov:510000 local");
    const withoutParent = createRouteTable([local("prov:510000/*", 9002), local("prov:*", 9005)]);
    assert.equal(withoutParent.resolve("prov:510000/ticket")?.name, "prov:510000/* local");
    assert.equal(withoutParent.resolve("prov:510000")?.name, "prov:* local");
  });

  it("uses the kind wildcard, then *", () => {
    assert.equal(name("prov:440000"), "prov:* via prov:440000");
    assert.equal(name("prov:440000/licence"), "prov:* via prov:440000");
    assert.equal(name("rail:cr/x"), "rail:cr local");
    assert.equal(name("air:caac"), "* via mot");
    assert.equal(name("mot"), "* via mot");
  });

  it("resolves nothing without a matching entry or for an invalid party id", () => {
    const t = createRouteTable([local("prov:510000")]);
    assert.equal(t.resolve("prov:440000"), undefined);
    assert.equal(t.resolve("prov:510000/x")?.name, "prov:510000 local");
    assert.equal(t.resolve("prov:440000/x"), undefined);
    assert.equal(table.resolve("prov:999999"), undefined);
    assert.equal(table.resolve(""), undefined);
    assert.equal(table.resolve("*"), undefined);
  });

  it("keeps the entries in order and frozen", () => {
    assert.deepEqual(
      table.entries.map((e) => e.match),
      ["*", "prov:*", "prov:510000/*", "prov:510000", "prov:510000/licence", "rail:cr"],
    );
    assert.ok(Object.isFrozen(table.entries));
    assert.equal(createRouteTable([]).resolve("mot"), undefined);
  });

  it("refuses two entries with the same match text", () => {
    assert.throws(
      () => createRouteTable([local("prov:510000"), local("*"), peer("prov:510000", "mot")]),
      (e) => isRoutingError(e, "duplicate-route") && /routes 0 and 2 both match "prov:510000"/.test(e.message),
    );
    assert.throws(
      () => createRouteTable([local("*"), local("*", 2)]),
      (e) => isRoutingError(e, "duplicate-route"),
    );
  });

  it("refuses an invalid pattern, naming the route", () => {
    assert.throws(
      () => createRouteTable([local("*"), local("prov:123456")]),
      (e) => isRoutingError(e, "invalid-pattern") && e.message.startsWith("route 1 "),
    );
  });

  it("refuses invalid targets and limits", () => {
    const cases: RouteEntry[] = [
      peer("*", "prov:*"),
      peer("*", "nobody"),
      { ...local("*"), target: { kind: "local", address: "" } },
      { ...local("*"), timeoutMs: 0 },
      { ...local("*"), timeoutMs: 1.5 },
      { ...local("*"), maxInFlight: 0 },
      { ...local("*"), maxQueued: -1 },
      { ...local("*"), maxQueued: Number.NaN },
    ];
    for (const entry of cases) {
      assert.throws(
        () => createRouteTable([entry]),
        (e) => isRoutingError(e, "invalid-route"),
        JSON.stringify(entry),
      );
    }
    assert.doesNotThrow(() => createRouteTable([{ ...local("*"), maxQueued: 0 }]));
  });

  it("agrees with a brute-force oracle of the precedence rules (property)", () => {
    // Rank of an entry for a party: exact 4, exact parent of a sub-system 3, subtree 2, kind 1, * 0.
    const rank = (match: string, party: string): number | undefined => {
      const id = parsePartyId(party);
      if (match === party) return 4;
      if (id.subsystem !== undefined && match === id.member) return 3;
      const p = compilePartyPattern(match);
      if (!matchesParty(p, id)) return undefined;
      return p.form === "subtree" ? 2 : p.form === "kind" ? 1 : p.form === "any" ? 0 : undefined;
    };
    fc.assert(
      fc.property(fc.uniqueArray(partyPatternTextArbitrary, { maxLength: 12 }), partyIdArbitrary, (matches, party) => {
        const t = createRouteTable(matches.map((m, i) => local(m, 9000 + i)));
        let best: string | undefined;
        let bestRank = -1;
        for (const m of matches) {
          const r = rank(m, party);
          if (r === undefined) continue;
          assert.notEqual(r, bestRank, "two distinct entries of equal rank never both match");
          if (r > bestRank) {
            best = m;
            bestRank = r;
          }
        }
        assert.equal(t.resolve(party)?.match, best);
      }),
    );
  });
});
