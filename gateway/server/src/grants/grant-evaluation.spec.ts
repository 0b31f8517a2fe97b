import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type GrantBody, GrantorKind, GrantStatus, Purpose, RecordKind } from "@hutong/proto";
import fc from "fast-check";
import { type KnownRecordKind, type PurposeRow, purposePolicyTable } from "./authority-policy.js";
import { type DecodedGrantBody, encodeGrantBody, grantIdFor, validateGrantBody } from "./grant-codec.js";
import {
  evaluateShare,
  type GrantState,
  type PresentedGrant,
  type ShareDecision,
  type ShareDenialReason,
  type ShareRequest,
  shareDenialReasons,
} from "./grant-evaluation.js";
import { grantsErrorCodes } from "./grants-error.js";
import { authorityBody, day, holderBody, hour, subjectA, subjectB, testNow } from "./testing-grants.js";

const { GRANT_STATUS_ACTIVE: ACTIVE } = GrantStatus;
const T = RecordKind.RECORD_KIND_E_TICKET;
const L = RecordKind.RECORD_KIND_LICENCE;
const I = RecordKind.RECORD_KIND_E_INVOICE;

function verified(body: GrantBody, state: Partial<GrantState> = {}): PresentedGrant {
  return {
    outcome: "verified",
    grant: { id: grantIdFor(encodeGrantBody(body)), body: validateGrantBody(body) },
    state: { status: ACTIVE, uses: 0, ...state },
  };
}

const holder = verified(holderBody());
const holderId = holder.outcome === "verified" ? holder.grant.id : "";

/** A passenger's grant used as intended: prov:440000 fetches ticket T1 from prov:510000. */
function request(overrides: Partial<ShareRequest> = {}): ShareRequest {
  return {
    phase: "final",
    operation: "fetch",
    recordKind: T,
    purpose: Purpose.PURPOSE_TICKET_SERVICE,
    callerParty: "prov:440000",
    ownerParty: "prov:510000",
    recordId: "T1",
    subjectDigest: subjectA,
    grant: holder,
    fieldsRequested: ["ticket"],
    now: testNow,
    ...overrides,
  };
}

const emergency = (body: Partial<GrantBody> = {}, state: Partial<GrantState> = {}): Partial<ShareRequest> => ({
  purpose: Purpose.PURPOSE_EMERGENCY,
  grant: verified(authorityBody(body), state),
});

function reasonOf(d: ShareDecision): ShareDenialReason | "allow" {
  return d.allow ? "allow" : d.reason;
}

const at = (ms: number): Date => new Date(ms);
const nb = holderBody().notBefore?.getTime() ?? 0;
const exp = holderBody().expiresAt?.getTime() ?? 0;

