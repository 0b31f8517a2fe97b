import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TicketIndicators } from "@hutong/proto";
import {
  csvColumns,
  csvField,
  indicatorsCsv,
  indicatorsJson,
  indicatorsJsonText,
  indicatorsTable,
  sharePercentText,
} from "./indicators-format.js";

const row = (province: string, over: Partial<TicketIndicators> = {}): TicketIndicators => ({
  province,
  period: "2026-12",
  grade2Stations: 4,
  grade2StationsETicket: 3,
  customisedRoutes: 2,
  customisedRoutesETicket: 1,
  smartTicketingStations: 5,
  smartCheckingStations: 6,
  ticketsSold: 2000,
  eTicketsSold: 201,
  eTicketShareBp: 1005,
  ...over,
});

describe("report indicators: table, CSV, JSON", () => {
  it("writes the share from basis points with exactly two decimals", () => {
    assert.equal(sharePercentText(0), "0.00");
    assert.equal(sharePercentText(7), "0.07");
    assert.equal(sharePercentText(1005), "10.05");
    assert.equal(sharePercentText(4550), "45.50");
    assert.equal(sharePercentText(10_000), "100.00");
  });

  it("quotes a CSV field only when it must, doubling its quotes", () => {
    assert.equal(csvField("prov:510000/ticketing"), "prov:510000/ticketing");
    assert.equal(csvField(12), "12");
    assert.equal(csvField("a,b"), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField("two\nlines"), '"two\nlines"');
    assert.equal(csvField("cr\r"), '"cr\r"');
    assert.equal(csvField(""), "");
  });

  it("prints CSV with a header, one row per province, CRLF line ends and quoted fields", () => {
    const csv = indicatorsCsv([
      row("prov:510000/ticketing"),
      row('odd,"name"', { ticketsSold: 10_000, eTicketsSold: 7, eTicketShareBp: 7 }),
    ]);
    assert.equal(
      csv,
      "province,period,grade2Stations,grade2StationsETicket,customisedRoutes,customisedRoutesETicket," +
        "smartTicketingStations,smartCheckingStations,ticketsSold,eTicketsSold,eTicketShareBp,eTicketSharePercent\r\n" +
        "prov:510000/ticketing,2026-12,4,3,2,1,5,6,2000,201,1005,10.05\r\n" +
        '"odd,""name""",2026-12,4,3,2,1,5,6,10000,7,7,0.07\r\n',
    );
    assert.equal(indicatorsCsv([]), `${csvColumns.join(",")}\r\n`);
  });

  it("names the same fields in CSV and JSON, in the same order", () => {
    assert.deepEqual(Object.keys(indicatorsJson(row("p"))), [...csvColumns]);
  });

  it("prints one JSON array with every field, zeros included, and the share in percent", () => {
    const text = indicatorsJsonText([
      row("prov:510000/ticketing"),
      row("prov:440000/ticketing", { ticketsSold: 0, eTicketsSold: 0, eTicketShareBp: 0 }),
    ]);
    assert.ok(text.endsWith("]\n"));
    const parsed = JSON.parse(text) as Record<string, unknown>[];
    assert.equal(parsed.length, 2);
    assert.deepEqual(parsed[0], {
      province: "prov:510000/ticketing",
      period: "2026-12",
      grade2Stations: 4,
      grade2StationsETicket: 3,
      customisedRoutes: 2,
      customisedRoutesETicket: 1,
      smartTicketingStations: 5,
      smartCheckingStations: 6,
      ticketsSold: 2000,
      eTicketsSold: 201,
      eTicketShareBp: 1005,
      eTicketSharePercent: 10.05,
    });
    assert.equal(parsed[1]?.ticketsSold, 0);
    assert.equal(indicatorsJsonText([]), "[]\n");
  });

  it("aligns the table: the province left, the numbers right, two spaces between columns", () => {
    const table = indicatorsTable([
      row("prov:510000/ticketing"),
      row("prov:31/t", { ticketsSold: 7, eTicketsSold: 3, eTicketShareBp: 4285 }),
    ]);
    const lines = table.split("\n");
    assert.equal(lines.length, 4, "header, two rows, and the final newline");
    assert.equal(lines[3], "");
    assert.equal(
      lines[0],
      "province               grade-2+ stations  with e-ticket  customised routes  covered  smart ticketing  smart checking  tickets sold  e-tickets sold  e-ticket share %",
    );
    assert.equal(
      lines[1],
      "prov:510000/ticketing                  4              3                  2        1                5               6          2000             201             10.05",
    );
    assert.equal(
      lines[2],
      "prov:31/t                              4              3                  2        1                5               6             7               3             42.85",
    );
    assert.equal(indicatorsTable([]), `${lines[0]?.replace("province             ", "province")}\n`);
  });
});
