import { type LicenceEvent, LicenceEventKind } from "@hutong/proto";
import { applyTransition, type LifecycleState } from "@hutong/service-kit";
import { licenceFileSignatureValid } from "../issuer/seal-file.js";
import { licenceLifecycle } from "../licence-lifecycle.js";
import { checkLicence } from "../rules/check-record.js";

/** The library's view of a licence before an event. */
export interface LibraryLicence {
  readonly version: number;
  readonly state: LifecycleState;
}

export interface AggregatedCheck {
  /** The event is the licence's next version. */
  readonly inOrder: boolean;
  /** Every data rule the record fails, "path: reason"; empty: compliant. */
  readonly violations: readonly string[];
}

/** Kinds that must carry the sealed file (they create or change what the licence says). */
const needsFile = new Set<number>([
  LicenceEventKind.LICENCE_EVENT_KIND_ISSUED,
  LicenceEventKind.LICENCE_EVENT_KIND_CHANGED,
  LicenceEventKind.LICENCE_EVENT_KIND_RENEWED,
]);

/**
 * What the library finds in an aggregated event, pure: whether it comes in order, and every
 * reason it is not compliant — the data rules of the contract, the lifecycle as the library
 * has followed it, the licence file's seal. A noncompliant event is still applied and kept: the
 * issuer's record is the fact, and the rate counts it.
 */
export function checkAggregated(event: LicenceEvent, held: LibraryLicence | undefined): AggregatedCheck {
  const violations: string[] = [];
  if (event.licence === undefined) violations.push("licence: missing");
  else for (const v of checkLicence(event.licence)) violations.push(`${v.path}: ${v.reason}`);
  const step = applyTransition(licenceLifecycle, event.kind, held?.state);
  if (!step.ok) violations.push(`lifecycle: ${step.reason}`);
  if (event.file === undefined) {
    if (needsFile.has(event.kind)) violations.push("file: an issue, change or renewal carries no sealed licence file");
  } else if (!licenceFileSignatureValid(event.file)) {
    violations.push("file: the issuer's seal does not verify over the file");
  }
  return { inOrder: event.licenceVersion === (held?.version ?? 0) + 1, violations };
}
