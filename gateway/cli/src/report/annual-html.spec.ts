import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { monthlyRateSvgs, monthPoints } from "./annual-charts.js";
import { type AnnualData, parseAnnualData, rateDefs } from "./annual-data.js";
import { annualReportHtml, annualTitle, countText, durationText, escapeHtml, percentText } from "./annual-html.js";
import { loadScoringSheet, parseScoringSheet } from "./annual-scoring.js";

const fixtureFile = new URL("./testdata/annual-510000-2026.json", import.meta.url).pathname;
const fixture = parseAnnualData(JSON.parse(readFileSync(fixtureFile, "utf8")), fixtureFile);
const [issuance, activation, compliance, aggregation] = rateDefs;

/** The text of the page without its tags (and without the charts' SVG). */
const textOf = (html: string) =>
  html
    .replace(/<svg[\s\S]*?<\/svg>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ");

describe("annual report: the page", () => {
  it("titles the report with the province's name and year, Chinese first", () => {
    assert.equal(annualTitle("510000", "2026"), "道路运输电子证照年度工作报告（四川省，2026年）");
    assert.equal(annualTitle("650000", "2027"), "道路运输电子证照年度工作报告（新疆维吾尔自治区，2027年）");
  });

  it("shows the four rates as percentages with the counts behind them, the months, the lag and gaps, and the self-evaluation", async () => {
    const html = await annualReportHtml(fixture, await loadScoringSheet());
    assert.match(html, /^<!doctype html>\n<html lang="zh-CN">/);
    assert.match(html, /<title>道路运输电子证照年度工作报告（四川省，2026年）<\/title>/);
    assert.match(html, /<h1>道路运输电子证照年度工作报告（四川省，2026年）<\/h1>/);
    const text = textOf(html);
    assert.match(text, /一、主要指标（截至 2026-11-25）/, "fetched in November: not yet the year's end");
    for (const row of [
      "制证率 95.70% 1,314,673 1,373,726 有效电子证照 ÷ 运政系统有效证照 —",
      "激活率 68.89% 958,344 1,390,924 持证人已激活 ÷ 已签发电子证照 —",
      "数据合规率 94.75% 478,631 505,135 通过全部数据规则的事件 ÷ 期内证照事件 ≥95% 未达标",
      "归集率 99.40% 1,382,993 1,391,336 部级库已归集 ÷ 省级报告电子证照 ≥95% 达标",
    ]) {
      assert.ok(text.includes(row), row);
    }
    // Four charts, then the months as a table: November's figures, December not yet begun.
    assert.equal(html.match(/<figure><svg /g)?.length, 4);
    assert.ok(text.includes("制证率 86.40 87.90 89.10 90.20 91.30 92.10 92.90 93.60 94.30 95.00 95.70 未到"), text);
    assert.ok(text.includes("归集率 97.20 97.60"));
    for (const cell of [
      "归集时延 p50 1.8 秒",
      "归集时延 p99 47.3 秒",
      "归集时延最大值 1 小时 12 分",
      "尚未归集的事件（按序号） 58",
      "累计发现序号缺口 14",
      "未补齐缺口（序号区间） 1 段：1,912,356–1,912,380",
    ]) {
      assert.ok(text.includes(cell), cell);
    }
    assert.ok(
      text.includes("3 电子证照数据合规率 数据合规率（%） 94.75% ≥95%：25分；≥90%：15分；≥80%：8分；其余：0分 25 15"),
    );
    assert.ok(text.includes("5 归集时效（p99 时延） 归集时延 p99（秒） 47.3 秒"));
    assert.ok(text.includes("合计 100 86"), "the total of the default sheet");
    assert.match(text, /注：规范附表2的评分细则未公开，本自评表采用 hutong 随附的默认评分表/);
  });

  it("says the year's end once it is over, and that there is no aggregation where the library has none", async () => {
    const data: AnnualData = { ...fixture, fetchedAt: "2027-01-05T02:00:00.000Z", aggregation: null };
    const sheet = {
      file: "/etc/hutong/<sheet>.json",
      isDefault: false,
      sheet: parseScoringSheet(
        {
          title: "省厅评分表 <2026>",
          note: "按 A&B 评分",
          items: [{ name: "时效 <p99>", metric: "lagP99Seconds", max: 10, thresholds: [{ atMost: 60, points: 10 }] }],
        },
        "inline",
      ),
    };
    const html = await annualReportHtml(data, sheet);
    const text = textOf(html);
    assert.match(text, /一、主要指标（2026年末）/);
    assert.ok(!html.includes(">未到</td>"), "every month had begun");
    assert.ok(text.includes("部级电子证照库尚无本省的归集记录。"));
    assert.ok(
      text.includes("1 时效 &#60;p99&#62; 归集时延 p99（秒） —（无数据） ≤60秒：10分；其余：0分 10 0"),
      text.slice(-700),
    );
    assert.ok(text.includes("省厅评分表 &#60;2026&#62;"));
    assert.ok(text.includes("按 A&#38;B 评分"));
    assert.ok(text.includes("注：评分表取自 /etc/hutong/&#60;sheet&#62;.json。"));
    assert.ok(!text.includes("附表2"));
  });

  it("charts each rate by month: a gap where there is no figure, the 95% floor where a notice sets one", async () => {
    const noEvents = {
      ...fixture,
      monthRates: fixture.monthRates.map((r, i) =>
        i === 1 ? { ...r, events: 0n, compliantEvents: 0n, complianceBp: 0 } : r,
      ),
    };
    const points = monthPoints(noEvents, compliance);
    assert.deepEqual(points.slice(0, 3), [
      { month: "1月", percent: 92.09 },
      { month: "2月", percent: null },
      { month: "3月", percent: 93.49 },
    ]);
    assert.deepEqual(points[11], { month: "12月", percent: null }, "December had not begun");
    assert.equal(monthPoints(fixture, issuance)[10]?.percent, 95.7);
    const svgs = await monthlyRateSvgs(noEvents);
    assert.equal(svgs.length, 4);
    const titles = [issuance, activation, compliance, aggregation].map((d) => `${d.name}（2026年各月末）`);
    svgs.forEach((svg, i) => {
      assert.ok(svg.startsWith("<svg "), svg.slice(0, 40));
      assert.ok(svg.includes(`>${titles[i]}</text>`), titles[i]);
      assert.equal(svg.includes("目标 95%"), i >= 2, `${titles[i]}: the floor`);
      assert.match(svg, /font-family="&quot;WenQuanYi Micro Hei&quot;/);
    });
    assert.match(svgs[2] ?? "", /aria-label="month: 3月; %: 93\.49"/);
    assert.doesNotMatch(svgs[2] ?? "", /aria-label="month: 2月;/, "no point for a month without a figure");
  });

  it("writes counts, percentages, lags and text as a person reads them", () => {
    assert.equal(countText(0n), "0");
    assert.equal(countText(999), "999");
    assert.equal(countText(1_000n), "1,000");
    assert.equal(countText(18_446_744_073_709_551_615n), "18,446,744,073,709,551,615");
    assert.equal(percentText(9570), "95.70%");
    assert.equal(percentText(5), "0.05%");
    assert.equal(percentText(10_000), "100.00%");
    assert.equal(percentText(null), "—");
    assert.deepEqual(
      [0, 850, 1_000, 47_300, 59_999, 60_000, 312_000, 3_600_000, 4_352_000, 86_400_000, 190_800_000].map(durationText),
      [
        "0 毫秒",
        "850 毫秒",
        "1 秒",
        "47.3 秒",
        "59.9 秒",
        "1 分 0 秒",
        "5 分 12 秒",
        "1 小时 0 分",
        "1 小时 12 分",
        "1 天 0 小时",
        "2 天 5 小时",
      ],
    );
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), "&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;");
  });
});
