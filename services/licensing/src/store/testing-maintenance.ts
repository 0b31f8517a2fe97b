// Test support (not built): data-maintenance requests in every state at a library store, for the
// specs that count them. The store takes statements whose signature its caller checked; they are
// signed here anyway, so the fixture is what the service would pass it.
import {
  LicenceEventKind as E,
  type LicenceEvent,
  MaintenanceDecision,
  MaintenanceRequest,
  type MaintenanceRequestStatus,
} from "@hutong/proto";
import { signStatement } from "../maintenance/signed-statement.js";
import { issuerEvents, recordedEvent, testLicence, testSeal } from "../testing-licences.js";
import type { LibraryStore } from "./port/library-store.js";

const decider = "mot/supervision";

/**
 * Requests in `store` (a library that holds no licence yet): Sichuan (510000) with two filed
 * (WH-1, WH-5), one approved (WH-2), one rejected (WH-3) and one applied (WH-4, its CHANGED event
 * aggregated); Guangdong (440000) with one filed (GD-1) and one rejected (GD-2).
 */
export async function seedMaintenanceStates(store: LibraryStore, nowMs: number): Promise<void> {
  const seals = { "510000": testSeal("prov:510000/licence"), "440000": testSeal("prov:440000/licence") };
  const ministry = testSeal(decider);
  const at = nowMs - 60_000;
  // S4's change carries WH-4: aggregated after the approval, it makes the request applied.
  const sichuan = issuerEvents(
    seals["510000"],
    [
      ...[1, 2, 3, 4].map((i) => recordedEvent(`s${i}`, E.LICENCE_EVENT_KIND_ISSUED, testLicence(`S${i}`))),
      recordedEvent("s4-wh4", E.LICENCE_EVENT_KIND_CHANGED, testLicence("S4"), { maintenanceRequestId: "WH-4" }),
    ],
    at,
  );
  const guangdong = issuerEvents(
    seals["440000"],
    [recordedEvent("g1", E.LICENCE_EVENT_KIND_ISSUED, testLicence("G1"))],
    at,
    undefined,
    "440000",
  );
  await store.aggregate("510000", sichuan.slice(0, 4), nowMs);
  await store.aggregate("440000", guangdong, nowMs);

  const file = async (province: "510000" | "440000", requestId: string, licenceId: string) => {
    const request: MaintenanceRequest = {
      requestId,
      province,
      applicantUnit: "道路运输事务中心",
      operatorId: "OP-1",
      corrections: [{ licenceId, field: "transport_certificate.plate_no", correctedValue: "川A54321" }],
      reason: "号牌录入错误",
      attachments: [],
      filedAt: new Date(at),
    };
    const key = seals[province];
    const statement = signStatement(
      { key: key.key, chain: [key.certificateDer] },
      MaintenanceRequest.encode(request).finish(),
    );
    return store.fileMaintenance(statement, request, `prov:${province}/licence`, nowMs);
  };
  const decide = async (filed: MaintenanceRequestStatus, approved: boolean) => {
    const decision: MaintenanceDecision = {
      requestId: filed.requestId,
      province: filed.province,
      approved,
      reason: approved ? "同意" : "材料不全",
      decidedAt: new Date(nowMs),
      requestSm3: Buffer.from(filed.requestSm3),
    };
    const statement = signStatement(
      { key: ministry.key, chain: [ministry.certificateDer] },
      MaintenanceDecision.encode(decision).finish(),
    );
    await store.decideMaintenance(statement, decision, decider, nowMs);
  };

  await file("510000", "WH-1", "S1");
  await decide(await file("510000", "WH-2", "S2"), true);
  await decide(await file("510000", "WH-3", "S3"), false);
  await decide(await file("510000", "WH-4", "S4"), true);
  await file("510000", "WH-5", "S1");
  await file("440000", "GD-1", "G1");
  await decide(await file("440000", "GD-2", "G1"), false);
  await store.aggregate("510000", [sichuan[4] as LicenceEvent], nowMs);
}
