import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AuditEntryView } from "../api/api-types.js";
import { matchSides } from "./match-sides.js";

const entry = (gateway: string, role: AuditEntryView["role"], extra: Partial<AuditEntryView> = {}): AuditEntryView => ({
  gateway,
  index: 0,
  entryB64: "",
  time: "2026-12-06T00:00:00.000Z",
  role,
  method: "hutong.v1.TicketService/VerifyTicket",
  requesterParty: "prov:510000/ticketing",
  peerParty: "",
  ownerParty: "prov:440000",
  recordKind: "E_TICKET",
  recordDigestHex: "",
  subjectDigestHex: "",
  grantId: "",
  purpose: "BOARDING_CHECK",
  decision: "allow",
  reason: "allowed",
  hops: [],
  releasedSm3Hex: "aa",
  fieldsReleased: [],
  traceId: "",
  correlationId: "c1",
  ...extra,
});

const share = () => [
  entry("prov:510000", "relay"),
  entry("mot", "relay"),
  entry("prov:440000", "owner", { hops: ["prov:510000", "mot"], subjectDigestHex: "bb" }),
];

describe("matching both sides of a share", () => {
  it("finds a whole, agreeing share consistent", () => {
    assert.deepEqual(matchSides(share()), { consistent: true, problems: [] });
  });

  it("flags a side that released, decided or called something else", () => {
    const [a, b, c] = share() as [AuditEntryView, AuditEntryView, AuditEntryView];
    assert.deepEqual(matchSides([a, { ...b, releasedSm3Hex: "ff" }, c]).problems, ["released-differs"]);
    assert.deepEqual(matchSides([{ ...a, decision: "deny" }, b, c]).problems, ["decision-differs"]);
    assert.deepEqual(matchSides([a, b, { ...c, method: "hutong.v1.TicketService/GetTicket" }]).problems, [
      "method-differs",
    ]);
    assert.deepEqual(matchSides([{ ...a, subjectDigestHex: "cc" }, b, c]).problems, ["subject-differs"]);
  });

  it("flags a missing owner, and a hop that logged nothing", () => {
    const [a, b, c] = share() as [AuditEntryView, AuditEntryView, AuditEntryView];
    assert.deepEqual(matchSides([a, b]).problems, ["owner-side-missing"]);
    assert.deepEqual(matchSides([a, c]).problems, ["requester-side-missing"]);
    assert.deepEqual(matchSides([c]).problems, ["requester-side-missing"]);
    assert.deepEqual(matchSides([entry("prov:440000", "owner")]), { consistent: true, problems: [] }, "a local share");
  });
});
