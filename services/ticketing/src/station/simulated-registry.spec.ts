// The simulated registry of a province: deterministic per seed, stations and routes shaped as the
// simulator and the indicators need them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { provinceOfStation } from "../emission/event-routes.js";
import { simulatedProvince } from "./simulated-registry.js";

const others = ["440000", "310000"];
const sichuan = simulatedProvince("510000", others, 8, 20261205);

describe("simulatedProvince", () => {
  it("is deterministic for a seed, and another seed gives another registry", () => {
    assert.deepEqual(simulatedProvince("510000", others, 8, 20261205), sichuan);
    assert.notDeepEqual(simulatedProvince("510000", others, 8, 20261206), sichuan);
    assert.equal(sichuan.province, "510000");
  });

  it("registers `stationCount` stations with unique 9-digit codes in the province", () => {
    assert.equal(sichuan.stations.length, 8);
    const codes = sichuan.stations.map((s) => s.code);
    assert.equal(new Set(codes).size, codes.length);
    for (const c of codes) {
      assert.match(c, /^[0-9]{9}$/);
      assert.equal(provinceOfStation(c), "510000", c);
    }
    assert.equal(codes[0], "510101001");
    assert.deepEqual(simulatedProvince("510000", others, 0, 1), { province: "510000", stations: [], routes: [] });
  });

  it("grades stations 1 to 5, grade-1/2 ones with smart ticketing, every one with e-ticket service", () => {
    for (const s of sichuan.stations) {
      assert.ok(Number.isInteger(s.grade) && s.grade >= 1 && s.grade <= 5, `${s.code} grade ${s.grade}`);
      if (s.grade <= 2) assert.equal(s.smartTicketing, true, s.code);
      assert.equal(s.eTicketService, true);
      assert.ok(s.name.length > 0);
    }
  });

  it("gives every station a route inside the province to another station, and routes from registered stations only", () => {
    const codes = new Set(sichuan.stations.map((s) => s.code));
    for (const s of sichuan.stations) {
      const inside = sichuan.routes.filter((r) => r.from === s.code && codes.has(r.to));
      assert.ok(inside.length >= 1, `${s.code} has no route inside the province`);
      for (const r of inside) assert.notEqual(r.to, r.from, r.code);
    }
    for (const r of sichuan.routes) {
      assert.ok(codes.has(r.from), `${r.code} starts at ${r.from}`);
      assert.ok(r.weight > 0 && r.fareFen > 0 && Number.isInteger(r.fareFen), r.code);
      const to = provinceOfStation(r.to);
      assert.ok(to === "510000" || others.includes(to), `${r.code} goes to ${r.to}`);
      if (to !== "510000") assert.match(r.to, /^[0-9]{9}$/);
    }
  });

  it("numbers routes uniquely, runs some to other provinces, and never one to an unknown province", () => {
    const codes = sichuan.routes.map((r) => r.code);
    assert.equal(new Set(codes).size, codes.length);
    for (const c of codes) assert.match(c, /^51R[0-9]{4}$/);
    const big = simulatedProvince("510000", others, 40, 7);
    const cross = big.routes.filter((r) => provinceOfStation(r.to) !== "510000");
    assert.ok(cross.length > 0);
    for (const o of others)
      assert.ok(
        cross.some((r) => provinceOfStation(r.to) === o),
        `no route to ${o}`,
      );
    assert.ok(big.routes.some((r) => r.customised));
    assert.ok(big.routes.some((r) => !r.customised));
    const alone = simulatedProvince("510000", [], 10, 7);
    assert.ok(alone.routes.every((r) => provinceOfStation(r.to) === "510000"));
  });

  it("property: for any seed and size, station and route codes are unique and every route starts at a station", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 2, max: 60 }), (seed, n) => {
        const p = simulatedProvince("440000", ["510000"], n, seed);
        assert.equal(p.stations.length, n);
        const codes = new Set(p.stations.map((s) => s.code));
        assert.equal(codes.size, n);
        assert.equal(new Set(p.routes.map((r) => r.code)).size, p.routes.length);
        for (const r of p.routes) {
          assert.ok(codes.has(r.from));
          if (codes.has(r.to)) assert.notEqual(r.to, r.from);
          else assert.equal(provinceOfStation(r.to), "510000");
        }
      }),
      { numRuns: 100 },
    );
  });
});
