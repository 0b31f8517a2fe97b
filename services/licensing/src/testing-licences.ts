// Test support (not built): well-formed licences of every kind, the events a 运政 system records
// and the events an issuer aggregates (numbered and sealed by the real planRecord), an issuing
// authority's seal with a real SM2 key and certificate, a temporary directory, and a plain grpc-js
// caller that speaks for a party the way a gateway does (`hutong-origin`).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { createCertificate, generateSm2PrivateKey } from "@hutong/certs";
import {
  IdType,
  LicenceKind as K,
  Licence,
  type LicenceEvent,
  type LicenceEventKind,
  LicenceStatus,
  QualificationCategory,
  type RecordedLicenceEvent,
  Sex,
} from "@hutong/proto";
import { licenceQrPayload } from "./issuer/licence-qr.js";
import { planRecord, type RecordReads } from "./issuer/plan-record.js";
import { type IssuerSeal, sealLicenceFile } from "./issuer/seal-file.js";

export const testProvince = "510000";
export const testIssuerParty = "prov:510000/licence";

/** An issuing authority's seal: a fresh SM2 key and a self-signed certificate naming `party`. */
export function testSeal(party = testIssuerParty): IssuerSeal {
  const key = generateSm2PrivateKey();
  const cert = createCertificate({
    subject: { commonName: party, organization: "hutong test" },
    publicKey: key.publicKey,
    selfSignKey: key,
    partyId: party,
    notBefore: new Date("2025-01-01T00:00:00Z"),
    notAfter: new Date("2035-01-01T00:00:00Z"),
  });
  return { key, certificateDer: cert.der };
}

/** The practitioner every practitioner licence here names: what must never be in a file in clear. */
export const testHolder = { name: "欧阳明远", idNo: "51010419800101123X" } as const;

const detailsOf = (kind: K): Licence["details"] => {
  if (kind === K.LICENCE_KIND_PRACTITIONER_QUALIFICATION) {
    return {
      $case: "practitionerQualification",
      value: {
        name: testHolder.name,
        sex: Sex.SEX_MALE,
        idType: IdType.ID_TYPE_RESIDENT_ID_CARD,
        idNo: testHolder.idNo,
        photo: Buffer.alloc(0),
        categories: [QualificationCategory.QUALIFICATION_CATEGORY_PASSENGER_DRIVER],
        rawCategoryCodes: [],
        firstIssueDate: "2010-05-01",
        creditAssessment: "",
      },
    };
  }
  if (
    kind === K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE ||
    kind === K.LICENCE_KIND_RIDE_HAILING_TRANSPORT_CERTIFICATE
  ) {
    return {
      $case: "transportCertificate",
      value: {
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
        annualReviewUntil: "2027-03-01",
      },
    };
  }
  return {
    $case: "operatingPermit",
    value: {
      holderName: "成都蜀运客运有限公司",
      holderUscc: "91510100MA6C9XK42W",
      address: "四川省成都市武侯区人民南路四段1号",
      legalRepresentative: "李强",
      economicTypeCode: "159",
      businessScope: "省际班车客运",
    },
  };
};

/** A well-formed licence `id` of `kind` (a road transport certificate unless said), changed by `over`. */
export function testLicence(
  id: string,
  kind: K = K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE,
  over: Partial<Licence> = {},
): Licence {
  return Licence.fromPartial({
    licenceId: id,
    licenceNo: `川交运证${id}`,
    kind,
    status: LicenceStatus.LICENCE_STATUS_VALID,
    rawStatusCode: "10",
    statusUpdatedAt: new Date("2026-03-02T02:00:00Z"),
    validFrom: "2026-03-02",
    validTo: "2030-03-01",
    issueDate: "2026-03-02",
    issuerName: "成都市交通运输局",
    issuerCode: "510100",
    details: detailsOf(kind),
    ...over,
  });
}

/** When the events here happen unless said: 2026-03-02 10:00 in Beijing. */
export const testOccurredAt = new Date("2026-03-02T02:00:00Z");

/** An event as the 运政 system records it. */
export function recordedEvent(
  key: string,
  kind: LicenceEventKind,
  licence: Licence | undefined,
  over: Partial<RecordedLicenceEvent> = {},
): RecordedLicenceEvent {
  return {
    idempotencyKey: key,
    kind,
    occurredAt: testOccurredAt,
    licence,
    reason: "",
    maintenanceRequestId: "",
    ...over,
  };
}

export const noReads: RecordReads = { headSeq: 0n, takenKeys: new Map(), licences: new Map() };

/**
 * The events an issuer of `province` (`testProvince` unless said) aggregates for `recorded`,
 * numbered from `reads.headSeq` + 1 and sealed with `seal`; throws if any of them is not applied
 * (a fixture mistake).
 */
export function issuerEvents(
  seal: IssuerSeal,
  recorded: readonly RecordedLicenceEvent[],
  nowMs: number,
  reads: RecordReads = noReads,
  province = testProvince,
): LicenceEvent[] {
  const plan = planRecord(
    {
      province,
      seal: (l) => sealLicenceFile(seal, l),
      qr: (l) => licenceQrPayload(seal.key, `prov:${province}/licence`, l, new Date(nowMs)),
    },
    recorded,
    reads,
    nowMs,
  );
  const refused = plan.results.filter((r) => r.code !== "");
  if (refused.length > 0) throw new Error(`fixture events refused: ${JSON.stringify(refused)}`);
  return [...plan.events];
}

/** A fresh temporary directory and how to remove it. */
export async function testDir(): Promise<{ readonly dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "hutong-licensing-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

const identity = (b: Buffer): Buffer => b;

/**
 * One unary call of `path` with `body` as it is (any bytes), as a gateway forwards it: with
 * `hutong-origin` set to `origin` unless that is undefined. Resolves with the answer's bytes,
 * rejects with the grpc-js ServiceError.
 */
export function rawUnary(
  client: grpc.Client,
  path: string,
  body: Uint8Array,
  origin: string | undefined,
): Promise<Buffer> {
  const metadata = new grpc.Metadata();
  if (origin !== undefined) metadata.set("hutong-origin", origin);
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      path,
      identity,
      identity,
      Buffer.from(body),
      metadata,
      { deadline: Date.now() + 10_000 },
      (e, r) => (e === null && r !== undefined ? resolve(r) : reject(e ?? new Error(`no answer from ${path}`))),
    );
  });
}

/** Whether `e` is a grpc-js error of `code` whose details match `details`. */
export function isStatus(e: unknown, code: grpc.status, details: RegExp): boolean {
  const s = e as Partial<grpc.ServiceError>;
  if (s.code !== code) throw new Error(`expected status ${grpc.status[code]}, got ${String(s.code)}: ${s.details}`);
  if (!details.test(s.details ?? "")) throw new Error(`details ${JSON.stringify(s.details)} do not match ${details}`);
  return true;
}
