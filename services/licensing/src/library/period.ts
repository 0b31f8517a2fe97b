import { beijingDay, beijingDayStart } from "@hutong/service-kit";
import { LicensingError } from "../licensing-error.js";

/** A reporting period in Beijing time. */
export interface Period {
  readonly label: string;
  readonly startMs: number;
  /** Exclusive. */
  readonly endMs: number;
  /** The period's last civil day, "YYYY-MM-DD": a licence valid to this day is valid at the end. */
  readonly lastDay: string;
}

/** "YYYY" or "YYYY-MM"; anything else is malformed. */
export function parsePeriod(label: string): Period {
  const m = /^(\d{4})(?:-(0[1-9]|1[0-2]))?$/.exec(label);
  if (m === null) throw new LicensingError("malformed", `period ${JSON.stringify(label)} is not YYYY or YYYY-MM`);
  const year = Number(m[1]);
  const month = m[2] === undefined ? undefined : Number(m[2]);
  const first = (y: number, mo: number): string => `${y}-${String(mo).padStart(2, "0")}-01`;
  const startMs = beijingDayStart(first(year, month ?? 1));
  const endMs =
    month === undefined || month === 12 ? beijingDayStart(first(year + 1, 1)) : beijingDayStart(first(year, month + 1));
  // A year before 1000 or a period ending after 9999 has no YYYY-MM-DD bound Date.parse reads.
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs))
    throw new LicensingError("malformed", `period ${JSON.stringify(label)} is out of range`);
  return { label, startMs, endMs, lastDay: beijingDay(endMs - 1) };
}
