import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ReconcileDifferenceKind as K, type ReconcileEntry, SaleStatus as S } from "@hutong/proto";
import { compareStationDay } from "./compare-station-day.js";

const e = (ticketNo: string, fare: number, saleStatus = S.SALE_STATUS_SOLD): ReconcileEntry => ({
  ticketNo,
  fareFen: BigInt(fare),
  saleStatus,
});

describe("compareStationDay", () => {
  it("finds nothing when both sides agree, whatever the order", () => {
    const r = compareStationDay(
      [e("A", 100), e("B", 200, S.SALE_STATUS_REFUNDED)],
      [e("B", 200, S.SALE_STATUS_REFUNDED), e("A", 100)],
    );
    assert.deepEqual(r.differences, []);
    assert.deepEqual(r.owner, { tickets: 2, fareFen: 300n, refunded: 1, changed: 0 });
    assert.deepEqual(r.caller, r.owner);
  });
  it("names each ticket that differs and how, with both sides' totals", () => {
    const r = compareStationDay(
      [e("A", 100), e("B", 200), e("C", 300, S.SALE_STATUS_CHANGED_OUT), e("D", 50)],
      [e("A", 100), e("B", 250), e("C", 300, S.SALE_STATUS_SOLD), e("E", 70)],
    );
    assert.deepEqual(
      r.differences.map((d) => [d.ticketNo, d.kind]),
      [
        ["B", K.RECONCILE_DIFFERENCE_KIND_FARE],
        ["C", K.RECONCILE_DIFFERENCE_KIND_STATUS],
        ["D", K.RECONCILE_DIFFERENCE_KIND_MISSING_AT_CALLER],
        ["E", K.RECONCILE_DIFFERENCE_KIND_MISSING_AT_OWNER],
      ],
    );
    const fare = r.differences[0];
    assert.equal(fare?.ownerFareFen, 200n);
    assert.equal(fare?.callerFareFen, 250n);
    assert.deepEqual(r.owner, { tickets: 4, fareFen: 650n, refunded: 0, changed: 1 });
    assert.deepEqual(r.caller, { tickets: 4, fareFen: 720n, refunded: 0, changed: 0 });
  });
});
