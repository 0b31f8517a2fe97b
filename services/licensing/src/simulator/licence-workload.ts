import {
  IdType,
  type Licence,
  LicenceEventKind,
  LicenceKind,
  LicenceStatus,
  QualificationCategory,
  type RecordedLicenceEvent,
  Sex,
} from "@hutong/proto";
import { beijingDay, pick, seededRandom } from "@hutong/service-kit";

// A province's 运政 system as the scenario drives it: licences of every kind issued over a period,
// then changed, renewed, suspended and reinstated, revoked, cancelled, reviewed, assessed and
// activated by their holders, each licence's events in a lifecycle the contract allows. Seeded:
// the same seed gives the same workload, so a failing run can be replayed. A small share of events
// carries a planted data defect (a malformed credit code, a date that does not exist, a missing
// item), which the library must find: the scenario compares the two counts.

const K = LicenceKind;
const E = LicenceEventKind;

const surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗".split("");
const given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红".split("");
const cityOf: Record<
  string,
  { readonly short: string; readonly plate: string; readonly city: string; readonly name: string }
> = {
  "510000": { short: "川", plate: "川A", city: "510100", name: "成都市交通运输局" },
  "440000": { short: "粤", plate: "粤A", city: "440100", name: "广州市交通运输局" },
  "310000": { short: "沪", plate: "沪A", city: "310100", name: "上海市交通委员会" },
};
const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/** The kinds in the mix, with their weights (practitioners and vehicles outnumber permits). */
const kindWeights: readonly (readonly [LicenceKind, number])[] = [
  [K.LICENCE_KIND_ROAD_TRANSPORT_OPERATING_PERMIT, 10],
  [K.LICENCE_KIND_DANGEROUS_GOODS_OPERATING_PERMIT, 3],
  [K.LICENCE_KIND_RIDE_HAILING_OPERATING_PERMIT, 2],
  [K.LICENCE_KIND_RADIOACTIVE_OPERATING_PERMIT, 1],
  [K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE, 35],
  [K.LICENCE_KIND_RIDE_HAILING_TRANSPORT_CERTIFICATE, 14],
  [K.LICENCE_KIND_PRACTITIONER_QUALIFICATION, 35],
];

export interface WorkloadOptions {
  readonly province: string;
  readonly licences: number;
  readonly seed: number;
  /** When the first licence is issued; events spread over `spanDays` after it. */
  readonly startMs: number;
  readonly spanDays?: number;
  /** Share of events with a planted data defect (default 0.02). */
  readonly defectRate?: number;
}

export interface Workload {
  /** Every event, in the order the 运政 system records them (by time). */
  readonly events: readonly RecordedLicenceEvent[];
  /** Idempotency keys of the events with a planted defect. */
  readonly defective: ReadonlySet<string>;
  readonly byKind: ReadonlyMap<LicenceKind, number>;
}