// One request per reason (at least); the last test checks that together they reach every reason.
const denials: Array<[ShareDenialReason, string, Partial<ShareRequest>]> = [
  ["unknown-purpose", "purpose unspecified", { purpose: Purpose.PURPOSE_UNSPECIFIED }],
  ["unknown-purpose", "purpose outside the enum", { purpose: 42 as Purpose }],
  [
    "operation-not-allowed",
    "law enforcement fetching a licence, even with an authority grant",
    {
      purpose: Purpose.PURPOSE_LAW_ENFORCEMENT,
      recordKind: L,
      grant: verified(authorityBody({ purpose: Purpose.PURPOSE_LAW_ENFORCEMENT, recordKind: L, fieldsAllowed: [] })),
    },
  ],
  ["operation-not-allowed", "boarding check fetching a ticket", { purpose: Purpose.PURPOSE_BOARDING_CHECK }],
  [
    "operation-not-allowed",
    "boarding check on a licence",
    { purpose: Purpose.PURPOSE_BOARDING_CHECK, recordKind: L, operation: "verify" },
  ],
  ["operation-not-allowed", "unknown record kind", { recordKind: 9 as RecordKind }],
  [
    "operation-not-allowed",
    "reconciliation verifying an invoice",
    { purpose: Purpose.PURPOSE_RECONCILIATION, recordKind: RecordKind.RECORD_KIND_E_INVOICE, operation: "verify" },
  ],
  ["grant-required", "ticket service without a grant", { grant: null }],
  [
    "grant-required",
    "licence use verify without a grant",
    { purpose: Purpose.PURPOSE_LICENCE_USE, recordKind: L, operation: "verify", grant: null },
  ],
  [
    "grant-not-found",
    "unknown grant id",
    { grant: { outcome: "not-found", id: "g1-00000000000000000000000000000000" } },
  ],
  [
    "grant-not-found",
    "a status the store should never hand back",
    { grant: verified(holderBody(), { status: GrantStatus.GRANT_STATUS_UNSPECIFIED }) },
  ],
  ["grant-forged", "bad signature", { grant: { outcome: "refused", id: holderId, code: "bad-signature" } }],
  ["grant-forged", "untrusted signer", { grant: { outcome: "refused", id: holderId, code: "untrusted-signer" } }],
  ["grant-forged", "signer not the grantor", { grant: { outcome: "refused", id: holderId, code: "wrong-signer" } }],
  ["grant-forged", "malformed body", { grant: { outcome: "refused", id: holderId, code: "malformed" } }],
  ["wrong-grantee", "another province", { callerParty: "prov:450000" }],
  ["wrong-grantee", "no caller", { callerParty: "" }],
  [
    "wrong-grantee",
    "member calling on a sub-system's grant",
    { grant: verified(holderBody({ granteeParty: "prov:440000/desk" })) },
  ],
  [
    "wrong-purpose",
    "through-ticket grant used for ticket service",
    { grant: verified(holderBody({ purpose: Purpose.PURPOSE_THROUGH_TICKET })) },
  ],
  [
    "wrong-record-kind",
    "invoice grant used for a ticket",
    {
      purpose: Purpose.PURPOSE_INVOICING,
      grant: verified(
        holderBody({
          purpose: Purpose.PURPOSE_INVOICING,
          recordKind: I,
          recordIds: ["INV1"],
          fieldsAllowed: ["invoice"],
        }),
      ),
    },
  ],
  [
    "grantor-not-allowed",
    "policy refusal reported by verification",
    { grant: { outcome: "refused", id: holderId, code: "grantor-not-allowed" } },
  ],
  [
    "grantor-not-allowed",
    "holder grant for an emergency",
    { purpose: Purpose.PURPOSE_EMERGENCY, grant: verified(holderBody({ purpose: Purpose.PURPOSE_EMERGENCY })) },
  ],
  ["grantor-not-allowed", "rail as an authority", emergency({ grantorParty: "rail:cr" })],
  [
    "grant-exceeds-policy",
    "cap reported by verification",
    { grant: { outcome: "refused", id: holderId, code: "exceeds-policy" } },
  ],
  ["grant-exceeds-policy", "use limit above the purpose cap", { grant: verified(holderBody({ useLimit: 21 })) }],
  ["grant-exceeds-policy", "emergency grant longer than 3 days", emergency({ expiresAt: at(nb + 3 * day + 1) })],
  ["wrong-owner", "records of another owner", { ownerParty: "prov:440000" }],
  [
    "wrong-owner",
    "owner named as a sub-system, record at the member",
    { grant: verified(holderBody({ ownerParty: "prov:510000/tickets" })) },
  ],
  ["grant-not-yet-valid", "a millisecond early", { now: at(nb - 1) }],
  ["grant-expired", "exactly at expires_at", { now: at(exp) }],
  [
    "grant-expired",
    "status EXPIRED inside the window",
    { grant: verified(holderBody(), { status: GrantStatus.GRANT_STATUS_EXPIRED }) },
  ],
  ["grant-revoked", "status REVOKED", { grant: verified(holderBody(), { status: GrantStatus.GRANT_STATUS_REVOKED }) }],
  ["grant-used-up", "uses = use_limit", { grant: verified(holderBody(), { uses: 3 }) }],
  ["grant-used-up", "status USED_UP", { grant: verified(holderBody(), { status: GrantStatus.GRANT_STATUS_USED_UP }) }],
  ["record-unknown", "final check without a subject", { subjectDigest: null }],
  ["record-unknown", "final check without a record id", { recordId: null }],
  ["wrong-record", "another ticket", { recordId: "T2" }],
  ["wrong-record", "another ticket, in the pre-check", { phase: "pre-check", recordId: "T2", subjectDigest: null }],
  ["wrong-subject", "another person's ticket", { subjectDigest: subjectB }],
  [
    "wrong-subject",
    "authority grant, any record, another person",
    { ...emergency(), recordId: "T9", subjectDigest: subjectB },
  ],
  ["fields-not-allowed", "asking only for what the grant withholds", { fieldsRequested: ["ticket.buyer"] }],
  ["fields-not-allowed", "asking for nothing", { fieldsRequested: [] }],
  [
    "fields-not-allowed",
    "supervision asking for the passenger",
    { purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION, grant: null, fieldsRequested: ["ticket.passenger"] },
  ],
  ["fields-not-allowed", "a verify-only grant used to fetch", { grant: verified(holderBody({ fieldsAllowed: [] })) }],
];

