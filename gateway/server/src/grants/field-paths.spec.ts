import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RecordKind } from "@hutong/proto";
import fc from "fast-check";
import { isFieldPath, meetPaths, normalizePaths, pathCovers, recordRoot } from "./field-paths.js";

const T = RecordKind.RECORD_KIND_E_TICKET;

describe("field paths", () => {
  it("are proto field names rooted at the record kind", () => {
    assert.equal(recordRoot(T), "ticket");
    assert.equal(recordRoot(RecordKind.RECORD_KIND_LICENCE), "licence");
    assert.equal(recordRoot(RecordKind.RECORD_KIND_E_INVOICE), "invoice");
    assert.equal(recordRoot(RecordKind.RECORD_KIND_UNSPECIFIED), undefined);
    for (const ok of ["ticket", "ticket.passenger", "ticket.passenger.id_no", "ticket.fare_fen"]) {
      assert.equal(isFieldPath(ok, T), true, ok);
    }
    for (const bad of [
      "",
      "licence.licence_no",
      "tickets",
      "ticket.",
      ".ticket",
      "ticket..passenger",
      "ticket.Passenger",
      "ticket.passenger.*",
      "ticket.1st",
      `ticket.${"a".repeat(130)}`,
      "ticket.a.b.c.d.e.f.g.h",
    ]) {
      assert.equal(isFieldPath(bad, T), false, bad);
    }
    assert.equal(isFieldPath("ticket", RecordKind.RECORD_KIND_UNSPECIFIED), false);
  });

  it("cover themselves and what lies below, on segment boundaries only", () => {
    assert.equal(pathCovers("ticket.passenger", "ticket.passenger"), true);
    assert.equal(pathCovers("ticket.passenger", "ticket.passenger.name"), true);
    assert.equal(pathCovers("ticket.passenger.name", "ticket.passenger"), false);
    assert.equal(pathCovers("ticket.pass", "ticket.passenger"), false);
    assert.equal(pathCovers("ticket.seat", "ticket.seat_no"), false);
  });

  it("normalize to the smallest sorted set", () => {
    assert.deepEqual(normalizePaths(["ticket.b", "ticket.a.x", "ticket.a", "ticket.b"]), ["ticket.a", "ticket.b"]);
  });

  it("meet to what every set covers", () => {
    assert.deepEqual(meetPaths(["ticket"], ["ticket.passenger.name", "ticket.fare_fen"]), [
      "ticket.fare_fen",
      "ticket.passenger.name",
    ]);
    assert.deepEqual(meetPaths(["ticket.passenger"], ["ticket.passenger.name"], ["ticket"]), ["ticket.passenger.name"]);
    assert.deepEqual(meetPaths(["ticket.passenger"], ["ticket.buyer"]), []);
    assert.deepEqual(meetPaths(["ticket"], []), []);
    assert.deepEqual(meetPaths(), []);
  });

  it("meet is sound, complete, commutative and idempotent (property)", () => {
    const pool = [
      "ticket",
      "ticket.passenger",
      "ticket.passenger.name",
      "ticket.passenger.id_no",
      "ticket.buyer",
      "ticket.buyer.name",
      "ticket.fare_fen",
      "ticket.seat",
      "ticket.seat_no",
    ];
    const set = fc.subarray(pool);
    fc.assert(
      fc.property(set, set, set, (a, b, c) => {
        const m = meetPaths(a, b, c);
        const coveredByAll = (p: string): boolean => [a, b, c].every((s) => s.some((q) => pathCovers(q, p)));
        for (const p of m) assert.ok(coveredByAll(p), `${p} escapes a bound`);
        for (const p of pool)
          if (coveredByAll(p))
            assert.ok(
              m.some((q) => pathCovers(q, p)),
              `${p} lost`,
            );
        assert.deepEqual(meetPaths(c, a, b), m);
        assert.deepEqual(meetPaths(m, m), m);
        assert.deepEqual(normalizePaths(m), m);
      }),
    );
  });
});
