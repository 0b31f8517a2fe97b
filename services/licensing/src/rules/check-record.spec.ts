// The contract's data rules applied to licences: a well-formed licence of every kind passes, each
// rule fails with the path of the field it is about, and nothing throws on a record with parts
// missing or of the wrong shape.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as contract from "@hutong/proto";
import {
  AggregateLicenceEventsRequest,
  fieldRules,
  IdType,
  LicenceKind as K,
  Licence,
  LicenceEvent,
  LicenceStatus,
  type OperatingPermit,
  type PractitionerQualification,
  QualificationCategory,
  Sex,
  type TransportCertificate,
} from "@hutong/proto";
import { checkLicence, checkRecord, isCivilDate, type RuleViolation } from "./check-record.js";

const permit = (over: Partial<OperatingPermit> = {}): OperatingPermit => ({
  holderName: "成都蜀运客运有限公司",
  holderUscc: "91510100MA6C9XK42W",
  address: "四川省成都市武侯区人民南路四段1号",
  legalRepresentative: "李强",
  economicTypeCode: "159",
  businessScope: "省际班车客运，市际班车客运",
  ...over,
});

const certificate = (over: Partial<TransportCertificate> = {}): TransportCertificate => ({
  ownerName: "成都蜀运客运有限公司",
  ownerUscc: "91510100MA6C9XK42W",
  plateNo: "川A12345",
  plateColour: "黄色",
  vehicleTypeCode: "K11",
  seats: 49,
  loadKg: 0,
  lengthMm: 12_000,
  widthMm: 2_550,
  heightMm: 3_800,
  businessScope: "省际班车客运",
  operatingPermitNo: "川交运管许可成字510100000001号",
  annualReviewUntil: "2026-02-28",
  ...over,
});

const qualification = (over: Partial<PractitionerQualification> = {}): PractitionerQualification => ({
  name: "王伟",
  sex: Sex.SEX_MALE,
  idType: IdType.ID_TYPE_RESIDENT_ID_CARD,
  idNo: "51010419800101123X",
  photo: Buffer.alloc(0),
  categories: [QualificationCategory.QUALIFICATION_CATEGORY_PASSENGER_DRIVER],
  rawCategoryCodes: ["A1"],
  firstIssueDate: "2010-05-01",
  creditAssessment: "AAA",
  ...over,
});

const details = {
  operatingPermit: () => ({ $case: "operatingPermit" as const, value: permit() }),
  transportCertificate: () => ({ $case: "transportCertificate" as const, value: certificate() }),
  practitionerQualification: () => ({ $case: "practitionerQualification" as const, value: qualification() }),
};

const detailOf: Record<number, keyof typeof details> = {
  [K.LICENCE_KIND_ROAD_TRANSPORT_OPERATING_PERMIT]: "operatingPermit",
  [K.LICENCE_KIND_DANGEROUS_GOODS_OPERATING_PERMIT]: "operatingPermit",
  [K.LICENCE_KIND_RIDE_HAILING_OPERATING_PERMIT]: "operatingPermit",
  [K.LICENCE_KIND_RADIOACTIVE_OPERATING_PERMIT]: "operatingPermit",
  [K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE]: "transportCertificate",
  [K.LICENCE_KIND_RIDE_HAILING_TRANSPORT_CERTIFICATE]: "transportCertificate",
  [K.LICENCE_KIND_PRACTITIONER_QUALIFICATION]: "practitionerQualification",
};

/** A well-formed licence of `kind`, with its details, changed by `over`. */
const licence = (kind: K, over: Partial<Licence> = {}): Licence =>
  Licence.fromPartial({
    licenceId: "510100-JTYS-2025-000001",
    licenceNo: "川交运管许可成字510100000001号",
    kind,
    status: LicenceStatus.LICENCE_STATUS_VALID,
    rawStatusCode: "10",
    statusUpdatedAt: new Date("2025-03-01T08:00:00Z"),
    validFrom: "2025-03-01",
    validTo: "2029-02-28",
    issueDate: "2025-03-01",
    issuerName: "成都市交通运输局",
    issuerCode: "510100",
    details: details[detailOf[kind] ?? "operatingPermit"](),
    ...over,
  });

