import { isWireError, statusName } from "@hutong/wire";
import { type CommandIo, processCommandIo } from "../support/command-io.js";

/** The audit commands' io: a command's, and stdin (`hutong audit verify -`). */
export interface AuditCommandIo extends CommandIo {
  readonly stdin: AsyncIterable<string | Buffer>;
}

export const processIo: AuditCommandIo = { ...processCommandIo, stdin: process.stdin };

/** Lines on the io's streams. */
export function printer(io: AuditCommandIo) {
  return {
    out: (line: string) => io.stdout.write(`${line}\n`),
    err: (line: string) => io.stderr.write(`${line}\n`),
  };
}

/** A refusal or failure of the gateway: the status name and message, exit 1 (as `hutong call`). */
export function failedCall(io: AuditCommandIo, e: unknown): boolean {
  if (!isWireError(e)) return false;
  printer(io).err(`ERROR: ${statusName(e.code)}: ${e.message}`);
  io.exitCode(1);
  return true;
}

/** A single `\r` line on stderr: percentage, entries/s and ETA, at most ten times a second. */
export function progressLine(
  io: AuditCommandIo,
  label: string,
  total: number,
  enabled: boolean,
  started = performance.now(),
) {
  let shown = 0;
  let drawn = false;
  const human = (s: number) =>
    !Number.isFinite(s) ? "?" : s < 60 ? `${Math.ceil(s)}s` : `${Math.floor(s / 60)}m${Math.ceil(s % 60)}s`;
  return {
    update(done: number) {
      if (!enabled) return;
      const now = performance.now();
      if (now - shown < 100 && done < total) return;
      shown = now;
      const elapsed = (now - started) / 1000;
      const rate = elapsed > 0 ? done / elapsed : 0;
      const pct = total > 0 ? ((100 * done) / total).toFixed(1) : "100.0";
      const eta = rate > 0 ? (total - done) / rate : Number.POSITIVE_INFINITY;
      io.stderr.write(
        `\r${label} ${pct.padStart(5)}%  ${done.toLocaleString("en")}/${total.toLocaleString("en")} entries  ` +
          `${Math.round(rate).toLocaleString("en")} entries/s  ETA ${human(eta)}\x1b[K`,
      );
      drawn = true;
    },
    done() {
      if (drawn) io.stderr.write("\r\x1b[K");
    },
  };
}

/** Logs this small are verified before a bar would show anything. */
export const progressMinEntries = 100_000;
