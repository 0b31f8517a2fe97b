import type { AuditEntryView } from "../../../src/api/api-types.js";
import { type DecodedAuditEntry, decodeAuditEntry } from "./audit-entry.js";
import { sameBytes, toHex } from "./bytes.js";
import { servedEntryDifferences } from "./served-entry.js";
import { decodeStrictBase64 } from "./strict-base64.js";
import { isVerifyFailure } from "./verify-failure.js";

/**
 * The page's own comparison of the two sides of a cross-region share. Problem codes are those of
 * the backend's match (CorrelationView.match.problems) plus "served-entry-mismatch": an entry
 * whose displayed fields are not those of its own bytes, and "proof-refused": an entry whose
 * inclusion proof failed (judgeSides).
 */
export type SideProblem =
  | "owner-side-missing"
  | "requester-side-missing"
  | "decision-differs"
  | "released-differs"
  | "method-differs"
  | "subject-differs"
  | "served-entry-mismatch"
  | "proof-refused";

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

/** How far one side's entry is proven in its gateway's log (trusted-proof.ts). */
export type SideProofState =
  /** Proven under the key pinned for its gateway. */
  | "verified"
  /** Proven only under the key the console server sent: not independent. */
  | "server-key"
  /** Its proof failed, or its gateway's name is not a party id. */
  | "refused"
  /** No proof could be had (the request failed). */
  | "unavailable";

export interface SideProof {
  readonly gateway: string;
  readonly index: number;
  readonly state: SideProofState;
  /** The refusal code, for "refused". */
  readonly reason?: string;
  readonly detail: string;
}

/** "consistent" only when every side is proven under a pin and they agree. */
export type MatchState = "consistent" | "unproven" | "mismatch";

export interface ProvenMatch {
  /** The page's verdict from the entries and their proofs. */
  readonly page: MatchState;
  /** The page's verdict and the server's together: the server reporting a mismatch is shown. */
  readonly state: MatchState;
  /** The comparison of the sides whose proofs did not fail, with the refused sides as problems. */
  readonly match: SideMatch;
  /** Per entry, in the order given, how far it is proven. */
  readonly proofs: readonly SideProof[];
}

const sideKey = (gateway: string, index: number) => `${gateway}#${index}`;

/**
 * The verdict on a share: a side whose proof failed is not counted and is a mismatch; the other
 * sides are compared (matchSides) and any difference is a mismatch; with no mismatch, the share is
 * consistent only if every side is proven under a pinned key, and unproven otherwise (a side
 * proven under the server's key only, or not proven at all). An entry with no proof given is
 * "unavailable".
 */
export function judgeSides(
  views: readonly AuditEntryView[],
  proofs: readonly SideProof[],
  serverConsistent = true,
): ProvenMatch {
  const byKey = new Map(proofs.map((p) => [sideKey(p.gateway, p.index), p]));
  const states = views.map(
    (v): SideProof =>
      byKey.get(sideKey(v.gateway, v.index)) ?? {
        gateway: v.gateway,
        index: v.index,
        state: "unavailable",
        detail: "no proof",
      },
  );
  const counted = views.filter((_, i) => states[i]?.state !== "refused");
  const compared = matchSides(counted);
  const refused = states
    .filter((p) => p.state === "refused")
    .map((p) => ({ problem: "proof-refused" as const, gateway: p.gateway, index: p.index }));
  const problems = [...refused, ...compared.problems];
  const match: SideMatch = { consistent: problems.length === 0, problems };
  const page: MatchState = !match.consistent
    ? "mismatch"
    : views.length > 0 && states.every((p) => p.state === "verified")
      ? "consistent"
      : "unproven";
  const state: MatchState = serverConsistent ? page : "mismatch";
  return { page, state, match, proofs: states };
}
