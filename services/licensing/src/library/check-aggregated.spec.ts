// What the library finds in an event it applies: order by licence version, and every reason it
// is not compliant — the contract's data rules, the lifecycle as the library has followed it,
// the issuer's seal over the licence file.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  LicenceEventKind as E,
  LicenceKind as K,
  type LicenceEvent,
  LicenceStatus as S,
  type SealedLicenceFile,
} from "@hutong/proto";
import { issuerEvents, recordedEvent, testLicence, testSeal } from "../testing.js";
import { checkAggregated, type LibraryLicence } from "./check-aggregated.js";

const seal = testSeal();
const now = Date.parse("2026-03-02T03:00:00Z");
const licence = testLicence("L1");
const held = (version: number, status: S): LibraryLicence => ({ version, state: { status } });

/** The issuer's events for L1: issued, changed, renewed, activated, suspended (versions 1 to 5). */
const [issued, changed, renewed, activated, suspended] = issuerEvents(
  seal,
  [
    recordedEvent("k1", E.LICENCE_EVENT_KIND_ISSUED, licence),
    recordedEvent("k2", E.LICENCE_EVENT_KIND_CHANGED, licence),
    recordedEvent("k3", E.LICENCE_EVENT_KIND_RENEWED, { ...licence, validTo: "2034-03-01" }),
    recordedEvent("k4", E.LICENCE_EVENT_KIND_ACTIVATED, licence),
    recordedEvent("k5", E.LICENCE_EVENT_KIND_SUSPENDED, licence),
  ],
  now,
) as [LicenceEvent, LicenceEvent, LicenceEvent, LicenceEvent, LicenceEvent];

const noFile = "file: an issue, change or renewal carries no sealed licence file";
const badSeal = "file: the issuer's seal does not verify over the file";

describe("checkAggregated", () => {
  it("finds nothing wrong in an issuer's events taken in order", () => {
    assert.deepEqual(checkAggregated(issued, undefined), { inOrder: true, violations: [] });
    assert.deepEqual(checkAggregated(changed, held(1, S.LICENCE_STATUS_VALID)), { inOrder: true, violations: [] });
    assert.deepEqual(checkAggregated(renewed, held(2, S.LICENCE_STATUS_VALID)), { inOrder: true, violations: [] });
    assert.deepEqual(checkAggregated(activated, held(3, S.LICENCE_STATUS_VALID)), { inOrder: true, violations: [] });
    assert.deepEqual(checkAggregated(suspended, held(4, S.LICENCE_STATUS_VALID)), { inOrder: true, violations: [] });
  });

  it("requires the sealed file of an issue, a change and a renewal, and of nothing else", () => {
    assert.deepEqual(checkAggregated({ ...issued, file: undefined }, undefined).violations, [noFile]);
    assert.deepEqual(checkAggregated({ ...changed, file: undefined }, held(1, S.LICENCE_STATUS_VALID)).violations, [
      noFile,
    ]);
    assert.deepEqual(checkAggregated({ ...renewed, file: undefined }, held(2, S.LICENCE_STATUS_VALID)).violations, [
      noFile,
    ]);
    assert.equal(activated.file, undefined);
    assert.deepEqual(
      checkAggregated({ ...suspended, file: undefined }, held(4, S.LICENCE_STATUS_VALID)).violations,
      [],
    );
  });

  it("finds a file whose seal does not verify: content, signature or certificate changed", () => {
    const file = issued.file as SealedLicenceFile;
    const content = Buffer.from(file.content);
    content[20] = (content[20] ?? 0) ^ 1;
    const other = testSeal();
    const otherSigned = issuerEvents(other, [recordedEvent("x", E.LICENCE_EVENT_KIND_ISSUED, licence)], now)[0]?.file;
    assert.ok(otherSigned !== undefined);
    const tampered: readonly SealedLicenceFile[] = [
      { ...file, content },
      { ...file, signature: otherSigned.signature },
      { ...file, signerCertificate: otherSigned.signerCertificate },
      { ...file, signerCertificate: Buffer.from("not a certificate") },
      { ...file, signature: Buffer.alloc(0) },
    ];
    for (const [i, f] of tampered.entries()) {
      assert.deepEqual(
        checkAggregated({ ...issued, file: f }, undefined),
        { inOrder: true, violations: [badSeal] },
        `case ${i}`,
      );
    }
    // A file on an event that needs none is checked all the same.
    assert.deepEqual(
      checkAggregated({ ...suspended, file: { ...file, content } }, held(4, S.LICENCE_STATUS_VALID)).violations,
      [badSeal],
    );
  });

  it("finds an event the lifecycle as the library followed it does not allow", () => {
    assert.deepEqual(checkAggregated(changed, held(1, S.LICENCE_STATUS_REVOKED)), {
      inOrder: true,
      violations: [
        "lifecycle: LICENCE_EVENT_KIND_CHANGED needs the licence's status to be LICENCE_STATUS_VALID or LICENCE_STATUS_SUSPENDED; it is LICENCE_STATUS_REVOKED",
      ],
    });
    assert.deepEqual(checkAggregated(issued, held(0, S.LICENCE_STATUS_VALID)).violations, [
      "lifecycle: LICENCE_EVENT_KIND_ISSUED creates the licence, which exists already",
    ]);
    assert.deepEqual(checkAggregated(changed, undefined).violations, [
      "lifecycle: LICENCE_EVENT_KIND_CHANGED needs an existing licence; there is none",
    ]);
    assert.deepEqual(checkAggregated({ ...suspended, kind: 99 as E }, held(4, S.LICENCE_STATUS_VALID)).violations, [
      "lifecycle: event kind 99 is not in the lifecycle",
    ]);
  });

  it("says out of order when the event is not the licence's next version", () => {
    assert.equal(checkAggregated(renewed, held(1, S.LICENCE_STATUS_VALID)).inOrder, false, "version 3 after 1");
    assert.equal(checkAggregated(changed, held(2, S.LICENCE_STATUS_VALID)).inOrder, false, "version 2 again");
    assert.equal(checkAggregated(changed, undefined).inOrder, false, "version 2 of a licence not held");
    assert.deepEqual(checkAggregated(renewed, held(1, S.LICENCE_STATUS_VALID)).violations, [], "and only that");
  });

  it("surfaces every data rule the licence breaks as path: reason, with the seal still checked", () => {
    const defective = issuerEvents(
      seal,
      [
        recordedEvent(
          "d1",
          E.LICENCE_EVENT_KIND_ISSUED,
          testLicence("L2", K.LICENCE_KIND_ROAD_TRANSPORT_OPERATING_PERMIT, { issuerCode: "", validTo: "2030-02-30" }),
        ),
      ],
      now,
    )[0] as LicenceEvent;
    assert.deepEqual(checkAggregated(defective, undefined), {
      inOrder: true,
      violations: ["valid_to: is not a YYYY-MM-DD date that exists", "issuer_code: is required"],
    });
    const noDetails = { ...issued, licence: { ...licence, details: undefined } };
    assert.deepEqual(checkAggregated({ ...noDetails, file: undefined }, undefined).violations, [
      "transport_certificate: is required for LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE",
      noFile,
    ]);
    assert.deepEqual(checkAggregated({ ...issued, licence: undefined }, undefined).violations, ["licence: missing"]);
  });
});
