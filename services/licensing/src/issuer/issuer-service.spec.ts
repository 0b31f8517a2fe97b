// A province licence system's gRPC server on a real SQLite store, called by a plain grpc-js
// client as its gateway forwards calls: batches and resend ranges within their bounds, licences
// looked up by licence_id, and a verification that answers validity and the holder's match
// without giving the licence away.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import {
  LicenceEventKind as E,
  EventOutcome,
  GetLicenceRequest,
  GetLicenceResponse,
  LicenceIssuanceServiceService as Issuance,
  LicenceKind as K,
  type LicenceLookup,
  LicenceServiceService as Licences,
  Purpose,
  type RecordedLicenceEvent,
  RecordLicenceEventsRequest,
  RecordLicenceEventsResponse,
  ResendLicenceEventsRequest,
  ResendLicenceEventsResponse,
  LicenceStatus as S,
  VerifyLicenceRequest,
  VerifyLicenceResponse,
} from "@hutong/proto";
import { listen } from "@hutong/service-kit";
import { openSqliteIssuerStore, type SqliteIssuerStore } from "../store/sqlite/sqlite-issuer-store.js";
import {
  isStatus,
  rawUnary,
  recordedEvent,
  testDir,
  testHolder,
  testIssuerParty,
  testLicence,
  testOccurredAt,
  testProvince,
  testSeal,
} from "../testing.js";
import { createIssuerServer } from "./issuer-service.js";
import { licenceQrPayload } from "./licence-qr.js";

const yunzheng = "prov:510000/yunzheng";
const context = {
  targetParty: testIssuerParty,
  purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
  grantId: "",
  correlationId: "spec",
};
/** The issuer's clock: Beijing 2026-06-01 12:00 unless a test moves it. */
const noon = Date.parse("2026-06-01T04:00:00Z");
let clock = noon;

let cleanup: () => Promise<void>;
let store: SqliteIssuerStore;
let server: grpc.Server;
let client: grpc.Client;
let kicks = 0;
const logged: string[] = [];

const practitioner = testLicence("P1", K.LICENCE_KIND_PRACTITIONER_QUALIFICATION);
const certificate = testLicence("C1", K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE);
const suspended = testLicence("C2", K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE);
const byId = (id: string): LicenceLookup => ({
  key: { $case: "licenceId", value: id },
  kind: K.LICENCE_KIND_UNSPECIFIED,
});

const record = async (events: readonly RecordedLicenceEvent[]) =>
  RecordLicenceEventsResponse.decode(
    await rawUnary(
      client,
      Issuance.recordLicenceEvents.path,
      RecordLicenceEventsRequest.encode({ context, events: [...events] }).finish(),
      yunzheng,
    ),
  ).results;
const resend = async (fromSeq: bigint, toSeq: bigint) =>
  ResendLicenceEventsResponse.decode(
    await rawUnary(
      client,
      Issuance.resendLicenceEvents.path,
      ResendLicenceEventsRequest.encode({ context, fromSeq, toSeq }).finish(),
      "mot/licence",
    ),
  );
const get = async (lookup: LicenceLookup) =>
  GetLicenceResponse.decode(
    await rawUnary(
      client,
      Licences.getLicence.path,
      GetLicenceRequest.encode({ context, lookup, includeOfd: false, annotate: false }).finish(),
      "prov:440000/licence",
    ),
  );
const verify = async (lookup: LicenceLookup, holder: Partial<VerifyLicenceRequest> = {}) =>
  VerifyLicenceResponse.decode(
    await rawUnary(
      client,
      Licences.verifyLicence.path,
      VerifyLicenceRequest.encode({
        context,
        lookup,
        holderIdNo: "",
        holderName: "",
        holderUscc: "",
        plateNo: "",
        ...holder,
      }).finish(),
      "prov:440000/checkpoint",
    ),
  );

const seal = testSeal();

