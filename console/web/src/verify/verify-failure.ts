/**
 * Why the page refused something it was asked to trust. A closed set: the page maps each code to
 * zh/en text (i18n), and the detail is a short technical sentence in English for the record.
 * The first eight mirror @hutong/audit's CheckpointError codes (docs/audit-checkpoints.md §7).
 */
export const refusalReasons = [
  "malformed-note",
  "malformed-key",
  "unsupported-key-type",
  "malformed-checkpoint",
  "wrong-origin",
  "bad-signature",
  "unverified",
  "size-mismatch",
  "index-mismatch",
  "index-out-of-range",
  "malformed-entry-bytes",
  "malformed-proof",
  "bad-proof-length",
  "root-mismatch",
  "malformed-entry",
  "served-entry-mismatch",
  "served-checkpoint-mismatch",
  // The page's own trust rules (log-pin.ts, trusted-proof.ts).
  "bad-gateway-name",
  "pin-wrong-party",
  "pin-wrong-origin",
] as const;

export type RefusalReason = (typeof refusalReasons)[number];

/** Thrown inside the verifier; the entry points catch it and return a result, never throw. */
export class VerifyFailure extends Error {
  readonly reason: RefusalReason;

  constructor(reason: RefusalReason, detail: string) {
    super(detail);
    this.name = "VerifyFailure";
    this.reason = reason;
  }
}

export function isVerifyFailure(e: unknown): e is VerifyFailure {
  return e instanceof VerifyFailure;
}
