import type { MaintenanceRequest, MaintenanceRequestStatus, MaintenanceState, MaintenanceStep } from "@hutong/proto";

/** A request as the library keeps it, without its sealed statements. */
export interface MaintenanceRecord {
  readonly province: string;
  readonly requestId: string;
  readonly state: MaintenanceState;
  readonly licenceIds: readonly string[];
  readonly fields: readonly string[];
  readonly history: readonly { readonly state: MaintenanceState; readonly atMs: number; readonly party: string }[];
  readonly requestSm3: Uint8Array;
  readonly decisionSm3?: Uint8Array | undefined;
}

/** The licences and fields a request names, each once, in order. */
export function requestScope(request: MaintenanceRequest): { licenceIds: string[]; fields: string[] } {
  return {
    licenceIds: [...new Set(request.corrections.map((c) => c.licenceId))],
    fields: [...new Set(request.corrections.map((c) => c.field))],
  };
}

/** What anyone may see of a request: no corrected value. */
export function maintenanceStatus(r: MaintenanceRecord): MaintenanceRequestStatus {
  return {
    requestId: r.requestId,
    province: r.province,
    state: r.state,
    licenceIds: [...r.licenceIds],
    fields: [...r.fields],
    history: r.history.map((h): MaintenanceStep => ({ state: h.state, at: new Date(h.atMs), party: h.party })),
    requestSm3: Buffer.from(r.requestSm3),
    decisionSm3: Buffer.from(r.decisionSm3 ?? new Uint8Array()),
  };
}
