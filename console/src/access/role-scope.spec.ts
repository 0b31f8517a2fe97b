import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Account } from "../accounts/account-store.js";
import { canSee, gatewaysFor, scopeOf, seesProvince } from "./role-scope.js";

const gateways = ["mot", "prov:510000", "prov:440000", "prov:510000/edge"];
const account = (role: Account["role"], extra: Partial<Account> = {}): Account => ({
  username: "u1",
  displayName: "U",
  role,
  ...extra,
});

describe("role scope", () => {
  it("gives the ministry every gateway and view but a holder's", () => {
    const s = scopeOf(account("ministry"), gateways);
    assert.deepEqual(s.gateways, gateways);
    assert.equal(canSee(s, "delivery"), true);
    assert.equal(canSee(s, "my-data"), false);
    assert.equal(s.canReplay, true);
  });

  it("keeps a province operator to its province's gateways and rows", () => {
    const s = scopeOf(account("province", { province: "510000" }), gateways);
    assert.deepEqual(s.gateways, ["prov:510000", "prov:510000/edge"]);
    assert.equal(seesProvince(s, "prov:510000"), true);
    assert.equal(seesProvince(s, "prov:510000/ticketing"), true);
    assert.equal(seesProvince(s, "prov:5100001"), false, "a prefix of digits is not the province");
    assert.equal(seesProvince(s, "prov:440000"), false);
    assert.equal(gatewaysFor(s, "prov:440000"), undefined);
    assert.deepEqual(gatewaysFor(s, "prov:510000"), ["prov:510000"]);
    assert.deepEqual(gatewaysFor(s, ""), s.gateways);
  });

  it("lets an auditor read but not replay, and a holder see only their data", () => {
    const a = scopeOf(account("auditor"), gateways);
    assert.deepEqual(
      [a.canReplay, canSee(a, "delivery"), canSee(a, "indicators"), canSee(a, "audit")],
      [false, false, false, true],
    );
    const h = scopeOf(account("holder", { subjectDigestHex: "ab".repeat(32) }), gateways);
    assert.deepEqual(h.views, ["my-data"]);
    assert.equal(h.subjectDigestHex, "ab".repeat(32));
    assert.equal(h.canReplay, false);
  });
});
