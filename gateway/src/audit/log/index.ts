// The public surface of the audit log: the group-commit writer, the read side
// (proofs from stored nodes, queries, export, checkpoints) and the verifier.
export {
  type AppendedEntry,
  type AuditLog,
  type AuditLogOptions,
  type CommitReport,
  createAuditLog,
} from "./audit-log.js";
export {
  type AuditReader,
  type ConsistencyProof,
  createAuditReader,
  type ExportRange,
  type InclusionProof,
} from "./audit-reader.js";
export { type AppendPlan, type PlannedNode, planAppend } from "./plan-append.js";
export {
  type LogProblem,
  type LogVerification,
  type VerifyLogOptions,
  verifyLogStream,
  verifyStoredLog,
} from "./verify-log.js";