const permitLicence = (over: Partial<OperatingPermit>): Licence =>
  licence(K.LICENCE_KIND_ROAD_TRANSPORT_OPERATING_PERMIT, {
    details: { $case: "operatingPermit", value: permit(over) },
  });
const certificateLicence = (over: Partial<TransportCertificate>): Licence =>
  licence(K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE, {
    details: { $case: "transportCertificate", value: certificate(over) },
  });
const qualificationLicence = (over: Partial<PractitionerQualification>): Licence =>
  licence(K.LICENCE_KIND_PRACTITIONER_QUALIFICATION, {
    details: { $case: "practitionerQualification", value: qualification(over) },
  });

const v = (path: string, reason: string): RuleViolation => ({ path, reason });
const kinds = Object.keys(detailOf).map(Number) as K[];

describe("checkLicence", () => {
  for (const kind of kinds) {
    it(`passes a well-formed ${K[kind]}`, () => {
      assert.deepEqual(checkLicence(licence(kind)), []);
    });
  }

  it("asks for every required item of the licence, in field order", () => {
    const empty = Licence.fromPartial({});
    assert.deepEqual(checkLicence(empty), [
      v("licence_id", "is required"),
      v("licence_no", "is required"),
      v("kind", "is required"),
      v("status", "is required"),
      v("status_updated_at", "is required"),
      v("valid_from", "is required"),
      v("valid_to", "is required"),
      v("issue_date", "is required"),
      v("issuer_name", "is required"),
      v("issuer_code", "is required"),
    ]);
  });

  it("counts characters, not bytes or UTF-16 units", () => {
    const k = K.LICENCE_KIND_ROAD_TRANSPORT_OPERATING_PERMIT;
    assert.deepEqual(checkLicence(licence(k, { licenceNo: "号".repeat(50) })), []);
    assert.deepEqual(checkLicence(licence(k, { licenceNo: "𠀀".repeat(50) })), []);
    assert.deepEqual(checkLicence(licence(k, { licenceNo: "号".repeat(51) })), [
      v("licence_no", "is longer than 50 characters (51)"),
    ]);
    assert.deepEqual(checkLicence(licence(k, { replacedByLicenceId: "x".repeat(65) })), [
      v("replaced_by_licence_id", "is longer than 64 characters (65)"),
    ]);
  });

  it("refuses a date that is not YYYY-MM-DD or does not exist", () => {
    const k = K.LICENCE_KIND_ROAD_TRANSPORT_OPERATING_PERMIT;
    assert.deepEqual(checkLicence(licence(k, { validTo: "2029-02-29", issueDate: "2025/03/01" })), [
      v("valid_to", "is not a YYYY-MM-DD date that exists"),
      v("issue_date", "is not a YYYY-MM-DD date that exists"),
    ]);
    assert.deepEqual(checkLicence(licence(k, { validTo: "2028-02-29" })), []);
  });

  it("refuses an enum number the contract does not define", () => {
    const l = licence(K.LICENCE_KIND_ROAD_TRANSPORT_OPERATING_PERMIT, { status: 99 as LicenceStatus });
    assert.deepEqual(checkLicence(l), [v("status", "99 is not a value of hutong.v1.LicenceStatus")]);
    const unknownKind = licence(K.LICENCE_KIND_ROAD_TRANSPORT_OPERATING_PERMIT, { kind: K.UNRECOGNIZED });
    assert.deepEqual(checkLicence(unknownKind), [v("kind", "-1 is not a value of hutong.v1.LicenceKind")]);
  });

  it("checks an operating permit's credit code against GB 32100 and its required items", () => {
    const reason = "does not match the GB 32100 unified social credit code pattern";
    for (const holderUscc of ["91510100MA6C9XK42I", "91510100ma6c9xk42w", "91510100MA6C9XK42", "9151010AMA6C9XK42W"]) {
      assert.deepEqual(checkLicence(permitLicence({ holderUscc })), [v("operating_permit.holder_uscc", reason)]);
    }
    assert.deepEqual(checkLicence(permitLicence({ holderUscc: "", holderName: "", businessScope: "" })), [
      v("operating_permit.holder_name", "is required"),
      v("operating_permit.holder_uscc", "is required"),
      v("operating_permit.business_scope", "is required"),
    ]);
    assert.deepEqual(checkLicence(permitLicence({ address: "", legalRepresentative: "", economicTypeCode: "" })), []);
  });

  it("checks a transport certificate's plate, credit code and ranges", () => {
    for (const plateNo of ["川A12345", "川AD12345", "粤B1234挂", "粤Z1234港"]) {
      assert.deepEqual(checkLicence(certificateLicence({ plateNo })), [], plateNo);
    }
    for (const plateNo of ["川A·12345", "川a12345", "京O12345", "A12345", "川A123", "川A1234567"]) {
      const [only, ...rest] = checkLicence(certificateLicence({ plateNo }));
      assert.equal(only?.path, "transport_certificate.plate_no", plateNo);
      assert.match(only?.reason ?? "", /^does not look like a Chinese vehicle plate/);
      assert.deepEqual(rest, []);
    }
    // A natural person owns the car: no credit code, which is fine; a malformed one is not.
    assert.deepEqual(checkLicence(certificateLicence({ ownerUscc: "" })), []);
    assert.deepEqual(checkLicence(certificateLicence({ ownerUscc: "123" })), [
      v("transport_certificate.owner_uscc", "does not match the GB 32100 unified social credit code pattern"),
    ]);
    // Zero is "not given" (a freight vehicle has no seats); a given value must be in range.
    assert.deepEqual(checkLicence(certificateLicence({ seats: 0, loadKg: 18_000 })), []);
    assert.deepEqual(checkLicence(certificateLicence({ seats: 100, lengthMm: 12, heightMm: 5_001 })), [
      v("transport_certificate.seats", "is more than 99 (100)"),
      v("transport_certificate.length_mm", "is less than 2000 (12)"),
      v("transport_certificate.height_mm", "is more than 5000 (5001)"),
    ]);
    assert.deepEqual(checkLicence(certificateLicence({ annualReviewUntil: "2026-02-30" })), [
      v("transport_certificate.annual_review_until", "is not a YYYY-MM-DD date that exists"),
    ]);
  });

  it("checks a practitioner qualification's items, list and elements", () => {
    assert.deepEqual(checkLicence(qualificationLicence({ name: "", idNo: "", categories: [] })), [
      v("practitioner_qualification.name", "is required"),
      v("practitioner_qualification.id_no", "is required"),
      v("practitioner_qualification.categories", "is required (at least one)"),
    ]);
    // No pattern on id_no: a passport number is an ID number too.
    assert.deepEqual(
      checkLicence(qualificationLicence({ idType: IdType.ID_TYPE_FOREIGN_PASSPORT, idNo: "E12345678" })),
      [],
    );
    assert.deepEqual(
      checkLicence(
        qualificationLicence({
          categories: [QualificationCategory.QUALIFICATION_CATEGORY_TAXI_DRIVER, 42 as QualificationCategory],
          rawCategoryCodes: ["A1", "x".repeat(33)],
          idNo: "1".repeat(33),
        }),
      ),
      [
        v("practitioner_qualification.id_no", "is longer than 32 characters (33)"),
        v("practitioner_qualification.categories[1]", "42 is not a value of hutong.v1.QualificationCategory"),
        v("practitioner_qualification.raw_category_codes[1]", "is longer than 32 characters (33)"),
      ],
    );
  });

  it("asks for the details the kind names", () => {
    assert.deepEqual(checkLicence(licence(K.LICENCE_KIND_PRACTITIONER_QUALIFICATION, { details: undefined })), [
      v("practitioner_qualification", "is required for LICENCE_KIND_PRACTITIONER_QUALIFICATION"),
    ]);
    const mismatched = licence(K.LICENCE_KIND_RIDE_HAILING_TRANSPORT_CERTIFICATE, {
      details: details.operatingPermit(),
    });
    assert.deepEqual(checkLicence(mismatched), [
      v(
        "transport_certificate",
        "is required for LICENCE_KIND_RIDE_HAILING_TRANSPORT_CERTIFICATE (it carries operating_permit)",
      ),
    ]);
    // Without a kind there is nothing to compare: the kind's own rule speaks.
    assert.deepEqual(checkLicence(licence(K.LICENCE_KIND_UNSPECIFIED)), [v("kind", "is required")]);
  });
});

