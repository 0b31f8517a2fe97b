import { DataCheck, type DataFinding, type LicenceState, LicenceStatus } from "@hutong/proto";
import type { LibraryCopy } from "../store/port/library-store.js";

// The data checks of the licence specification's 第十一条, pure: what a licence's stored
// violations, its status and validity, and the issuer's own answer say about it. The store and
// the scheduled job (data-check-job.ts) feed them.

/** A violation ("path: reason") of a required item is incompleteness; any other, invalidity. */
export function findingsOfViolations(licenceId: string, violations: readonly string[]): DataFinding[] {
  return violations.map((v) => ({
    licenceId,
    check:
      / is required( |$)/.test(v) || v.endsWith("is required")
        ? DataCheck.DATA_CHECK_COMPLETENESS
        : DataCheck.DATA_CHECK_VALIDITY,
    detail: v,
  }));
}

/** A licence still marked valid after its last valid day. */
export function staleValidity(copy: LibraryCopy, today: string): DataFinding | undefined {
  if (copy.status !== LicenceStatus.LICENCE_STATUS_VALID || copy.validTo === "" || copy.validTo >= today) {
    return undefined;
  }
  return {
    licenceId: copy.licenceId,
    check: DataCheck.DATA_CHECK_VALIDITY,
    detail: `marked valid, but its validity ended on ${copy.validTo}`,
  };
}

/**
 * The library's copy against the issuer's own state. A copy behind the issuer is an event still on
 * its way (timeliness says when that is too long); a copy at the same version that says something
 * else, a copy ahead of the issuer, or one the issuer does not have, is untrue.
 */
export function truthFinding(copy: LibraryCopy, issuer: LicenceState | undefined): DataFinding | undefined {
  const finding = (detail: string): DataFinding => ({
    licenceId: copy.licenceId,
    check: DataCheck.DATA_CHECK_TRUTHFULNESS,
    detail,
  });
  if (issuer === undefined) return finding("the issuing province has no such licence");
  if (copy.version > issuer.version) {
    return finding(`the library holds version ${copy.version}; the issuer's is ${issuer.version}`);
  }
  if (copy.version < issuer.version) return undefined;
  if (copy.status !== issuer.status) {
    return finding(
      `status ${LicenceStatus[copy.status]} at the library, ${LicenceStatus[issuer.status]} at the issuer`,
    );
  }
  if (copy.validTo !== issuer.validTo) {
    return finding(`valid to ${copy.validTo} at the library, ${issuer.validTo} at the issuer`);
  }
  return undefined;
}
