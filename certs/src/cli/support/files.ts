import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { CliError } from "./cli-error.js";

/** Reads a file, turning "no such file" into a usage error that names it. */
export function readBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (cause) {
    throw new CliError(`cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`);
  }
}

export function readText(path: string): string {
  return Buffer.from(readBytes(path)).toString("utf8");
}

/** Writes via a temp file and rename, so a crash never leaves a half-written file. */
export function writeAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode); // the umask may have narrowed or the file pre-existed
  renameSync(tmp, path);
}

/** Private keys: mode 0600, and never silently replaced. */
export function writeSecret(path: string, data: string, overwrite = false): void {
  if (!overwrite && existsSync(path)) throw new CliError(`${path} exists; refusing to overwrite a private key`);
  writeAtomic(path, data, 0o600);
}
