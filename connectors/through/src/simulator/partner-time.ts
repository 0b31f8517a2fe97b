// The partners' time formats (partner-api.ts): rail writes Beijing wall-clock time
// "YYYY-MM-DD HH:mm:ss", air ISO 8601 with the +08:00 offset. Both to the second: the
// simulator keeps ms since the epoch and drops the milliseconds when it writes.

const beijingOffsetMs = 8 * 3_600_000;

/** `ms` as Beijing wall-clock "YYYY-MM-DDTHH:mm:ss". */
function beijingWallClock(ms: number): string {
  return new Date(ms + beijingOffsetMs).toISOString().slice(0, 19);
}

/** "YYYY-MM-DD HH:mm:ss", Beijing time (rail). */
export function railTime(ms: number): string {
  return beijingWallClock(ms).replace("T", " ");
}

/** "YYYY-MM-DDTHH:mm:ss+08:00" (air, and the simulator's own admin answers). */
export function beijingIso(ms: number): string {
  return `${beijingWallClock(ms)}+08:00`;
}