before(async () => {
  const d = await testDir();
  cleanup = d.cleanup;
  store = openSqliteIssuerStore(join(d.dir, "issuer.sqlite"), {
    province: testProvince,
    party: "prov:510000/licence",
    library: "mot/licence",
    purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
    sealKey: randomBytes(32),
    seal,
  });
  server = createIssuerServer({
    store,
    log: { error: (message) => logged.push(message) },
    now: () => clock,
    enqueued: () => {
      kicks += 1;
    },
    party: testIssuerParty,
    province: testProvince,
    qrKey: seal.key.publicKey,
    deciders: ["mot/supervision"],
    verify: () => ({ ok: false, reason: "no statements in this spec" }),
  });
  client = new grpc.Client(await listen(server), grpc.credentials.createInsecure());
  // The licences the tests look up: a practitioner's, a vehicle's, and a suspended vehicle's.
  const results = await record([
    recordedEvent("k1", E.LICENCE_EVENT_KIND_ISSUED, practitioner),
    recordedEvent("k2", E.LICENCE_EVENT_KIND_ISSUED, certificate),
    recordedEvent("k3", E.LICENCE_EVENT_KIND_ISSUED, suspended),
    recordedEvent("k4", E.LICENCE_EVENT_KIND_SUSPENDED, suspended, { occurredAt: new Date("2026-04-01T02:00:00Z") }),
  ]);
  assert.deepEqual(
    results.map((r) => [r.outcome, r.provinceSeq]),
    [1n, 2n, 3n, 4n].map((seq) => [EventOutcome.EVENT_OUTCOME_APPLIED, seq]),
  );
});

after(async () => {
  client?.close();
  server?.forceShutdown();
  await store?.close();
  await cleanup?.();
});

describe("the issuer service: recording and resending", () => {
  it("kicks its dispatcher after a batch that queued messages, and not after one that queued none", async () => {
    assert.equal(kicks, 1, "the batch recorded before");
    const again = await record([recordedEvent("k1", E.LICENCE_EVENT_KIND_ISSUED, practitioner)]);
    assert.deepEqual(
      again.map((r) => [r.outcome, r.provinceSeq, r.licenceVersion]),
      [[EventOutcome.EVENT_OUTCOME_DUPLICATE, 1n, 1]],
    );
    const refused = await record([recordedEvent("x1", E.LICENCE_EVENT_KIND_RENEWED, suspended)]);
    assert.deepEqual(
      refused.map((r) => [r.outcome, r.code]),
      [[EventOutcome.EVENT_OUTCOME_REFUSED, "FAILED_PRECONDITION"]],
    );
    assert.equal(kicks, 1);
  });

  it("takes a batch of 1 to 1000 events, and refuses an empty or a larger one as INVALID_ARGUMENT", async () => {
    await assert.rejects(record([]), (e) =>
      isStatus(e, grpc.status.INVALID_ARGUMENT, /^malformed: a batch has 1 to 1000 events, not 0$/),
    );
    // Changes of licences it does not hold: each refused on its own, so the batch is taken but writes nothing.
    const unknown = (n: number) =>
      Array.from({ length: n }, (_, i) => recordedEvent(`u${i}`, E.LICENCE_EVENT_KIND_CHANGED, testLicence(`U${i}`)));
    await assert.rejects(record(unknown(1001)), (e) =>
      isStatus(e, grpc.status.INVALID_ARGUMENT, /^malformed: a batch has 1 to 1000 events, not 1001$/),
    );
    const results = await record(unknown(1000));
    assert.equal(results.length, 1000);
    assert.ok(
      results.every((r) => r.outcome === EventOutcome.EVENT_OUTCOME_REFUSED && r.code === "FAILED_PRECONDITION"),
    );
    assert.equal(await store.headSeq(), 4n);
  });

  it("refuses an event that claims to apply a maintenance request: only the issuer sets that", async () => {
    await assert.rejects(
      record([recordedEvent("m1", E.LICENCE_EVENT_KIND_CHANGED, certificate, { maintenanceRequestId: "MR-1" })]),
      (e) =>
        isStatus(e, grpc.status.INVALID_ARGUMENT, /^malformed: maintenance_request_id is set by the issuer itself/),
    );
    assert.equal(await store.headSeq(), 4n);
  });

  it("resends a range of 1 to 10,000 numbers from 1, and refuses any other as INVALID_ARGUMENT", async () => {
    const said = /^malformed: a resend covers 1 to 10000 sequence numbers from 1, not /;
    for (const [from, to] of [
      [0n, 3n],
      [0n, 0n],
      [5n, 4n],
      [1n, 10_001n],
      [7n, 10_007n],
    ] as const) {
      await assert.rejects(resend(from, to), (e) => isStatus(e, grpc.status.INVALID_ARGUMENT, said), `${from}..${to}`);
    }
    const kicked = kicks;
    // A resend is its own message (the library takes each event once, whichever copy comes first).
    assert.deepEqual(await resend(1n, 10_000n), { queued: 4, headSeq: 4n }, "the four events, again");
    assert.equal(kicks, kicked + 1, "queued, so the dispatcher is kicked");
    assert.deepEqual(await resend(1n, 10_000n), { queued: 0, headSeq: 4n }, "that resend still pending: nothing new");
    assert.deepEqual(await resend(9n, 9n), { queued: 0, headSeq: 4n }, "beyond the head");
    assert.equal(kicks, kicked + 1, "nothing queued, no kick");
  });

  it("refuses bytes that are not the request as INVALID_ARGUMENT", async () => {
    await assert.rejects(
      rawUnary(client, Issuance.recordLicenceEvents.path, Buffer.from([0x12, 0x7f]), yunzheng),
      (e) => isStatus(e, grpc.status.INVALID_ARGUMENT, /^malformed: the request is not a /),
    );
  });
});