describe("evaluateShare: reasons", () => {
  it("allows the intended share", () => {
    const d = evaluateShare(request());
    assert.deepEqual(d, {
      allow: true,
      grantId: holderId,
      fields: ["ticket.passenger.name", "ticket.sale_status", "ticket.ticket_no"],
      consumesUse: true,
    });
  });

  for (const [reason, name, overrides] of denials) {
    it(`denies ${reason}: ${name}`, () => {
      assert.equal(reasonOf(evaluateShare(request(overrides))), reason);
    });
  }

  it("reaches every reason of the closed set", () => {
    const reached = new Set(denials.map(([r]) => r));
    assert.deepEqual([...reached].sort(), [...shareDenialReasons].sort());
  });

  it("maps every verification error code to a reason", () => {
    for (const code of grantsErrorCodes) {
      const d = evaluateShare(request({ grant: { outcome: "refused", id: holderId, code } }));
      assert.equal(d.allow, false);
      assert.ok(shareDenialReasons.includes(reasonOf(d) as ShareDenialReason));
    }
  });
});

describe("evaluateShare: rules", () => {
  it("lets law enforcement verify a licence without consent, releasing nothing", () => {
    const d = evaluateShare(
      request({
        purpose: Purpose.PURPOSE_LAW_ENFORCEMENT,
        recordKind: L,
        operation: "verify",
        grant: null,
        recordId: "L1",
      }),
    );
    assert.deepEqual(d, { allow: true, grantId: null, fields: [], consumesUse: false });
  });

  it("treats not_before as inclusive and expires_at as exclusive", () => {
    assert.equal(reasonOf(evaluateShare(request({ now: at(nb - 1) }))), "grant-not-yet-valid");
    assert.equal(reasonOf(evaluateShare(request({ now: at(nb) }))), "allow");
    assert.equal(reasonOf(evaluateShare(request({ now: at(exp - 1) }))), "allow");
    assert.equal(reasonOf(evaluateShare(request({ now: at(exp) }))), "grant-expired");
  });

  it("allows exactly use_limit uses; an authority grant without a limit is never used up", () => {
    for (const uses of [0, 1, 2])
      assert.equal(evaluateShare(request({ grant: verified(holderBody(), { uses }) })).allow, true);
    assert.equal(reasonOf(evaluateShare(request({ grant: verified(holderBody(), { uses: 3 }) }))), "grant-used-up");
    assert.equal(
      reasonOf(evaluateShare(request({ grant: verified(holderBody({ useLimit: 1 }), { uses: 1 }) }))),
      "grant-used-up",
    );
    assert.equal(evaluateShare(request(emergency({}, { uses: 1_000_000 }))).allow, true);
    assert.equal(reasonOf(evaluateShare(request(emergency({ useLimit: 2 }, { uses: 2 })))), "grant-used-up");
  });

  it("runs in two phases: a pre-check without the subject, a final check that consumes the use", () => {
    const pre = evaluateShare(request({ phase: "pre-check", subjectDigest: null }));
    assert.deepEqual(pre, { ...evaluateShare(request()), consumesUse: false });
    // A lookup by licence number or QR payload gives no canonical id before the record is read.
    assert.equal(evaluateShare(request({ phase: "pre-check", recordId: null, subjectDigest: null })).allow, true);
    // A pre-check that knows the subject still checks it.
    assert.equal(reasonOf(evaluateShare(request({ phase: "pre-check", subjectDigest: subjectB }))), "wrong-subject");
  });

  it("releases nothing on verify, whatever was requested", () => {
    const d = evaluateShare(request({ operation: "verify" }));
    assert.deepEqual(d, { allow: true, grantId: holderId, fields: [], consumesUse: true });
  });

  it("releases requested ∩ policy ∩ grant fields", () => {
    const g = verified(
      holderBody({ purpose: Purpose.PURPOSE_THROUGH_TICKET, fieldsAllowed: ["ticket.passenger", "ticket.fare_fen"] }),
    );
    const d = evaluateShare(request({ purpose: Purpose.PURPOSE_THROUGH_TICKET, grant: g }));
    // Through-ticket releases the passenger's name and id but not their phone, nor the fare.
    assert.deepEqual(d.allow && d.fields, [
      "ticket.passenger.id_no",
      "ticket.passenger.id_type",
      "ticket.passenger.name",
    ]);
    const narrow = evaluateShare(
      request({
        purpose: Purpose.PURPOSE_THROUGH_TICKET,
        grant: g,
        fieldsRequested: ["ticket.passenger.name", "ticket.buyer"],
      }),
    );
    assert.deepEqual(narrow.allow && narrow.fields, ["ticket.passenger.name"]);
  });

  it("releases only non-personal fields for supervision, without a grant", () => {
    const d = evaluateShare(request({ purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION, grant: null }));
    assert.ok(d.allow);
    assert.equal(d.grantId, null);
    assert.ok(d.fields.includes("ticket.ticket_no"));
    assert.ok(!d.fields.some((f) => f.startsWith("ticket.passenger") || f.startsWith("ticket.buyer")));
  });

  it("does not rely on a grant an open operation does not need, even a revoked one", () => {
    const revoked = verified(holderBody({ purpose: Purpose.PURPOSE_BOARDING_CHECK }), {
      status: GrantStatus.GRANT_STATUS_REVOKED,
    });
    const d = evaluateShare(request({ purpose: Purpose.PURPOSE_BOARDING_CHECK, operation: "verify", grant: revoked }));
    assert.deepEqual(d, { allow: true, grantId: null, fields: [], consumesUse: false });
  });

  it("lets a member's grant cover its own systems, not the other way round", () => {
    assert.equal(evaluateShare(request({ callerParty: "prov:440000/desk" })).allow, true);
    const toDesk = verified(holderBody({ granteeParty: "prov:440000/desk" }));
    assert.equal(evaluateShare(request({ callerParty: "prov:440000/desk", grant: toDesk })).allow, true);
    assert.equal(
      reasonOf(evaluateShare(request({ callerParty: "prov:440000/other", grant: toDesk }))),
      "wrong-grantee",
    );
    assert.equal(evaluateShare(request({ ownerParty: "prov:510000/tickets" })).allow, true);
  });

  it("lets an authority grant name any owner and any record of its subject", () => {
    for (const ownerParty of ["prov:510000", "prov:650000", "rail:cr"]) {
      assert.equal(evaluateShare(request({ ...emergency(), ownerParty, recordId: "T7" })).allow, true, ownerParty);
    }
    const pinned = emergency({ ownerParty: "prov:510000", recordIds: ["T1"] });
    assert.equal(reasonOf(evaluateShare(request({ ...pinned, ownerParty: "prov:650000" }))), "wrong-owner");
    assert.equal(reasonOf(evaluateShare(request({ ...pinned, recordId: "T7" }))), "wrong-record");
  });

  it("takes a policy argument", () => {
    const d = evaluateShare(request(), { purposes: new Map(), revocationAuthorities: [] });
    assert.equal(reasonOf(d), "unknown-purpose");
  });
});

