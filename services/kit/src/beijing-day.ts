// Days and periods as the sector counts them: in Beijing time (UTC+8, no daylight saving), whatever
// the machine's zone.

const offsetMs = 8 * 3_600_000;

/** The Beijing-time day of an instant, "YYYY-MM-DD". */
export function beijingDay(ms: number): string {
  return new Date(ms + offsetMs).toISOString().slice(0, 10);
}

/** The Beijing-time hour (0-23) of an instant. */
export function beijingHour(ms: number): number {
  return new Date(ms + offsetMs).getUTCHours();
}

/** The instant a Beijing-time day begins. */
export function beijingDayStart(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) - offsetMs;
}

const periodPattern = /^\d{4}(-\d{2}(-\d{2})?)?$/;

/** Whether `period` is a year "2026", a month "2026-12" or a day "2026-12-04" that exists. */
export function isPeriod(period: string): boolean {
  if (!periodPattern.test(period)) return false;
  const [y, m, d] = period.split("-").map(Number) as [number, number?, number?];
  if (m === undefined) return y >= 1970;
  if (m < 1 || m > 12) return false;
  if (d === undefined) return true;
  const start = beijingDayStart(period);
  return !Number.isNaN(start) && beijingDay(start) === period && d >= 1;
}

/** Whether a day "YYYY-MM-DD" falls in a period (a year, a month or that day). */
export function dayInPeriod(day: string, period: string): boolean {
  return day.startsWith(period) && (day.length === period.length || day[period.length] === "-");
}
