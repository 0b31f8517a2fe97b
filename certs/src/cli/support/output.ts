import type { Command } from "commander";

/** Prints a command's result: JSON with --json, else the text form. */
export function emit(cmd: Command, result: Record<string, unknown>, text: string): void {
  if (cmd.optsWithGlobals<{ json?: boolean }>().json) console.log(JSON.stringify(result));
  else console.log(text);
}

export function parseDays(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 36_500)
    throw new Error(`days must be an integer from 1 to 36500, not "${value}"`);
  return n;
}

export function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 16) throw new Error(`expected an integer from 0 to 16, not "${value}"`);
  return n;
}

export const daysFromNow = (now: Date, days: number): Date => new Date(now.getTime() + days * 86_400_000);

/** Certificates start a minute in the past so a peer whose clock lags slightly accepts them. */
export const backdated = (now: Date): Date => new Date(Math.floor(now.getTime() / 1000) * 1000 - 60_000);

/** A certificate never outlives its issuer: the earlier of the two dates. */
export const earlier = (a: Date, b: Date): Date => new Date(Math.min(a.getTime(), b.getTime()));