// --- property: allow exactly when every condition holds ----------------------------------------

const parties = ["prov:440000", "prov:440000/desk", "prov:510000", "prov:510000/tickets", "mot", "mot/desk", "rail:cr"];
const pathPool = [
  "ticket",
  "ticket.passenger",
  "ticket.passenger.name",
  "ticket.passenger.phone",
  "ticket.ticket_no",
  "ticket.fare_fen",
  "ticket.buyer",
  "licence",
  "licence.kind",
  "licence.practitioner_qualification",
  "licence.practitioner_qualification.id_no",
  "licence.practitioner_qualification.photo",
  "invoice",
  "invoice.invoice_no",
  "invoice.buyer_name",
];

const covers = (named: string, actual: string): boolean =>
  named !== "" && actual !== "" && (named === actual || (!named.includes("/") && actual.startsWith(`${named}/`)));
const under = (outer: string, inner: string): boolean => inner === outer || inner.startsWith(`${outer}.`);

/** Written from docs/grants.md, not from grant-evaluation.ts. */
function independentAllow(r: ShareRequest): boolean {
  const row = (purposePolicyTable as Readonly<Record<number, PurposeRow | undefined>>)[r.purpose];
  const rec = row?.records[r.recordKind as KnownRecordKind];
  if (row === undefined || rec === undefined) return false;
  const rule = rec[r.operation];
  const releases = (sets: readonly (readonly string[])[]): boolean =>
    sets.flat().some((p) => sets.every((s) => s.some((q) => under(q, p))));
  if (rule.access === "denied") return false;
  if (rule.access === "open") return r.operation === "verify" || releases([r.fieldsRequested, rec.fields]);
  if (r.grant === null || r.grant.outcome !== "verified") return false;
  const b = r.grant.grant.body;
  const { status, uses } = r.grant.state;
  const kind =
    b.grantorKind === GrantorKind.GRANTOR_KIND_HOLDER
      ? "holder"
      : b.grantorKind === GrantorKind.GRANTOR_KIND_AUTHORITY
        ? "authority"
        : undefined;
  const caps = kind === "holder" ? row.holderCaps : row.authorityCaps;
  const t = r.now.getTime();
  return [
    covers(b.granteeParty, r.callerParty),
    b.purpose === r.purpose,
    b.recordKind === r.recordKind,
    kind !== undefined && rule.grantors.includes(kind),
    kind !== "authority" ||
      row.authorityGrantors.some((p) =>
        p.endsWith("*") ? b.grantorParty.startsWith(p.slice(0, -1)) : p === b.grantorParty,
      ),
    caps === undefined ||
      (b.expiresAt.getTime() - b.notBefore.getTime() <= caps.maxValidityDays * day &&
        (caps.maxUses === 0 || (b.useLimit >= 1 && b.useLimit <= caps.maxUses))),
    (kind === "authority" && b.ownerParty === "") || covers(b.ownerParty, r.ownerParty),
    b.notBefore.getTime() <= t && t < b.expiresAt.getTime(),
    status === ACTIVE,
    b.useLimit === 0 || uses < b.useLimit,
    r.phase === "pre-check" || (r.recordId !== null && r.subjectDigest !== null),
    r.recordId === null || b.recordIds.length === 0 || b.recordIds.includes(r.recordId),
    r.subjectDigest === null || Buffer.from(r.subjectDigest).equals(b.subjectDigest),
    r.operation === "verify" || releases([r.fieldsRequested, rec.fields, b.fieldsAllowed]),
  ].every(Boolean);
}

