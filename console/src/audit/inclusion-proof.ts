import { AuditServiceService, ProveInclusionRequest } from "@hutong/proto";
import type { InclusionProofView } from "../api/api-types.js";
import { ConsoleError } from "../errors/console-error.js";
import type { GatewayPool } from "../gateways/gateway-pool.js";

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

/**
 * An entry's inclusion proof against the gateway's latest signed checkpoint, passed to the page as
 * served: the page checks it with its own SM3 and SM2 (console/web/src/verify/), so nothing here
 * is trusted. The console only adds the log key it is configured with, which the page shows and
 * may compare with one the user pinned.
 */
export async function inclusionProof(pool: GatewayPool, gateway: string, index: number): Promise<InclusionProofView> {
  if (!Number.isSafeInteger(index) || index < 0)
    throw new ConsoleError("invalid-argument", "index must be a number ≥ 0");
  const logKey = pool.gateway(gateway).logKey;
  if (logKey === undefined) throw new ConsoleError("not-found", `no log key is configured for ${gateway}`);
  const res = await pool.call(
    gateway,
    AuditServiceService.proveInclusion,
    ProveInclusionRequest.fromPartial({ index: BigInt(index), treeSize: 0n }),
  );
  return {
    gateway,
    index: Number(res.index),
    treeSize: Number(res.treeSize),
    entryB64: b64(res.entry),
    proofB64: res.proof.map(b64),
    checkpoint: res.checkpoint,
    logKey,
  };
}
