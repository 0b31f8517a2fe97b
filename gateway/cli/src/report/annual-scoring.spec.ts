import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { UsageError } from "../support/usage-error.js";
import { parseAnnualData } from "./annual-data.js";
import {
  defaultScoringFile,
  loadScoringSheet,
  metricValues,
  parseScoringSheet,
  type ScoringMetric,
  scoreSheet,
  thresholdText,
} from "./annual-scoring.js";

const fixtureFile = new URL("./testdata/annual-510000-2026.json", import.meta.url).pathname;
const fixture = parseAnnualData(JSON.parse(readFileSync(fixtureFile, "utf8")), fixtureFile);

/** A sheet of one item per metric, so each can be scored alone. */
const sheet = parseScoringSheet(
  {
    title: "测试评分表",
    items: [
      {
        name: "合规",
        metric: "complianceRate",
        max: 20,
        thresholds: [
          { atLeast: 95, points: 20 },
          { atLeast: 90.5, points: 12.5 },
          { atLeast: 80, points: 7.5 },
        ],
      },
      {
        name: "时效",
        metric: "lagP99Seconds",
        max: 10,
        thresholds: [
          { atMost: 60, points: 10 },
          { atMost: 3600, points: 4 },
        ],
      },
    ],
  },
  "inline",
);

const values = (v: Partial<Record<ScoringMetric, number | null>>) => ({
  issuanceRate: null,
  activationRate: null,
  complianceRate: null,
  aggregationRate: null,
  lagP99Seconds: null,
  ...v,
});

/** The usage error's message for a sheet, which must be refused. */
function refusal(json: unknown): string {
  try {
    parseScoringSheet(json, "bad.json");
  } catch (e) {
    assert.ok(e instanceof UsageError, String(e));
    return e.message;
  }
  assert.fail("the sheet was accepted");
}

