// The public surface of the audit log: the group-commit writer, the read side
// (proofs from stored nodes, queries, export, checkpoints) and the verifier of a stored log.
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
export { verifyStoredLog } from "./verify-stored-log.js";
