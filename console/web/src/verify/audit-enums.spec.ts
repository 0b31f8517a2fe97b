import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AuditDecision, AuditRole, Purpose, RecordKind } from "@hutong/proto";
import { auditDecisions, auditRoles, purposes, recordKinds } from "./audit-enums.js";

// The page cannot import @hutong/proto (its generated services pull in grpc-js), so it keeps the
// AuditEntry enums as tables of its own; this spec keeps them equal to the contract's.

function contractNames(e: Record<string, string | number>, prefix: string): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [name, value] of Object.entries(e)) {
    if (typeof value === "number" && value >= 0 && name.startsWith(prefix)) out[value] = name.slice(prefix.length);
  }
  return out;
}

describe("the page's AuditEntry enums", () => {
  it("are the contract's, value for value", () => {
    assert.deepEqual(purposes, contractNames(Purpose as unknown as Record<string, number>, "PURPOSE_"));
    assert.deepEqual(recordKinds, contractNames(RecordKind as unknown as Record<string, number>, "RECORD_KIND_"));
    const lower = (r: Record<number, string>) =>
      Object.fromEntries(
        Object.entries(r)
          .filter(([k]) => k !== "0")
          .map(([k, v]) => [k, v.toLowerCase()]),
      );
    assert.deepEqual(auditRoles, lower(contractNames(AuditRole as unknown as Record<string, number>, "AUDIT_ROLE_")));
    assert.deepEqual(
      auditDecisions,
      lower(contractNames(AuditDecision as unknown as Record<string, number>, "AUDIT_DECISION_")),
    );
  });
});
