import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { UnaryMethod } from "@hutong/client";
import {
  LicenceLibraryServiceService,
  type LicenceRates,
  type ProvinceAggregation,
  Purpose,
  type QueryAggregationStatusRequest,
  type QueryLicenceRatesRequest,
} from "@hutong/proto";
import { UsageError } from "../support/usage-error.js";
import {
  type AnnualData,
  AnnualReportFailure,
  annualDataJsonText,
  beijingTimeText,
  fetchAnnualData,
  monthBegun,
  parseAnnualData,
  provinceFlag,
  yearEnded,
  yearFlag,
} from "./annual-data.js";

const fixtureFile = new URL("./testdata/annual-510000-2026.json", import.meta.url).pathname;
const fixtureJson = JSON.parse(readFileSync(fixtureFile, "utf8"));
const fixture = parseAnnualData(fixtureJson, fixtureFile);

/** What a stub library was asked, and a client answering from the data as the library would. */
function stubLibrary(data: AnnualData, answer?: { rates?: (period: string) => LicenceRates | undefined }) {
  const asked: { path: string; request: QueryLicenceRatesRequest | QueryAggregationStatusRequest }[] = [];
  const rates = (period: string) =>
    period === data.year ? data.yearRates : data.monthRates.find((r) => r.period === period);
  const client = {
    async unary<Req, Res>(method: UnaryMethod<Req, Res>, request: Req): Promise<Res> {
      asked.push({ path: method.path, request: request as QueryLicenceRatesRequest });
      if (method.path === LicenceLibraryServiceService.queryLicenceRates.path) {
        const period = (request as QueryLicenceRatesRequest).period;
        return { rates: (answer?.rates ?? rates)(period) } as Res;
      }
      assert.equal(method.path, LicenceLibraryServiceService.queryAggregationStatus.path);
      const other: ProvinceAggregation = { ...(data.aggregation as ProvinceAggregation), province: "440000" };
      return { provinces: data.aggregation === null ? [other] : [other, data.aggregation] } as Res;
    },
    closed: false,
    close() {
      this.closed = true;
    },
  };
  return { client, asked };
}

/** The usage error's message for the data, which must be refused. */
function refusal(json: unknown): string {
  try {
    parseAnnualData(json, "data.json");
  } catch (e) {
    assert.ok(e instanceof UsageError, String(e));
    return e.message;
  }
  assert.fail("the data was accepted");
}