describe("the issuer service: licences", () => {
  it("answers GetLicence with the licence it holds, and NOT_FOUND for an id it does not", async () => {
    const { licence } = await get(byId("C1"));
    assert.deepEqual(licence, await store.licence("C1"));
    assert.equal(licence?.status, S.LICENCE_STATUS_VALID);
    assert.equal(licence?.licenceNo, certificate.licenceNo);
    await assert.rejects(get(byId("L404")), (e) => isStatus(e, grpc.status.NOT_FOUND, /^not-found: no licence L404$/));
  });

  it("looks licences up by licence_id or QR payload: a licence_no or nothing is INVALID_ARGUMENT", async () => {
    const said = /^malformed: the reference issuer looks licences up by licence_id or qr_payload$/;
    const lookups: LicenceLookup[] = [
      { key: { $case: "licenceNo", value: certificate.licenceNo }, kind: K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE },
      { key: undefined, kind: K.LICENCE_KIND_UNSPECIFIED },
      byId(""),
    ];
    for (const lookup of lookups) {
      await assert.rejects(verify(lookup), (e) => isStatus(e, grpc.status.INVALID_ARGUMENT, said));
      await assert.rejects(get(lookup), (e) => isStatus(e, grpc.status.INVALID_ARGUMENT, said));
    }
    await assert.rejects(verify(byId("P404"), { holderIdNo: testHolder.idNo }), (e) =>
      isStatus(e, grpc.status.NOT_FOUND, /^not-found: no licence P404$/),
    );
  });

  it("finds a licence by the QR payload it signed, and refuses one changed or signed by another", async () => {
    const held = await store.licence("P1");
    assert.ok(held !== undefined);
    assert.ok(held.qrPayload.startsWith("HTQR1."));
    const byQr = (payload: string): LicenceLookup => ({ key: { $case: "qrPayload", value: payload }, kind: 0 });
    assert.equal((await verify(byQr(held.qrPayload), { holderIdNo: testHolder.idNo })).holderMatches, true);
    assert.equal((await get(byQr(held.qrPayload))).licence?.licenceId, "P1");
    const [head, claims, signature] = held.qrPayload.split(".") as [string, string, string];
    const changed = Buffer.from(claims, "base64url");
    changed.writeUInt8(changed.readUInt8(3) ^ 0x01, 3);
    for (const forged of [
      `${head}.${changed.toString("base64url")}.${signature}`,
      licenceQrPayload(testSeal().key, testIssuerParty, held, new Date()),
      "hutong:licence:P1",
      // The same bytes to Node's lenient decoder, but not the payload the issuer printed.
      `${head}.${claims}!.${signature}`,
    ]) {
      await assert.rejects(verify(byQr(forged)), (e) =>
        isStatus(e, grpc.status.INVALID_ARGUMENT, /^malformed: the QR payload: /),
      );
    }
    // Signed with this issuer's key but naming another issuer: not this issuer's licence.
    const elsewhere = licenceQrPayload(seal.key, "prov:440000/licence", held, new Date());
    await assert.rejects(verify(byQr(elsewhere)), (e) =>
      isStatus(e, grpc.status.NOT_FOUND, /is prov:440000\/licence's/),
    );
  });

  it("verifies a practitioner's licence: valid, and the holder matched by ID number and name", async () => {
    assert.deepEqual(await verify(byId("P1"), { holderIdNo: testHolder.idNo }), {
      valid: true,
      holderMatches: true,
      kind: K.LICENCE_KIND_PRACTITIONER_QUALIFICATION,
      status: S.LICENCE_STATUS_VALID,
      validTo: "2030-03-01",
      statusUpdatedAt: testOccurredAt,
    });
    const both = await verify(byId("P1"), { holderIdNo: testHolder.idNo, holderName: testHolder.name });
    assert.deepEqual([both.valid, both.holderMatches], [true, true]);
    assert.equal((await verify(byId("P1"))).holderMatches, true, "nothing claimed, nothing contradicted");
  });

  it("says the holder does not match when any claim is wrong, and the licence stays valid", async () => {
    for (const claim of [
      { holderIdNo: "510104198001011239" },
      { holderIdNo: testHolder.idNo, holderName: "王伟" },
      { holderIdNo: testHolder.idNo, holderUscc: "91510100MA6C9XK42W" },
      { plateNo: "川A12345" },
    ]) {
      const answer = await verify(byId("P1"), claim);
      assert.deepEqual([answer.valid, answer.holderMatches], [true, false], JSON.stringify(claim));
    }
    const vehicle = await verify(byId("C1"), { holderUscc: "91510100MA6C9XK42W", plateNo: "川A12345" });
    assert.deepEqual([vehicle.valid, vehicle.holderMatches], [true, true]);
    assert.equal((await verify(byId("C1"), { plateNo: "川A54321" })).holderMatches, false);
    assert.equal(
      (await verify(byId("C1"), { holderIdNo: testHolder.idNo })).holderMatches,
      false,
      "a vehicle has no ID number",
    );
  });

  it("is valid from valid_from through the Beijing day of valid_to, then EXPIRED", async () => {
    try {
      clock = Date.parse("2030-03-01T15:59:59Z"); // Beijing 2030-03-01 23:59:59
      assert.deepEqual(
        await verify(byId("P1"), { holderIdNo: testHolder.idNo }).then((a) => [a.valid, a.status, a.holderMatches]),
        [true, S.LICENCE_STATUS_VALID, true],
      );
      clock = Date.parse("2030-03-01T16:00:00Z"); // Beijing 2030-03-02 00:00
      const expired = await verify(byId("P1"), { holderIdNo: testHolder.idNo });
      assert.deepEqual(
        [expired.valid, expired.status, expired.holderMatches, expired.validTo],
        [false, S.LICENCE_STATUS_EXPIRED, true, "2030-03-01"],
      );
      // A suspended licence past its date stays SUSPENDED: EXPIRED is only a valid licence's.
      const past = await verify(byId("C2"));
      assert.deepEqual([past.valid, past.status], [false, S.LICENCE_STATUS_SUSPENDED]);
      clock = Date.parse("2026-03-01T15:59:59Z"); // Beijing 2026-03-01, the day before valid_from
      const early = await verify(byId("C1"));
      assert.deepEqual([early.valid, early.status], [false, S.LICENCE_STATUS_VALID]);
    } finally {
      clock = noon;
    }
    const now = await verify(byId("C2"));
    assert.deepEqual(
      [now.valid, now.status, now.statusUpdatedAt],
      [false, S.LICENCE_STATUS_SUSPENDED, new Date("2026-04-01T02:00:00Z")],
    );
    assert.deepEqual(logged, [], "refusals, not failures");
  });
});
