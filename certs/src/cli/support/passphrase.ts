import { CliError } from "./cli-error.js";
import { readText } from "./files.js";

/**
 * Passphrases come from a file or an environment variable, never from argv
 * (visible in `ps` and shell history).
 */
function fromFile(file: string): string {
  return readText(file).replace(/\r?\n$/, "");
}

/** For a key about to be written: undefined means "store unencrypted"; asked-for but missing is an error. */
export function newKeyPassphrase(o: { passphraseFile?: string; passphraseEnv?: string }): string | undefined {
  if (o.passphraseFile === undefined && o.passphraseEnv === undefined) return undefined;
  const p = o.passphraseFile !== undefined ? fromFile(o.passphraseFile) : process.env[o.passphraseEnv ?? ""];
  if (p === undefined || p.length === 0)
    throw new CliError("the passphrase asked for is empty or unset; refusing to write the key in clear");
  return p;
}

/** For a CA key about to be read: --ca-passphrase-file, else $HUTONG_CA_PASSPHRASE, else none. */
export function caKeyPassphrase(o: { caPassphraseFile?: string }): string | undefined {
  if (o.caPassphraseFile !== undefined) return fromFile(o.caPassphraseFile);
  return process.env.HUTONG_CA_PASSPHRASE || undefined;
}
