import type { TicketIndicators } from "@hutong/proto";

/**
 * The notice's §6 indicators of one province and period as printed: the table for a person, CSV
 * for a spreadsheet, JSON for a script. One list of columns for all three, so they never disagree.
 */

/** Basis points as a percentage with two decimals, in integers: 1005 is "10.05", never 10.049999. */
export function sharePercentText(bp: number): string {
  return `${Math.floor(bp / 100)}.${String(bp % 100).padStart(2, "0")}`;
}

/** The JSON (and CSV) form: every field as the contract's JSON names it, and the share in percent. */
export function indicatorsJson(i: TicketIndicators) {
  return {
    province: i.province,
    period: i.period,
    grade2Stations: i.grade2Stations,
    grade2StationsETicket: i.grade2StationsETicket,
    customisedRoutes: i.customisedRoutes,
    customisedRoutesETicket: i.customisedRoutesETicket,
    smartTicketingStations: i.smartTicketingStations,
    smartCheckingStations: i.smartCheckingStations,
    ticketsSold: i.ticketsSold,
    eTicketsSold: i.eTicketsSold,
    eTicketShareBp: i.eTicketShareBp,
    eTicketSharePercent: i.eTicketShareBp / 100,
  };
}

/** One JSON array (ts-proto's toJSON would drop the zeros, and a zero is an answer here). */
export function indicatorsJsonText(rows: readonly TicketIndicators[]): string {
  return `${JSON.stringify(rows.map(indicatorsJson))}\n`;
}

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The CSV header: the JSON form's fields, in its order (a spec holds the two together). */
export const csvColumns = [
  "province",
  "period",
  "grade2Stations",
  "grade2StationsETicket",
  "customisedRoutes",
  "customisedRoutesETicket",
  "smartTicketingStations",
  "smartCheckingStations",
  "ticketsSold",
  "eTicketsSold",
  "eTicketShareBp",
  "eTicketSharePercent",
] as const satisfies readonly (keyof ReturnType<typeof indicatorsJson>)[];

/** A header row and one row per province, CRLF line ends (RFC 4180); the share with two decimals. */
export function indicatorsCsv(rows: readonly TicketIndicators[]): string {
  const lines = [csvColumns.join(",")];
  for (const row of rows) {
    const json = indicatorsJson(row);
    lines.push(
      csvColumns
        .map((c) => csvField(c === "eTicketSharePercent" ? sharePercentText(row.eTicketShareBp) : json[c]))
        .join(","),
    );
  }
  return lines.map((l) => `${l}\r\n`).join("");
}

const tableColumns: readonly { head: string; cell: (i: TicketIndicators) => string }[] = [
  { head: "province", cell: (i) => i.province },
  { head: "grade-2+ stations", cell: (i) => String(i.grade2Stations) },
  { head: "with e-ticket", cell: (i) => String(i.grade2StationsETicket) },
  { head: "customised routes", cell: (i) => String(i.customisedRoutes) },
  { head: "covered", cell: (i) => String(i.customisedRoutesETicket) },
  { head: "smart ticketing", cell: (i) => String(i.smartTicketingStations) },
  { head: "smart checking", cell: (i) => String(i.smartCheckingStations) },
  { head: "tickets sold", cell: (i) => String(i.ticketsSold) },
  { head: "e-tickets sold", cell: (i) => String(i.eTicketsSold) },
  { head: "e-ticket share %", cell: (i) => sharePercentText(i.eTicketShareBp) },
];

/**
 * Aligned columns, two spaces apart: the province left, the numbers right (so their digits line
 * up). A period with no province reporting prints the header alone.
 */
export function indicatorsTable(rows: readonly TicketIndicators[]): string {
  const columns = tableColumns.map((c, k) => {
    const texts = [c.head, ...rows.map(c.cell)];
    const width = Math.max(...texts.map((t) => t.length));
    return texts.map((t) => (k === 0 ? t.padEnd(width) : t.padStart(width)));
  });
  // Line 0 is the header, line r + 1 the r-th province.
  const line = (k: number) =>
    `${columns
      .map((column) => column[k])
      .join("  ")
      .trimEnd()}\n`;
  return Array.from({ length: rows.length + 1 }, (_, k) => line(k)).join("");
}
