import { type MaintenanceRequestStatus, MaintenanceState } from "@hutong/proto";

const stateName = (s: MaintenanceState): string =>
  ((MaintenanceState as unknown as Record<number, string>)[s] ?? String(s)).replace("MAINTENANCE_STATE_", "");
const iso = (d: Date | undefined): string | null =>
  d === undefined || Number.isNaN(d.getTime()) ? null : d.toISOString();
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/**
 * A request's status as JSON for people and scripts: states by name, times ISO 8601, the party
 * that took each step, digests in hex. It holds what the status holds, so never a corrected value.
 */
export function maintenanceStatusJson(s: MaintenanceRequestStatus): Record<string, unknown> {
  return {
    requestId: s.requestId,
    province: s.province,
    state: stateName(s.state),
    licenceIds: [...s.licenceIds],
    fields: [...s.fields],
    requestSm3: hex(s.requestSm3),
    ...(s.decisionSm3.length === 0 ? {} : { decisionSm3: hex(s.decisionSm3) }),
    history: s.history.map((h) => ({ state: stateName(h.state), at: iso(h.at), party: h.party })),
  };
}

export const statusText = (s: MaintenanceRequestStatus): string =>
  `${JSON.stringify(maintenanceStatusJson(s), null, 2)}\n`;