describe("annual report: its data", () => {
  it("takes the 31 GB/T 2260 province codes and a year, and refuses anything else as a usage error", () => {
    assert.equal(provinceFlag("510000"), "510000");
    assert.equal(provinceFlag("650000"), "650000");
    for (const bad of ["510100", "51", "prov:510000", "710000", "hasOwnProperty", ""]) {
      assert.throws(
        () => provinceFlag(bad),
        (e) => e instanceof UsageError && /is not a GB\/T 2260 province code/.test(e.message),
      );
    }
    assert.equal(yearFlag("2026"), "2026");
    for (const bad of ["26", "2026-01", "1999", "２０２６"]) {
      assert.throws(
        () => yearFlag(bad),
        (e) => e instanceof UsageError && /--year .* is not a year \(2026\)/.test(e.message),
      );
    }
  });

  it("reads the documented file and writes it back the same", () => {
    assert.equal(fixture.province, "510000");
    assert.equal(fixture.yearRates.electronicValid, 1_314_673n);
    assert.equal(fixture.monthRates.length, 12);
    assert.equal(fixture.aggregation?.openGaps[0]?.toSeq, 1_912_380n);
    assert.deepEqual(JSON.parse(annualDataJsonText(fixture)), fixtureJson);
    assert.deepEqual(parseAnnualData(JSON.parse(annualDataJsonText(fixture)), "again"), fixture);
    // Counts past 2^53 travel as decimal strings, exactly.
    const big = { ...fixture, yearRates: { ...fixture.yearRates, events: 18_446_744_073_709_551_615n } };
    const text = annualDataJsonText(big);
    assert.match(text, /"events": "18446744073709551615"/);
    assert.equal(parseAnnualData(JSON.parse(text), "big").yearRates.events, 18_446_744_073_709_551_615n);
    assert.equal(
      parseAnnualData(JSON.parse(annualDataJsonText({ ...fixture, aggregation: null })), "x").aggregation,
      null,
    );
  });

  it("refuses a file not of the shape, listing every problem", () => {
    const months = structuredClone(fixtureJson.monthRates);
    [months[2], months[3]] = [months[3], months[2]];
    months[5].issuanceBp = 10_001;
    months[6].events = "-1";
    months[7].province = "440000";
    const message = refusal({
      ...fixtureJson,
      format: "v0",
      fetchedAt: "yesterday",
      yearRates: { ...fixtureJson.yearRates, aggregated: 1.5 },
      monthRates: months,
      aggregation: { ...fixtureJson.aggregation, lagP99Ms: -1, province: "440000" },
    });
    assert.match(message, /^--from-json data\.json: not the annual report's data:\n/);
    for (const line of [
      /format: Invalid input: expected "hutong\.report\.annual-licence\.v1"/,
      /fetchedAt: Invalid ISO datetime/,
      /yearRates\.aggregated: a count: a whole number from 0/,
      /monthRates\[5\]\.issuanceBp: Too big: expected number to be <=10000/,
      /monthRates\[6\]\.events: a count: a whole number from 0/,
      /aggregation\.lagP99Ms: Too small/,
    ]) {
      assert.match(message, line);
    }
    // The periods and provinces are checked once the shape is right.
    const order = refusal({
      ...fixtureJson,
      monthRates: months.map((m: object, i: number) => (i === 5 || i === 6 ? fixtureJson.monthRates[i] : m)),
      aggregation: { ...fixtureJson.aggregation, province: "440000" },
    });
    assert.match(order, /monthRates\[2\]\.period: must be "2026-03"/);
    assert.match(order, /monthRates\[3\]\.period: must be "2026-04"/);
    assert.match(order, /monthRates\[7\]\.province: must be "510000"/);
    assert.match(order, /aggregation\.province: must be "510000"/);
    assert.match(
      refusal({ ...fixtureJson, monthRates: fixtureJson.monthRates.slice(1) }),
      /data:\n {2}monthRates: Too small: expected array to have exactly 12 items$/,
    );
    assert.match(
      refusal({ ...fixtureJson, yearRates: { ...fixtureJson.yearRates, period: "2025" } }),
      /yearRates\.period: must be "2026"/,
    );
    assert.match(refusal({ ...fixtureJson, province: "510100" }), /province: not a GB\/T 2260 province code/);
    assert.match(
      refusal({ ...fixtureJson, yearRates: { ...fixtureJson.yearRates, reported: "18446744073709551616" } }),
      /yearRates\.reported: exceeds uint64/,
    );
  });

  it("tells which months had begun, and whether the year had ended, in Beijing time", () => {
    // Fetched 2026-11-25 10:00 Beijing time.
    assert.equal(beijingTimeText(fixture.fetchedAt), "2026-11-25 10:00");
    assert.equal(monthBegun(fixture, "2026-11"), true);
    assert.equal(monthBegun(fixture, "2026-12"), false);
    assert.equal(yearEnded(fixture), false);
    // 2026-12-31 16:00Z is 2027-01-01 00:00 in Beijing: December has begun, the year is over.
    assert.equal(yearEnded({ ...fixture, fetchedAt: "2026-12-31T16:00:00.000Z" }), true);
    assert.equal(yearEnded({ ...fixture, fetchedAt: "2026-12-31T15:59:59.999Z" }), false);
    assert.equal(monthBegun({ ...fixture, fetchedAt: "2026-11-30T16:00:00.000Z" }, "2026-12"), true);
  });

  it("asks the library through the gateway for the year, each month in turn, then the province's aggregation", async () => {
    const { client, asked } = stubLibrary(fixture);
    const data = await fetchAnnualData(client, {
      province: "510000",
      year: "2026",
      target: "mot/licence",
      timeoutMs: 5000,
      now: () => Date.parse(fixture.fetchedAt),
    });
    assert.deepEqual(data, fixture);
    const context = {
      targetParty: "mot/licence",
      purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
      grantId: "",
      correlationId: "",
    };
    const rates = LicenceLibraryServiceService.queryLicenceRates.path;
    assert.deepEqual(asked, [
      ...["2026", ...fixture.monthRates.map((r) => r.period)].map((period) => ({
        path: rates,
        request: { context, province: "510000", period },
      })),
      { path: LicenceLibraryServiceService.queryAggregationStatus.path, request: { context, province: "510000" } },
    ]);
  });

  it("keeps no aggregation the library does not have, and fails on an answer without rates", async () => {
    const options = { province: "510000", year: "2026", target: "mot/licence", timeoutMs: 5000 };
    const none = await fetchAnnualData(stubLibrary({ ...fixture, aggregation: null }).client, options);
    assert.equal(none.aggregation, null);
    assert.ok(Math.abs(Date.parse(none.fetchedAt) - Date.now()) < 60_000, none.fetchedAt);
    const { client } = stubLibrary(fixture, { rates: (p) => (p === "2026-03" ? undefined : fixture.yearRates) });
    await assert.rejects(
      fetchAnnualData(client, options),
      (e) => e instanceof AnnualReportFailure && e.message === "mot/licence answered no rates for 2026-03",
    );
  });
});
