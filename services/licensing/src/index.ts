// @hutong/licensing: the e-licence reference services (docs/licences.md).

export { checkLicenceQr, licenceQrPayload, type QrCheck } from "./issuer/licence-qr.js";
export { licenceFileMediaType, licenceFileSignatureValid, sealLicenceFile } from "./issuer/seal-file.js";
export { checkAggregated } from "./library/check-aggregated.js";
export { parsePeriod } from "./library/period.js";
export { basisPoints, licenceRates } from "./library/rates.js";
export { missingRanges } from "./library/sequence-gaps.js";
export { isLicensingError, LicensingError, type LicensingErrorCode, licensingErrorCodes } from "./licensing-error.js";
export { applyCorrections, correctionProblem } from "./maintenance/corrections.js";
export {
  attachmentSm3,
  decideMaintenanceRequest,
  fileMaintenanceRequest,
  queryMaintenanceRequest,
} from "./maintenance/maintenance-calls.js";
export {
  type StatementCheck,
  type StatementSigner,
  signStatement,
  verifyStatement,
} from "./maintenance/signed-statement.js";
export { checkLicence, checkRecord, type RuleViolation } from "./rules/check-record.js";
export {
  type IssuerServiceConfig,
  type LibraryServiceConfig,
  type LicenceServiceConfig,
  loadLicenceServiceConfig,
  parseLicenceServiceConfig,
} from "./run/service-config.js";
export { type RunningIssuer, type RunningLibrary, startIssuer, startLibrary } from "./run/start-services.js";
export { recordWorkload, type UploadTally } from "./simulator/yunzheng-uploader.js";
