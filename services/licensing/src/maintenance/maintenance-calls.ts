import { sm3 } from "@hutong/certs";
import type { HutongClient } from "@hutong/client";
import {
  LicenceMaintenanceServiceService,
  MaintenanceDecision,
  MaintenanceRequest,
  type MaintenanceRequestStatus,
  Purpose,
} from "@hutong/proto";
import { type StatementSigner, signStatement } from "./signed-statement.js";

// The calls a province's licence system and the ministry make about a data-maintenance request,
// through their own gateways (the CLI, the scenario and the tests use them).

const context = (library: string, correlationId: string) => ({
  targetParty: library,
  purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
  grantId: "",
  correlationId,
});

/** Signs `request` as the province's licence system and files it at the library. */
export async function fileMaintenanceRequest(
  client: HutongClient,
  signer: StatementSigner,
  request: MaintenanceRequest,
  library = "mot/licence",
): Promise<MaintenanceRequestStatus> {
  const statement = signStatement(signer, MaintenanceRequest.encode(request).finish());
  const r = await client.unary(LicenceMaintenanceServiceService.fileMaintenanceRequest, {
    context: context(library, `maint-${request.province}-${request.requestId}`),
    request: statement,
  });
  if (r.status === undefined) throw new Error("the library answered no status");
  return r.status;
}

/** Signs the ministry's decision on the request whose status is `filed` and sends it to the library. */
export async function decideMaintenanceRequest(
  client: HutongClient,
  signer: StatementSigner,
  filed: MaintenanceRequestStatus,
  decision: { readonly approved: boolean; readonly reason: string; readonly at: Date },
  library = "mot/licence",
): Promise<MaintenanceRequestStatus> {
  const body = MaintenanceDecision.encode({
    requestId: filed.requestId,
    province: filed.province,
    approved: decision.approved,
    reason: decision.reason,
    decidedAt: decision.at,
    requestSm3: Buffer.from(filed.requestSm3),
  }).finish();
  const r = await client.unary(LicenceMaintenanceServiceService.decideMaintenanceRequest, {
    context: context(library, `maint-${filed.province}-${filed.requestId}`),
    decision: signStatement(signer, body),
  });
  if (r.status === undefined) throw new Error("the library answered no status");
  return r.status;
}

export async function queryMaintenanceRequest(
  client: HutongClient,
  province: string,
  requestId: string,
  library = "mot/licence",
): Promise<MaintenanceRequestStatus> {
  const r = await client.unary(LicenceMaintenanceServiceService.queryMaintenanceRequest, {
    context: context(library, `maint-${province}-${requestId}`),
    province,
    requestId,
  });
  if (r.status === undefined) throw new Error("the library answered no status");
  return r.status;
}

/** The SM3 of a document, for its AttachmentDigest. */
export const attachmentSm3 = (bytes: Uint8Array): Buffer => Buffer.from(sm3(bytes));
