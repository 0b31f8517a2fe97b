import {
  type ReconcileDailyResponse,
  type ReconcileDifference,
  ReconcileDifferenceKind,
  type ReconcileEntry,
  type ReconcileTotals,
  SaleStatus,
} from "@hutong/proto";

function totals(entries: readonly ReconcileEntry[]): ReconcileTotals {
  let fareFen = 0n;
  let refunded = 0;
  let changed = 0;
  for (const e of entries) {
    fareFen += e.fareFen;
    if (e.saleStatus === SaleStatus.SALE_STATUS_REFUNDED) refunded += 1;
    if (e.saleStatus === SaleStatus.SALE_STATUS_CHANGED_OUT) changed += 1;
  }
  return { tickets: entries.length, fareFen, refunded, changed };
}

/**
 * 对账 of one station's day (JT/T 979.4): the owner's tickets against the caller's, both as
 * (ticket, sale status, fare). Pure. Differences are sorted by ticket number; a ticket both sides
 * hold with another fare and another status is reported once per difference.
 */
export function compareStationDay(
  owner: readonly ReconcileEntry[],
  caller: readonly ReconcileEntry[],
): ReconcileDailyResponse {
  const mine = new Map(owner.map((e) => [e.ticketNo, e]));
  const theirs = new Map(caller.map((e) => [e.ticketNo, e]));
  const differences: ReconcileDifference[] = [];
  const diff = (kind: ReconcileDifferenceKind, o: ReconcileEntry | undefined, c: ReconcileEntry | undefined) =>
    differences.push({
      ticketNo: (o ?? c)?.ticketNo ?? "",
      kind,
      ownerFareFen: o?.fareFen ?? 0n,
      callerFareFen: c?.fareFen ?? 0n,
      ownerSaleStatus: o?.saleStatus ?? SaleStatus.SALE_STATUS_UNSPECIFIED,
      callerSaleStatus: c?.saleStatus ?? SaleStatus.SALE_STATUS_UNSPECIFIED,
    });
  for (const o of mine.values()) {
    const c = theirs.get(o.ticketNo);
    if (c === undefined) diff(ReconcileDifferenceKind.RECONCILE_DIFFERENCE_KIND_MISSING_AT_CALLER, o, undefined);
    else {
      if (c.fareFen !== o.fareFen) diff(ReconcileDifferenceKind.RECONCILE_DIFFERENCE_KIND_FARE, o, c);
      if (c.saleStatus !== o.saleStatus) diff(ReconcileDifferenceKind.RECONCILE_DIFFERENCE_KIND_STATUS, o, c);
    }
  }
  for (const c of theirs.values()) {
    if (!mine.has(c.ticketNo)) diff(ReconcileDifferenceKind.RECONCILE_DIFFERENCE_KIND_MISSING_AT_OWNER, undefined, c);
  }
  differences.sort((a, b) => (a.ticketNo < b.ticketNo ? -1 : a.ticketNo > b.ticketNo ? 1 : a.kind - b.kind));
  return { owner: totals([...mine.values()]), caller: totals([...theirs.values()]), differences };
}
