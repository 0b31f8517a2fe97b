/** Trailer naming why a share was refused: a code of docs/grants.md's closed set, or a pipeline refusal. */
export const shareDenialTrailer = "hutong-denial";

import { shareDenialReasons } from "../grants/index.js";

const pipelineReasons = new Set([
  "acl-denied",
  "unknown-party",
  "method-unknown",
  "relay-not-allowed",
  "audit-unavailable",
]);
const known = new Set<string>([...shareDenialReasons, ...pipelineReasons]);

/** A reason code of the closed set: a grant denial (docs/grants.md) or a pipeline refusal. */
export function isShareReason(code: string): boolean {
  return known.has(code);
}