type Base = Omit<ShareRequest, "grant" | "now">;

/** Purpose, record kind and operation triples whose rule takes a grant: where most conditions live. */
const grantRules = Object.entries(purposePolicyTable as Readonly<Record<number, PurposeRow>>).flatMap(([p, row]) =>
  Object.entries(row.records).flatMap(([k, rec]) =>
    (["verify", "fetch"] as const)
      .filter((op) => rec[op].access === "grant")
      .map((operation) => ({ purpose: Number(p) as Purpose, recordKind: Number(k) as RecordKind, operation })),
  ),
);

const baseArb: fc.Arbitrary<Base> = fc
  .record({
    phase: fc.constantFrom("pre-check" as const, "final" as const),
    rule: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...grantRules) },
      {
        weight: 1,
        arbitrary: fc.record({
          purpose: fc.integer({ min: 0, max: 10 }) as fc.Arbitrary<Purpose>,
          recordKind: fc.constantFrom(T, L, I, 0 as RecordKind),
          operation: fc.constantFrom("verify" as const, "fetch" as const),
        }),
      },
    ),
    callerParty: fc.constantFrom(...parties, ""),
    ownerParty: fc.constantFrom(...parties),
    recordId: fc.constantFrom("T1", "T2", "L1", null),
    subjectDigest: fc.constantFrom(subjectA, subjectB, null),
    fieldsRequested: fc.oneof(fc.subarray(pathPool), fc.constantFrom(["ticket"], ["licence"], ["invoice"])),
  })
  .map(({ rule, ...r }) => ({ ...r, ...rule }));

