import type { AuditEntryView, CheckpointStatus, InclusionProofView } from "../../../src/api/api-types.js";
import { type LogPin, type LogPins, pinFor, requirePinBinding } from "./log-pin.js";
import { isValidPartyId } from "./party-id.js";
import { type CheckpointVerification, verifyCheckpointStatus } from "./verify-checkpoint-status.js";
import { type ProofRefused, type ProofVerified, verifyEntryProof } from "./verify-entry-proof.js";
import { isVerifyFailure } from "./verify-failure.js";

// What the page may say about a proof or a checkpoint, given the pins of this browser:
// - "verified" / "valid": it checks out under the key pinned for that gateway party, and the log is
//   that party's and has the pinned origin: an independent check.
// - "server-key": no pin for that party; it checks out under the key the console server sent with
//   it. That only shows the server's answer is self-consistent: a hostile backend can send a key
//   and a log of its own making. Never shown as verified.
// - "refused" / "invalid": it fails (under the pin when there is one; a pinned party never falls
//   back to the server's key), or the gateway's name is not a party id.

export type TrustedProof =
  | { readonly state: "verified"; readonly result: ProofVerified; readonly pin: LogPin }
  | { readonly state: "server-key"; readonly result: ProofVerified }
  | { readonly state: "refused"; readonly result: ProofRefused; readonly pin?: LogPin };

const badName = (): ProofRefused => ({
  ok: false,
  reason: "bad-gateway-name",
  detail: "the entry's gateway is not a party id",
});

/** Checks an entry's inclusion proof as verifyEntryProof does, under this browser's pins. Never throws. */
export function verifyEntryProofTrusted(
  served: AuditEntryView,
  proof: InclusionProofView,
  pins: LogPins,
): TrustedProof {
  // A name that is not a party id (a lookalike with an invisible character, say) would find no pin
  // and fall back to the server's key: refused instead.
  if (!isValidPartyId(served.gateway)) return { state: "refused", result: badName() };
  const pin = pinFor(pins, served.gateway);
  if (pin === undefined) {
    const result = verifyEntryProof({ served, proof, logKey: proof.logKey });
    return result.ok ? { state: "server-key", result } : { state: "refused", result };
  }
  const result = verifyEntryProof({ served, proof, logKey: pin.vkey });
  if (!result.ok) return { state: "refused", result, pin };
  try {
    // The proven bytes name the gateway that logged them; the checkpoint names its log.
    requirePinBinding(pin, served.gateway, result.origin);
    requirePinBinding(pin, result.entry.gatewayParty, result.origin);
  } catch (e) {
    if (!isVerifyFailure(e)) throw e;
    return { state: "refused", result: { ok: false, reason: e.reason, detail: e.message }, pin };
  }
  return { state: "verified", result, pin };
}

export type TrustedCheckpoint =
  | { readonly state: "valid"; readonly check: CheckpointVerification & { ok: true }; readonly pin: LogPin }
  | { readonly state: "server-key"; readonly check: CheckpointVerification & { ok: true } }
  | { readonly state: "invalid"; readonly check: CheckpointVerification & { ok: false }; readonly pin?: LogPin };

/** The federation card's check of a gateway's latest checkpoint, under this browser's pins. Never throws. */
export function verifyGatewayCheckpoint(party: string, status: CheckpointStatus, pins: LogPins): TrustedCheckpoint {
  if (!isValidPartyId(party)) {
    return {
      state: "invalid",
      check: { ok: false, reason: "bad-gateway-name", detail: "the gateway's name is not a party id" },
    };
  }
  const pin = pinFor(pins, party);
  if (pin === undefined) {
    const check = verifyCheckpointStatus(status, status.logKey);
    return check.ok ? { state: "server-key", check } : { state: "invalid", check };
  }
  const check = verifyCheckpointStatus(status, pin.vkey);
  if (!check.ok) return { state: "invalid", check, pin };
  try {
    // verifyCheckpointStatus has checked that the origin shown is the signed one.
    requirePinBinding(pin, party, status.origin);
  } catch (e) {
    if (!isVerifyFailure(e)) throw e;
    return { state: "invalid", check: { ok: false, reason: e.reason, detail: e.message }, pin };
  }
  return { state: "valid", check, pin };
}