function idNumber(random: () => number, city: string): string {
  const birth =
    19_600_101 +
    Math.floor(random() * 40) * 10_000 +
    (1 + Math.floor(random() * 12)) * 100 +
    1 +
    Math.floor(random() * 28);
  const body = `${city}${String(birth)}${String(Math.floor(random() * 1000)).padStart(3, "0")}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((a, c, i) => a + Number(c) * (weights[i] ?? 0), 0);
  return body + ("10X98765432"[sum % 11] ?? "0");
}

function uscc(random: () => number, city: string): string {
  let tail = "";
  for (let i = 0; i < 10; i++) tail += usccChars[Math.floor(random() * usccChars.length)];
  return `91${city}${tail}`;
}

const personName = (random: () => number): string =>
  (surnames[Math.floor(random() * surnames.length)] ?? "王") +
  (given[Math.floor(random() * given.length)] ?? "伟") +
  (random() < 0.5 ? (given[Math.floor(random() * given.length)] ?? "") : "");

const addYears = (day: string, years: number): string => `${Number(day.slice(0, 4)) + years}${day.slice(4)}`;

function newLicence(
  random: () => number,
  province: string,
  serial: number,
  kind: LicenceKind,
  issuedMs: number,
): Licence {
  const c = cityOf[province] ?? { short: "冀", plate: "冀A", city: `${province.slice(0, 2)}0100`, name: "交通运输局" };
  const day = beijingDay(issuedMs);
  const base: Licence = {
    licenceId: `${province}-${String(kind).padStart(2, "0")}-${String(serial).padStart(8, "0")}`,
    licenceNo: "",
    kind,
    status: LicenceStatus.LICENCE_STATUS_VALID,
    rawStatusCode: "10",
    statusUpdatedAt: new Date(issuedMs),
    validFrom: day,
    validTo: addYears(day, kind === K.LICENCE_KIND_PRACTITIONER_QUALIFICATION ? 6 : 4),
    issueDate: day,
    issuerName: c.name,
    issuerCode: c.city,
    replacedByLicenceId: "",
    ofdFile: Buffer.alloc(0),
    qrPayload: "",
    details: undefined,
  };
  const company = `${c.short}${personName(random)}运输有限公司`;
  const companyCode = uscc(random, c.city);
  if (kind === K.LICENCE_KIND_PRACTITIONER_QUALIFICATION) {
    const idNo = idNumber(random, c.city);
    return {
      ...base,
      licenceNo: idNo,
      details: {
        $case: "practitionerQualification",
        value: {
          name: personName(random),
          sex: random() < 0.8 ? Sex.SEX_MALE : Sex.SEX_FEMALE,
          idType: IdType.ID_TYPE_RESIDENT_ID_CARD,
          idNo,
          photo: Buffer.alloc(0),
          categories: [
            pick(random, [4, 4, 1, 1, 2, 1]) + QualificationCategory.QUALIFICATION_CATEGORY_PASSENGER_DRIVER,
          ],
          rawCategoryCodes: [],
          firstIssueDate: day,
          creditAssessment: "",
        },
      },
    };
  }
  if (
    kind === K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE ||
    kind === K.LICENCE_KIND_RIDE_HAILING_TRANSPORT_CERTIFICATE
  ) {
    const passenger = kind === K.LICENCE_KIND_RIDE_HAILING_TRANSPORT_CERTIFICATE || random() < 0.4;
    return {
      ...base,
      licenceNo: `${c.city}${String(serial).padStart(6, "0")}`,
      details: {
        $case: "transportCertificate",
        value: {
          ownerName: company,
          ownerUscc: companyCode,
          plateNo: `${c.plate}${String(10_000 + (serial % 90_000)).padStart(5, "0")}`,
          plateColour: passenger ? "蓝" : "黄",
          vehicleTypeCode: passenger ? "K33" : "H11",
          seats: passenger ? 5 + Math.floor(random() * 45) : 2,
          loadKg: passenger ? 0 : 5000 + Math.floor(random() * 30_000),
          lengthMm: passenger ? 4800 : 9000,
          widthMm: passenger ? 1800 : 2500,
          heightMm: passenger ? 1500 : 3500,
          businessScope: passenger ? "班车客运" : "普通货运",
          operatingPermitNo: `${c.short}交运管许可${c.city.slice(0, 4)}字${c.city}${String(serial % 1_000_000).padStart(6, "0")}号`,
          annualReviewUntil: addYears(day, 1),
        },
      },
    };
  }
  return {
    ...base,
    licenceNo: `${c.short}交运管许可字${c.city}${String(serial).padStart(6, "0")}号`,
    details: {
      $case: "operatingPermit",
      value: {
        holderName: company,
        holderUscc: companyCode,
        address: `${c.name.slice(0, 3)}某区某路${1 + (serial % 999)}号`,
        legalRepresentative: personName(random),
        economicTypeCode: "159",
        businessScope:
          kind === K.LICENCE_KIND_DANGEROUS_GOODS_OPERATING_PERMIT
            ? "危险货物运输(3类)"
            : kind === K.LICENCE_KIND_RIDE_HAILING_OPERATING_PERMIT
              ? "网络预约出租汽车客运"
              : kind === K.LICENCE_KIND_RADIOACTIVE_OPERATING_PERMIT
                ? "放射性物品道路运输"
                : "道路旅客运输",
      },
    },
  };
}

/** A licence with one defect a data rule must catch. */
function withDefect(random: () => number, l: Licence): Licence {
  const d = l.details;
  switch (Math.floor(random() * 3)) {
    case 0:
      return { ...l, validTo: `${l.validTo.slice(0, 4)}-02-30` };
    case 1:
      return { ...l, issuerCode: "" };
    default:
      if (d?.$case === "operatingPermit")
        return { ...l, details: { ...d, value: { ...d.value, holderUscc: "91-NOT-A-CODE" } } };
      if (d?.$case === "transportCertificate")
        return { ...l, details: { ...d, value: { ...d.value, ownerUscc: "91-NOT-A-CODE" } } };
      return { ...l, issueDate: "2026-13-01" };
  }
}

/** The next step of a licence's life, drawn; undefined: nothing more happens to it. */
function nextStep(
  random: () => number,
  kind: LicenceKind,
  status: LicenceStatus,
  activated: boolean,
): LicenceEventKind | undefined {
  if (status === LicenceStatus.LICENCE_STATUS_REVOKED || status === LicenceStatus.LICENCE_STATUS_CANCELLED)
    return undefined;
  if (status === LicenceStatus.LICENCE_STATUS_SUSPENDED) {
    return [E.LICENCE_EVENT_KIND_REINSTATED, E.LICENCE_EVENT_KIND_REVOKED, E.LICENCE_EVENT_KIND_CANCELLED, undefined][
      pick(random, [6, 1, 1, 2])
    ];
  }
  const reviewKind =
    kind === K.LICENCE_KIND_PRACTITIONER_QUALIFICATION
      ? E.LICENCE_EVENT_KIND_INTEGRITY_ASSESSMENT
      : kind === K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE || kind === K.LICENCE_KIND_RIDE_HAILING_TRANSPORT_CERTIFICATE
        ? E.LICENCE_EVENT_KIND_ANNUAL_REVIEW
        : E.LICENCE_EVENT_KIND_CHANGED;
  const options: (LicenceEventKind | undefined)[] = [
    activated ? undefined : E.LICENCE_EVENT_KIND_ACTIVATED,
    E.LICENCE_EVENT_KIND_CHANGED,
    reviewKind,
    E.LICENCE_EVENT_KIND_RENEWED,
    E.LICENCE_EVENT_KIND_SUSPENDED,
    E.LICENCE_EVENT_KIND_CANCELLED,
    E.LICENCE_EVENT_KIND_REVOKED,
    undefined,
  ];
  return options[pick(random, [activated ? 0 : 40, 10, 12, 4, 4, 3, 1, 45])];
}

/** What an event changes in the licence (the status is the issuer's to set). */
function changed(random: () => number, l: Licence, kind: LicenceEventKind, atMs: number): Licence {
  const d = l.details;
  switch (kind) {
    case E.LICENCE_EVENT_KIND_RENEWED:
      return { ...l, validTo: addYears(l.validTo, 4) };
    case E.LICENCE_EVENT_KIND_CHANGED:
      if (d?.$case === "operatingPermit")
        return { ...l, details: { ...d, value: { ...d.value, address: `${d.value.address}(迁)` } } };
      if (d?.$case === "transportCertificate")
        return { ...l, details: { ...d, value: { ...d.value, seats: Math.max(1, d.value.seats - 1) } } };
      return l;
    case E.LICENCE_EVENT_KIND_ANNUAL_REVIEW:
      if (d?.$case === "transportCertificate")
        return { ...l, details: { ...d, value: { ...d.value, annualReviewUntil: addYears(beijingDay(atMs), 1) } } };
      return l;
    case E.LICENCE_EVENT_KIND_INTEGRITY_ASSESSMENT:
      if (d?.$case === "practitionerQualification")
        return { ...l, details: { ...d, value: { ...d.value, creditAssessment: random() < 0.9 ? "AAA" : "A" } } };
      return l;
    default:
      return l;
  }
}

const statusAfter: Partial<Record<LicenceEventKind, LicenceStatus>> = {
  [E.LICENCE_EVENT_KIND_SUSPENDED]: LicenceStatus.LICENCE_STATUS_SUSPENDED,
  [E.LICENCE_EVENT_KIND_REINSTATED]: LicenceStatus.LICENCE_STATUS_VALID,
  [E.LICENCE_EVENT_KIND_REVOKED]: LicenceStatus.LICENCE_STATUS_REVOKED,
  [E.LICENCE_EVENT_KIND_CANCELLED]: LicenceStatus.LICENCE_STATUS_CANCELLED,
};

/** The province's workload: every licence's life, merged in time order. */
export function licenceWorkload(options: WorkloadOptions): Workload {
  const random = seededRandom(options.seed);
  const spanMs = (options.spanDays ?? 300) * 86_400_000;
  const defectRate = options.defectRate ?? 0.02;
  const timed: { at: number; event: RecordedLicenceEvent }[] = [];
  const defective = new Set<string>();
  const byKind = new Map<LicenceKind, number>();
  for (let serial = 1; serial <= options.licences; serial++) {
    const kind =
      kindWeights[
        pick(
          random,
          kindWeights.map(([, w]) => w),
        )
      ]?.[0] ?? K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE;
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    let at = options.startMs + Math.floor(random() * spanMs * 0.6);
    let licence = newLicence(random, options.province, serial, kind, at);
    let status = LicenceStatus.LICENCE_STATUS_VALID;
    let activated = false;
    let eventKind: LicenceEventKind | undefined = E.LICENCE_EVENT_KIND_ISSUED;
    for (let n = 0; eventKind !== undefined && n < 8; n++) {
      licence = changed(random, licence, eventKind, at);
      status = statusAfter[eventKind] ?? status;
      if (eventKind === E.LICENCE_EVENT_KIND_ACTIVATED) activated = true;
      const key = `yz-${options.province}-${serial}-${n}`;
      const defect = random() < defectRate;
      if (defect) defective.add(key);
      timed.push({
        at,
        event: {
          idempotencyKey: key,
          kind: eventKind,
          occurredAt: new Date(at),
          licence: defect ? withDefect(random, { ...licence, status }) : { ...licence, status },
          reason: "",
          maintenanceRequestId: "",
        },
      });
      at += 3_600_000 + Math.floor(random() * spanMs * 0.05);
      eventKind = nextStep(random, kind, status, activated);
    }
  }
  timed.sort((a, b) => a.at - b.at);
  return { events: timed.map((t) => t.event), defective, byKind };
}