/** Mostly matching the request, so that allows are common and each condition fails on its own. */
function bodyArb(r: Base): fc.Arbitrary<DecodedGrantBody> {
  const likely = <V>(match: V, other: fc.Arbitrary<V>): fc.Arbitrary<V> =>
    fc.oneof({ weight: 9, arbitrary: fc.constant(match) }, { weight: 1, arbitrary: other });
  const rule = (purposePolicyTable as Readonly<Record<number, PurposeRow | undefined>>)[r.purpose]?.records[
    r.recordKind as KnownRecordKind
  ]?.[r.operation];
  const authority = rule?.access === "grant" && rule.grantors.includes("authority");
  return fc
    .record({
      grantorKind: likely(
        authority ? GrantorKind.GRANTOR_KIND_AUTHORITY : GrantorKind.GRANTOR_KIND_HOLDER,
        fc.constantFrom(GrantorKind.GRANTOR_KIND_HOLDER, GrantorKind.GRANTOR_KIND_AUTHORITY, 0 as GrantorKind),
      ),
      grantorParty: likely(
        authority ? "mot" : "",
        fc.constantFrom("", "mot", "prov:510000/emergency", "rail:cr", "mot/desk", "org:mot"),
      ),
      granteeParty: likely(r.callerParty, fc.constantFrom(...parties)),
      ownerParty: likely(r.ownerParty, fc.constantFrom(...parties, "")),
      subjectDigest: likely(r.subjectDigest ?? subjectA, fc.constantFrom(subjectA, subjectB)),
      recordKind: likely(r.recordKind, fc.constantFrom(T, L, I)),
      recordIds: likely(r.recordId === null ? [] : [r.recordId], fc.subarray(["T1", "T2", "L1"])),
      purpose: likely(r.purpose, fc.integer({ min: 1, max: 9 }) as fc.Arbitrary<Purpose>),
      notBefore: fc.constantFrom(testNow.getTime() - hour, testNow.getTime(), testNow.getTime() + 1),
      validity: likely(day, fc.constantFrom(1, hour, 3 * day, 3 * day + 1, 90 * day, 90 * day + 1, 180 * day + 1)),
      useLimit: likely(authority ? 0 : 3, fc.constantFrom(0, 1, 10, 11, 20, 21)),
      fieldsAllowed: likely(r.fieldsRequested, fc.subarray(pathPool)),
    })
    .map(
      (b): DecodedGrantBody => ({
        version: 1,
        grantorKind: b.grantorKind,
        grantorParty: b.grantorParty,
        granteeParty: b.granteeParty,
        ownerParty: b.ownerParty,
        subjectDigest: Buffer.from(b.subjectDigest),
        recordKind: b.recordKind,
        recordIds: [...b.recordIds],
        purpose: b.purpose,
        notBefore: new Date(b.notBefore),
        expiresAt: new Date(b.notBefore + b.validity),
        useLimit: b.useLimit,
        fieldsAllowed: [...b.fieldsAllowed],
        issuedAt: new Date(b.notBefore),
        nonce: Buffer.alloc(16),
      }),
    );
}

