// Every partner channel we speak answers JSON in the same envelope, "0000" being success; the
// codes differ in meaning per channel past the ones the kit itself answers with (EnvelopeCodes).

export interface PartnerEnvelope<T> {
  readonly code: string;
  readonly msg: string;
  readonly data?: T;
}

/** The codes a channel uses for what the kit refuses before its handlers see a request. */
export interface EnvelopeCodes {
  readonly unknownAppKey: string;
  readonly badSignature: string;
  readonly staleTimestamp: string;
  readonly nonceReused: string;
  /** Not JSON, too large, no such path, not POST. */
  readonly malformed: string;
}

/** Whether a parsed body is an envelope (at least its code is a string). */
export function isEnvelope(value: unknown): value is PartnerEnvelope<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { code?: unknown }).code === "string";
}
