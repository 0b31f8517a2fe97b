import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AuditDecision, AuditEntry, AuditRole, Purpose, RecordKind } from "@hutong/proto";
import { subjectSearchEntry } from "./subject-search-entry.js";

describe("the audit entry of a search by subject", () => {
  it("records who searched whose trail, for what, with the SM3 of the answer and nothing personal", () => {
    const subjectDigest = new Uint8Array(32).fill(0xa1);
    const releasedSm3 = new Uint8Array(32).fill(0x5e);
    const input = subjectSearchEntry(
      "prov:510000",
      {
        origin: "mot/console",
        peerParty: "mot/console",
        peerCertSerial: "0a1b",
        hops: [],
        traceId: "0af7651916cd43dd8448eb211c80319c",
        correlationId: "console/q-1",
      },
      { kind: "audit-query", purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION, subjectDigest, releasedSm3 },
      1_780_000_000_000,
    );
    const entry = AuditEntry.decode(input.bytes);
    assert.deepEqual(
      {
        ...entry,
        subjectDigest: Buffer.from(entry.subjectDigest).toString("hex"),
        releasedSm3: Buffer.from(entry.releasedSm3).toString("hex"),
      },
      {
        version: 1,
        time: new Date(1_780_000_000_000),
        gatewayParty: "prov:510000",
        role: AuditRole.AUDIT_ROLE_OWNER,
        method: "hutong.v1.AuditService/QueryEntries",
        requesterParty: "mot/console",
        peerParty: "mot/console",
        peerCertSerial: "0a1b",
        ownerParty: "prov:510000",
        recordKind: RecordKind.RECORD_KIND_UNSPECIFIED,
        recordDigest: Buffer.alloc(0),
        subjectDigest: "a1".repeat(32),
        grantId: "",
        purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
        decision: AuditDecision.AUDIT_DECISION_ALLOW,
        reason: "audit-query",
        hops: [],
        releasedSm3: "5e".repeat(32),
        fieldsReleased: [],
        traceId: "0af7651916cd43dd8448eb211c80319c",
        correlationId: "console/q-1",
      },
    );
    // The columns the store indexes: a later search by the same subject finds this entry.
    assert.deepEqual(
      [input.subjectDigest, input.requesterParty, input.ownerParty, input.decision, input.reason, input.grantId],
      [subjectDigest, "mot/console", "prov:510000", "allow", "audit-query", null],
    );
  });

  it("records a search of the grants by subject under ListGrants, with the purpose it was asked for", () => {
    const input = subjectSearchEntry(
      "prov:440000",
      {
        origin: "mot/console",
        peerParty: "mot/console",
        peerCertSerial: "0a1b",
        hops: [],
        traceId: "",
        correlationId: "console/q-2",
      },
      {
        kind: "grant-query",
        purpose: Purpose.PURPOSE_TICKET_SERVICE,
        subjectDigest: new Uint8Array(32).fill(0xb2),
        releasedSm3: new Uint8Array(32).fill(0x07),
      },
      1_780_000_000_000,
    );
    const entry = AuditEntry.decode(input.bytes);
    assert.deepEqual(
      [entry.method, entry.reason, entry.purpose, entry.ownerParty, entry.decision, entry.grantId],
      [
        "hutong.v1.GrantService/ListGrants",
        "grant-query",
        Purpose.PURPOSE_TICKET_SERVICE,
        "prov:440000",
        AuditDecision.AUDIT_DECISION_ALLOW,
        "",
      ],
    );
    assert.deepEqual(input.subjectDigest, new Uint8Array(32).fill(0xb2));
  });
});