describe("annual report: the self-evaluation's scoring sheet", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-annual-scoring-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("gives the points of the first threshold met, the best first, and 0 when none is met or there is no figure", () => {
    const points = (v: Partial<Record<ScoringMetric, number | null>>) =>
      scoreSheet(sheet, values(v)).items.map((s) => s.points);
    assert.deepEqual(points({ complianceRate: 100, lagP99Seconds: 0 }), [20, 10]);
    assert.deepEqual(points({ complianceRate: 95, lagP99Seconds: 60 }), [20, 10], "a threshold is met at its value");
    assert.deepEqual(points({ complianceRate: 94.99, lagP99Seconds: 60.001 }), [12.5, 4]);
    assert.deepEqual(points({ complianceRate: 90.5, lagP99Seconds: 3600 }), [12.5, 4]);
    assert.deepEqual(points({ complianceRate: 80, lagP99Seconds: 3600.5 }), [7.5, 0]);
    assert.deepEqual(points({ complianceRate: 79.99 }), [0, 0], "below every threshold, and no lag at all");
    const scored = scoreSheet(sheet, values({ complianceRate: 91, lagP99Seconds: 30 }));
    assert.deepEqual(
      scored.items.map((s) => [s.item.name, s.value, s.met, s.points]),
      [
        ["合规", 91, 1, 12.5],
        ["时效", 30, 0, 10],
      ],
    );
    assert.equal(scored.total, 22.5);
    assert.equal(scored.max, 30);
    const [compliance, lag] = sheet.items;
    assert.ok(compliance && lag);
    assert.equal(thresholdText(compliance), "≥95%：20分；≥90.5%：12.5分；≥80%：7.5分；其余：0分");
    assert.equal(thresholdText(lag), "≤60秒：10分；≤3600秒：4分；其余：0分");
  });

  it("reads the year-end rates and the lag p99 from the data, none where nothing was counted", () => {
    assert.deepEqual(metricValues(fixture), {
      issuanceRate: 95.7,
      activationRate: 68.89,
      complianceRate: 94.75,
      aggregationRate: 99.4,
      lagP99Seconds: 47.3,
    });
    const empty = {
      ...fixture,
      yearRates: { ...fixture.yearRates, events: 0n, compliantEvents: 0n, complianceBp: 0 },
      aggregation: fixture.aggregation && { ...fixture.aggregation, appliedSeq: 0n },
    };
    const v = metricValues(empty);
    assert.equal(v.complianceRate, null, "no event in the year: no compliance rate, not 0%");
    assert.equal(v.lagP99Seconds, null, "nothing aggregated: no lag");
    assert.equal(metricValues({ ...fixture, aggregation: null }).lagP99Seconds, null);
  });

  it("ships a default sheet of 100 points, which scores the fixture's year", async () => {
    const loaded = await loadScoringSheet();
    assert.equal(loaded.isDefault, true);
    assert.equal(loaded.file, defaultScoringFile);
    const scored = scoreSheet(loaded.sheet, metricValues(fixture));
    assert.equal(scored.max, 100);
    assert.deepEqual(
      scored.items.map((s) => [s.item.metric, s.points]),
      [
        ["issuanceRate", 25],
        ["activationRate", 11],
        ["complianceRate", 15],
        ["aggregationRate", 25],
        ["lagP99Seconds", 10],
      ],
    );
    assert.equal(scored.total, 86);
  });

  it("reads --scoring FILE instead", async () => {
    const file = join(dir, "sheet.json");
    await writeFile(file, JSON.stringify({ title: "省评分表", items: [sheet.items[0]] }));
    const loaded = await loadScoringSheet(file);
    assert.deepEqual(loaded, { sheet: { title: "省评分表", items: [sheet.items[0]] }, file, isDefault: false });
  });

  it("refuses a bad sheet with a usage error listing every problem and where it is", () => {
    const message = refusal({
      title: "坏表",
      extra: 1,
      items: [
        {
          name: "制证",
          metric: "issuanceRate",
          max: 10,
          thresholds: [
            { atLeast: 90, points: 5 },
            { atLeast: 95, points: 10 },
            { atMost: 50, points: 1 },
            { points: 1 },
            { atLeast: 120, points: 11 },
          ],
        },
        { name: "制证", metric: "lagP99Seconds", max: 5, thresholds: [{ atLeast: 60, points: 5 }] },
        { name: "激活", metric: "activationRatio", max: 0, thresholds: [] },
      ],
    });
    assert.match(message, /^--scoring bad\.json: not a scoring sheet:\n/);
    const expected = [
      /\(the whole file\): Unrecognized key: "extra"/,
      /items\[0\]\.thresholds\[1\]\.atLeast: never reached: atLeast 95 comes after atLeast 90 \(list the best first\)/,
      /items\[0\]\.thresholds\[1\]\.points: 10 points for a worse result than the 5 before it/,
      /items\[0\]\.thresholds\[2\]\.atMost: issuanceRate is scored by atLeast \(percent, the best first\), not atMost/,
      /items\[0\]\.thresholds\[3\]: needs atLeast/,
      /items\[0\]\.thresholds\[4\]\.atLeast: a rate is a percentage from 0 to 100/,
      /items\[0\]\.thresholds\[4\]\.points: more than the item's max 10/,
      /items\[0\]\.thresholds\[4\]\.atLeast: never reached: atLeast 120 comes after atLeast 95/,
      /items\[0\]\.thresholds\[4\]\.points: 11 points for a worse result than the 10 before it/,
      /items\[1\]\.thresholds\[0\]\.atLeast: lagP99Seconds is scored by atMost \(seconds, the best first\), not atLeast/,
      /items\[2\]\.metric: Invalid option: expected one of "issuanceRate"\|"activationRate"/,
      /items\[2\]\.max: Too small: expected number to be >0/,
      /items\[2\]\.thresholds: Too small: expected array to have >=1 items/,
    ];
    for (const line of expected) assert.match(message, line);
    assert.equal(message.split("\n").length - 1, expected.length, message);

    // Found only once each item is itself well formed.
    assert.match(refusal({ title: "t", items: [sheet.items[0], sheet.items[0]] }), /items\[1\]\.name: named twice/);
    assert.match(refusal({ title: "", items: [] }), /title: Too small.*\n.*items: Too small/);
    assert.match(refusal([]), /\(the whole file\): Invalid input: expected object, received array/);
    assert.match(
      refusal({ title: "t", items: [{ ...sheet.items[1], thresholds: [{ atMost: -1, points: 0 }] }] }),
      /items\[0\]\.thresholds\[0\]\.atMost: a lag is 0 seconds or more/,
    );
  });

  it("refuses a file that cannot be read or is not JSON, naming it", async () => {
    await assert.rejects(
      loadScoringSheet(join(dir, "missing.json")),
      /--scoring .*missing\.json: cannot read it \(ENOENT\)/,
    );
    const notJson = join(dir, "not.json");
    await writeFile(notJson, "{ items: [");
    await assert.rejects(loadScoringSheet(notJson), (e) => e instanceof UsageError && /not JSON/.test(e.message));
  });
});