describe("checkRecord", () => {
  it("walks into repeated and nested messages, with the path from the message checked", () => {
    const ok = LicenceEvent.fromPartial({ licence: licence(K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE) });
    const bad = LicenceEvent.fromPartial({
      licence: certificateLicence({ widthMm: 4_000 }),
    });
    const request = AggregateLicenceEventsRequest.fromPartial({ events: [ok, bad] });
    assert.deepEqual(checkRecord("hutong.v1.AggregateLicenceEventsRequest", request), [
      v("events[1].licence.transport_certificate.width_mm", "is more than 3500 (4000)"),
    ]);
  });

  it("does not throw on missing or misshapen parts", () => {
    // An event without its licence: the event has no rule that asks for one.
    assert.deepEqual(checkRecord("hutong.v1.LicenceEvent", LicenceEvent.fromPartial({})), []);
    assert.deepEqual(checkRecord("hutong.v1.AggregateLicenceEventsRequest", {}), []);
    assert.deepEqual(checkRecord("hutong.v1.AggregateLicenceEventsRequest", { events: [null, 7] }), []);
    const withoutValue = {
      ...licence(K.LICENCE_KIND_ROAD_TRANSPORT_OPERATING_PERMIT),
      details: { $case: "operatingPermit" },
    };
    assert.deepEqual(checkRecord("hutong.v1.Licence", withoutValue), []);
    const odd = { ...licence(K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE), details: { $case: 5 } };
    assert.deepEqual(checkRecord("hutong.v1.Licence", odd), [
      v("transport_certificate", "is required for LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE"),
    ]);
    const wrongTypes = {
      ...licence(K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE),
      licenceNo: 7,
      details: { $case: "transportCertificate", value: { ...certificate(), seats: "12", loadKg: 100_001n } },
    };
    assert.deepEqual(checkRecord("hutong.v1.Licence", wrongTypes), [
      v("licence_no", "is not a string"),
      v("transport_certificate.seats", "is not a number"),
      v("transport_certificate.load_kg", "is more than 100000 (100001)"),
    ]);
  });

  it("finds no rule for a message that has none", () => {
    assert.deepEqual(checkRecord("hutong.v1.RequestContext", {}), []);
  });

  it("names fields as ts-proto does (every rule reaches a property of the decoded object)", () => {
    const fns = contract as unknown as Record<string, { fromPartial?: (o: object) => object }>;
    for (const [name, fields] of fieldRules) {
      const made = fns[name.slice("hutong.v1.".length)]?.fromPartial?.({});
      assert.ok(made !== undefined, `no ts-proto message for ${name}`);
      for (const f of fields) assert.ok((f.oneof ?? f.tsName) in made, `${name}.${f.field} as ${f.tsName}`);
    }
  });
});

describe("isCivilDate", () => {
  it("takes days that exist, written YYYY-MM-DD", () => {
    for (const s of ["2024-02-29", "2000-02-29", "2025-12-31", "2025-04-30", "0001-01-01"])
      assert.ok(isCivilDate(s), s);
    for (const s of [
      "1900-02-29",
      "2025-02-29",
      "2025-04-31",
      "2025-13-01",
      "2025-00-10",
      "2025-01-00",
      "2025-1-01",
      "20250101",
      "2025-01-01T00:00:00Z",
      "",
    ])
      assert.ok(!isCivilDate(s), s);
  });
});
