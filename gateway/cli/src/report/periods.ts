import { isPeriod } from "@hutong/ticketing";
import { UsageError } from "../support/usage-error.js";

export type PeriodKind = "year" | "month" | "day";

/**
 * What a period is, by the form the statistics service takes (a year "2026", a month "2026-12", a
 * day "2026-12-04"); anything else, or a day that does not exist, is a usage error naming it.
 */
export function periodKind(period: string): PeriodKind {
  if (!isPeriod(period)) {
    throw new UsageError(
      `--period ${JSON.stringify(period.slice(0, 40))} is not a year (2026), a month (2026-12) or a day (2026-12-04)`,
    );
  }
  return period.length === 4 ? "year" : period.length === 7 ? "month" : "day";
}

/**
 * The steps of a period's time line, each itself a period the service answers for: the months of
 * a year, the days of a month, a day alone. Labels, not instants: the service counts in Beijing
 * days, so the calendar is all that is needed here and the machine's zone never enters.
 */
export function subPeriods(period: string): string[] {
  const kind = periodKind(period);
  const two = (n: number) => String(n).padStart(2, "0");
  if (kind === "day") return [period];
  if (kind === "year") return Array.from({ length: 12 }, (_, i) => `${period}-${two(i + 1)}`);
  const [year, month] = period.split("-").map(Number) as [number, number];
  // Day 0 of the next month is the last day of this one (UTC: a calendar sum, no zone).
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return Array.from({ length: days }, (_, i) => `${period}-${two(i + 1)}`);
}
