import type { AuditEntryView } from "../../../src/api/api-types.js";
import { type DecodedAuditEntry, decodeAuditEntry } from "./audit-entry.js";
import { sameBytes, toHex } from "./bytes.js";
import { servedEntryDifferences } from "./served-entry.js";
import { decodeStrictBase64 } from "./strict-base64.js";
import { isVerifyFailure } from "./verify-failure.js";

/**
 * The page's own comparison of the two sides of a cross-region share. Problem codes are those of
 * the backend's match (CorrelationView.match.problems) plus "served-entry-mismatch": an entry
 * whose displayed fields are not those of its own bytes.
 */
export type SideProblem =
  | "owner-side-missing"
  | "requester-side-missing"
  | "decision-differs"
  | "released-differs"
  | "method-differs"
  | "subject-differs"
  | "served-entry-mismatch";

export interface SideMatch {
  readonly consistent: boolean;
  readonly problems: readonly { readonly problem: SideProblem; readonly gateway: string; readonly index: number }[];
}

interface Side {
  readonly view: AuditEntryView;
  readonly entry: DecodedAuditEntry;
}

function decodeSide(view: AuditEntryView): Side | undefined {
  const bytes = decodeStrictBase64(view.entryB64);
  if (bytes === undefined) return undefined;
  try {
    const entry = decodeAuditEntry(bytes);
    return servedEntryDifferences(view, entry).length === 0 ? { view, entry } : undefined;
  } catch (e) {
    if (isVerifyFailure(e)) return undefined;
    throw e;
  }
}

/**
 * Compares the entries every gateway logged for one call, on the entries decoded from their bytes,
 * not on the server's display: the decision, the SM3 of what was released and the method must be
 * the same on every side, and the subject digest wherever a side knows it (a relay may not read
 * the record, so an empty digest is "unknown", not a difference). The owner's side must be there,
 * and every gateway the owner's entry names as a hop must have logged the call too.
 */
export function matchSides(views: readonly AuditEntryView[]): SideMatch {
  const problems: { problem: SideProblem; gateway: string; index: number }[] = [];
  const sides: Side[] = [];
  for (const view of views) {
    const side = decodeSide(view);
    if (side === undefined)
      problems.push({ problem: "served-entry-mismatch", gateway: view.gateway, index: view.index });
    else if (side.entry.role === 1 || side.entry.role === 2) sides.push(side);
  }
  const owners = sides.filter((s) => s.entry.role === 1);
  const relays = sides.filter((s) => s.entry.role === 2);
  const nowhere = { gateway: "", index: -1 };
  if (owners.length === 0) problems.push({ problem: "owner-side-missing", ...nowhere });
  for (const owner of owners) {
    for (const hop of owner.entry.hops) {
      if (!relays.some((r) => r.entry.gatewayParty === hop)) {
        problems.push({ problem: "requester-side-missing", gateway: hop, index: -1 });
      }
    }
  }
  const reference = owners[0] ?? sides[0];
  if (reference !== undefined) {
    const subject = sides.map((s) => toHex(s.entry.subjectDigest)).find((d) => d !== "") ?? "";
    for (const side of sides) {
      if (side === reference) continue;
      const at = { gateway: side.view.gateway, index: side.view.index };
      if (side.entry.decision !== reference.entry.decision) problems.push({ problem: "decision-differs", ...at });
      if (!sameBytes(side.entry.releasedSm3, reference.entry.releasedSm3)) {
        problems.push({ problem: "released-differs", ...at });
      }
      if (side.entry.method !== reference.entry.method) problems.push({ problem: "method-differs", ...at });
    }
    for (const side of sides) {
      const digest = toHex(side.entry.subjectDigest);
      if (digest !== "" && digest !== subject) {
        problems.push({ problem: "subject-differs", gateway: side.view.gateway, index: side.view.index });
      }
    }
  }
  return { consistent: problems.length === 0, problems };
}
