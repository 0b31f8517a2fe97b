import { cjkFontStack, monthlyRateSvgs } from "./annual-charts.js";
import {
  type AnnualData,
  beijingTimeText,
  monthBegun,
  provinceNames,
  rateBp,
  rateDefs,
  yearEnded,
} from "./annual-data.js";
import {
  type LoadedSheet,
  metricNames,
  metricValues,
  type Scored,
  scoreSheet,
  thresholdText,
} from "./annual-scoring.js";
import { sharePercentText } from "./indicators-format.js";

/** Text for HTML (element content and quoted attributes alike). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The report's title: "道路运输电子证照年度工作报告（四川省，2026年）". */
export function annualTitle(province: string, year: string): string {
  return `道路运输电子证照年度工作报告（${provinceNames[province] ?? province}，${year}年）`;
}

/** A count with thousands separators: 1,200,050. */
export function countText(n: bigint | number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Basis points as "96.02%", or "—" where there is no figure. */
export function percentText(bp: number | null): string {
  return bp === null ? "—" : `${sharePercentText(bp)}%`;
}

/** A lag as a person reads it: 850 毫秒, 12.3 秒, 5 分 12 秒, 3 小时 20 分, 2 天 4 小时. */
export function durationText(ms: number): string {
  if (ms < 1000) return `${ms} 毫秒`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${Math.floor(ms / 100) / 10} 秒`;
  if (s < 3600) return `${Math.floor(s / 60)} 分 ${s % 60} 秒`;
  if (s < 86_400) return `${Math.floor(s / 3600)} 小时 ${Math.floor((s % 3600) / 60)} 分`;
  return `${Math.floor(s / 86_400)} 天 ${Math.floor((s % 86_400) / 3600)} 小时`;
}

/** A score without float noise: 25, 12.5. */
const pointsText = (n: number): string => String(Math.round(n * 1000) / 1000);

const style = `
@page { size: A4; margin: 16mm 15mm 18mm; }
* { box-sizing: border-box; }
body { font-family: ${cjkFontStack}; font-synthesis: none; font-size: 10.5pt; line-height: 1.55; color: #1a1a1a; margin: 0; }
h1 { font-size: 18pt; color: #1f4e79; letter-spacing: 0.5pt; text-align: center; margin: 0 0 6pt; }
h2 { break-after: avoid; font-size: 12.5pt; margin: 14pt 0 6pt; border-bottom: 1.5px solid #1f4e79; padding-bottom: 2pt; color: #1f4e79; }
.meta { margin: 0 0 4pt; padding: 0; list-style: none; font-size: 9.5pt; color: #333; }
.meta li { display: inline-block; margin-right: 14pt; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0; font-size: 9pt; line-height: 1.35; }
th, td { border: 1px solid #8a8a8a; padding: 2.5pt 5pt; vertical-align: middle; }
th { white-space: nowrap; }
table.months td, table.months th { padding: 2.5pt 3pt; }
th { background: #e8eef5; font-weight: bold; text-align: center; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.c { text-align: center; }
tr, table.summary, table.months, table.aggregation { break-inside: avoid; }
tr.total td { font-weight: bold; background: #f4f6f8; }
.ok { color: #1e7b34; } .low { color: #b03a2e; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 6pt 10pt; break-inside: avoid; }
.charts figure { margin: 0; }
.charts svg { width: 100%; height: auto; display: block; }
.note { font-size: 8.5pt; color: #444; margin: 3pt 0; }
.notes { font-size: 8.5pt; color: #444; margin: 10pt 0 0; padding-left: 16pt; }
section { break-inside: auto; }
`;

function summaryTable(data: AnnualData): string {
  const rows = rateDefs.map((def) => {
    const bp = rateBp(def, data.yearRates);
    const target =
      def.target === undefined
        ? "—"
        : bp === null
          ? `≥${def.target}%`
          : bp >= def.target * 100
            ? `≥${def.target}% <span class="ok">达标</span>`
            : `≥${def.target}% <span class="low">未达标</span>`;
    return `<tr><td>${def.name}</td><td class="num">${percentText(bp)}</td><td class="num">${countText(def.numerator(data.yearRates))}</td><td class="num">${countText(def.denominator(data.yearRates))}</td><td>${def.numeratorName} ÷ ${def.denominatorName}</td><td class="c">${target}</td></tr>`;
  });
  return `<table class="summary"><thead><tr><th>指标</th><th>比率</th><th>分子</th><th>分母</th><th>口径</th><th>目标</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function monthTable(data: AnnualData): string {
  const head = data.monthRates.map((_, i) => `<th>${i + 1}月</th>`).join("");
  const rows = rateDefs.map((def) => {
    const cells = data.monthRates.map((r) => {
      if (!monthBegun(data, r.period)) return `<td class="num">未到</td>`;
      const bp = rateBp(def, r);
      return `<td class="num">${bp === null ? "—" : sharePercentText(bp)}</td>`;
    });
    return `<tr><td>${def.name}</td>${cells.join("")}</tr>`;
  });
  return `<table class="months"><thead><tr><th>月末比率（%）</th>${head}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function aggregationSection(data: AnnualData): string {
  const a = data.aggregation;
  if (a === null) return `<p>部级电子证照库尚无本省的归集记录。</p>`;
  const pending = a.reportedHeadSeq > a.appliedSeq ? a.reportedHeadSeq - a.appliedSeq : 0n;
  const shown = a.openGaps.slice(0, 8).map((g) => `${countText(g.fromSeq)}–${countText(g.toSeq)}`);
  const gaps =
    a.openGaps.length === 0
      ? "无"
      : `${a.openGaps.length} 段：${shown.join("，")}${a.openGaps.length > shown.length ? " 等" : ""}`;
  const cells = [
    ["归集时延 p50", durationText(a.lagP50Ms)],
    ["部级库已连续归集至序号", countText(a.appliedSeq)],
    ["归集时延 p99", durationText(a.lagP99Ms)],
    ["省级最新报告序号", countText(a.reportedHeadSeq)],
    ["归集时延最大值", durationText(a.lagMaxMs)],
    ["尚未归集的事件（按序号）", countText(pending)],
    ["累计发现序号缺口", countText(a.gapsDetected)],
    ["缺口后暂存事件", countText(a.held)],
    ["已补齐缺口", countText(a.gapsRepaired)],
    ["未补齐缺口（序号区间）", escapeHtml(gaps)],
  ].map(([name, value]) => `<td>${name}</td><td class="num">${value}</td>`);
  const rows: string[] = [];
  for (let i = 0; i < cells.length; i += 2) rows.push(`<tr>${cells[i]}${cells[i + 1]}</tr>`);
  return `<table class="aggregation"><tbody>${rows.join("")}</tbody></table>
<p class="note">时延：证照事件在省级系统产生至部级库归集的时间。时延与缺口为取数时部级库中本省归集的状态（不限于本年度）。</p>`;
}

function scoringSection(scoring: LoadedSheet, scored: Scored): string {
  const rows = scored.items.map((s, i) => {
    const lag = s.item.metric === "lagP99Seconds";
    const value = s.value === null ? "—（无数据）" : lag ? `${s.value} 秒` : `${s.value.toFixed(2)}%`;
    return `<tr><td class="c">${i + 1}</td><td>${escapeHtml(s.item.name)}</td><td>${metricNames[s.item.metric]}</td><td class="num">${value}</td><td>${escapeHtml(thresholdText(s.item))}</td><td class="num">${pointsText(s.item.max)}</td><td class="num">${pointsText(s.points)}</td></tr>`;
  });
  const total = `<tr class="total"><td></td><td colspan="4">合计</td><td class="num">${pointsText(scored.max)}</td><td class="num">${pointsText(scored.total)}</td></tr>`;
  const note = scoring.sheet.note === undefined ? "" : `<p class="note">${escapeHtml(scoring.sheet.note)}</p>`;
  const source = scoring.isDefault
    ? `<p class="note">注：规范附表2的评分细则未公开，本自评表采用 hutong 随附的默认评分表（本项目自拟，非官方标准），仅供自查参考；正式自评请以主管部门下发的评分细则为准（可用 --scoring 指定评分表）。</p>`
    : `<p class="note">注：评分表取自 ${escapeHtml(scoring.file)}。</p>`;
  return `<p class="note">${escapeHtml(scoring.sheet.title)}</p><table class="scoring"><thead><tr><th>序号</th><th>评价项目</th><th>指标</th><th>本年数值</th><th>评分标准</th><th>满分</th><th>得分</th></tr></thead><tbody>${rows.join("")}${total}</tbody></table>${note}${source}`;
}

/** The report as one self-contained HTML page (inline style and SVG charts; nothing fetched). */
export async function annualReportHtml(data: AnnualData, scoring: LoadedSheet): Promise<string> {
  const title = annualTitle(data.province, data.year);
  const scored = scoreSheet(scoring.sheet, metricValues(data));
  const charts = await monthlyRateSvgs(data);
  const asOf = yearEnded(data) ? `${data.year}年末` : `截至 ${beijingTimeText(data.fetchedAt).slice(0, 10)}`;
  const figures = charts.map((svg) => `<figure>${svg}</figure>`).join("");
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<ul class="meta">
<li>省份：${escapeHtml(provinceNames[data.province] ?? data.province)}（${escapeHtml(data.province)}）</li>
<li>报告年度：${escapeHtml(data.year)}年</li>
<li>数据来源：部级道路运输电子证照库（${escapeHtml(data.source)}）</li>
<li>取数时间：${beijingTimeText(data.fetchedAt)}（北京时间）</li>
<li>依据：道路运输电子证照规范（2022年11月）第二十三条</li>
</ul>
<section>
<h2>一、主要指标（${asOf}）</h2>
${summaryTable(data)}
<p class="note">比率由部级电子证照库按基点（10000 = 100%）计算并向下取整；分母为 0 时记为“—”。数据合规率按${escapeHtml(data.year)}年全年的证照事件统计，其余为期末时点数。</p>
</section>
<section>
<h2>二、各月比率</h2>
<div class="charts">${figures}</div>
${monthTable(data)}
<p class="note">“未到”：取数时该月尚未开始；“—”：该月无可统计数据。目标线为交办运〔2024〕39号提出的 95%。</p>
</section>
<section>
<h2>三、归集时效与序号缺口</h2>
${aggregationSection(data)}
</section>
<section>
<h2>四、自评表</h2>
${scoringSection(scoring, scored)}
</section>
</body>
</html>
`;
}