const requestArb: fc.Arbitrary<ShareRequest> = baseArb.chain((r) => {
  const verifiedArb = fc
    .record({
      body: bodyArb(r),
      status: fc.oneof(
        { weight: 6, arbitrary: fc.constant(ACTIVE) },
        { weight: 1, arbitrary: fc.constantFrom(...[0, 2, 3, 4, -1].map((s) => s as GrantStatus)) },
      ),
      uses: fc.nat({ max: 4 }),
    })
    .map((g): PresentedGrant => ({ outcome: "verified", grant: { id: "g1-test", body: g.body }, state: g }));
  const grantArb = fc.oneof(
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constant<PresentedGrant>({ outcome: "not-found", id: "g1-x" }) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(...grantsErrorCodes)
        .map((code): PresentedGrant => ({ outcome: "refused", id: "g1-x", code })),
    },
    { weight: 8, arbitrary: verifiedArb },
  );
  return grantArb.chain((grant) => {
    const times =
      grant?.outcome === "verified"
        ? [grant.grant.body.notBefore.getTime(), grant.grant.body.expiresAt.getTime()].flatMap((x) => [x - 1, x, x + 1])
        : [testNow.getTime()];
    return fc.constantFrom(...times).map((now): ShareRequest => ({ ...r, grant, now: new Date(now) }));
  });
});

describe("evaluateShare: property", () => {
  it("allows exactly when every condition holds, and then releases only what all bounds cover", () => {
    let allowed = 0;
    let viaGrant = 0;
    const runs = 4000;
    fc.assert(
      fc.property(requestArb, (r) => {
        const d = evaluateShare(r);
        assert.equal(d.allow, independentAllow(r));
        if (!d.allow) {
          assert.ok(shareDenialReasons.includes(d.reason));
          return;
        }
        allowed++;
        const row = (purposePolicyTable as Readonly<Record<number, PurposeRow>>)[r.purpose];
        const rec = row?.records[r.recordKind as KnownRecordKind];
        assert.ok(rec);
        const relied = rec[r.operation].access === "grant";
        const g = r.grant;
        assert.equal(d.grantId, relied && g?.outcome === "verified" ? g.grant.id : null);
        assert.equal(d.consumesUse, relied && r.phase === "final");
        if (relied) viaGrant++;
        if (r.operation === "verify") assert.deepEqual(d.fields, []);
        const bounds = [
          r.fieldsRequested,
          rec.fields,
          ...(relied && g?.outcome === "verified" ? [g.grant.body.fieldsAllowed] : []),
        ];
        for (const f of d.fields)
          assert.ok(
            bounds.every((s) => s.some((q) => under(q, f))),
            `${f} escapes a bound`,
          );
      }),
      { numRuns: runs },
    );
    // The property must not pass vacuously: a fair share of the runs allow, many through grants.
    assert.ok(allowed > runs / 20, `only ${allowed} of ${runs} runs allowed`);
    assert.ok(viaGrant > runs / 50, `only ${viaGrant} of ${runs} runs allowed through a grant`);
  });
});
