import type { AuditEntryView } from "../../../src/api/api-types.js";
import type { ConsoleApi } from "../api/console-api.js";
import type { LogPins } from "../verify/log-pin.js";
import type { SideProof } from "../verify/match-sides.js";
import { isValidPartyId } from "../verify/party-id.js";
import { type TrustedProof, verifyEntryProofTrusted } from "../verify/trusted-proof.js";

/** Lets the page paint before the SM2 arithmetic takes the main thread. */
const yieldToPaint = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * GET /api/audit/proof for an entry, checked in the page under this browser's pins. An entry whose
 * gateway is not a party id is refused without asking. Throws only if the request fails.
 */
export async function proveEntry(api: ConsoleApi, entry: AuditEntryView, pins: LogPins): Promise<TrustedProof> {
  if (!isValidPartyId(entry.gateway)) {
    return {
      state: "refused",
      result: { ok: false, reason: "bad-gateway-name", detail: "the entry's gateway is not a party id" },
    };
  }
  const proof = await api.auditProof(entry.gateway, entry.index);
  await yieldToPaint();
  return verifyEntryProofTrusted(entry, proof, pins);
}

/**
 * Every side's proof, for the page's match (match-sides.ts judgeSides), fetched one after the
 * other. A failed request is "unavailable", never a pass.
 */
export async function proveSides(
  api: ConsoleApi,
  entries: readonly AuditEntryView[],
  pins: LogPins,
): Promise<SideProof[]> {
  const out: SideProof[] = [];
  for (const entry of entries) {
    const at = { gateway: entry.gateway, index: entry.index };
    try {
      const proved = await proveEntry(api, entry, pins);
      out.push(
        proved.state === "refused"
          ? { ...at, state: "refused", reason: proved.result.reason, detail: proved.result.detail }
          : { ...at, state: proved.state, detail: proved.result.detail },
      );
    } catch (error) {
      out.push({ ...at, state: "unavailable", detail: error instanceof Error ? error.message : String(error) });
    }
  }
  return out;
}
