import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { parse as parseYaml, stringify } from "yaml";
import type { Role } from "../api/api-types.js";
import { ConsoleError } from "../errors/console-error.js";
import { parseAccounts } from "./account-store.js";
import { hashPassword } from "./password-hash.js";

/** One account to add: the password in clear only until it is hashed here. */
export interface NewAccount {
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
  readonly province?: string;
  readonly subjectDigestHex?: string;
  readonly password: string;
}

export const minPasswordLength = 12;

/**
 * Adds (or replaces, by username) an account in the accounts file, creating it if absent: the
 * password hashed with scrypt, the file written whole to a temporary name and renamed (a crash
 * leaves the old file), mode 0600. The result is parsed back before it replaces the old file.
 */
export async function addAccount(path: string, account: NewAccount): Promise<void> {
  if (account.password.length < minPasswordLength) {
    throw new ConsoleError("invalid-argument", `a password has at least ${minPasswordLength} characters`);
  }
  const raw = existsSync(path) ? (parseYaml(await readFile(path, "utf8")) as { accounts?: unknown[] } | null) : null;
  const others = (raw?.accounts ?? []).filter(
    (a) => typeof a !== "object" || a === null || (a as { username?: unknown }).username !== account.username,
  );
  const { password, subjectDigestHex, ...rest } = account;
  const record = {
    ...rest,
    ...(subjectDigestHex === undefined ? {} : { subjectDigest: subjectDigestHex }),
    password: await hashPassword(password),
  };
  const next = { accounts: [...others, record] };
  parseAccounts(next);
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(
    tmp,
    `# hutong console accounts (docs/console.md); passwords are scrypt hashes.\n${stringify(next)}`,
    {
      mode: 0o600,
    },
  );
  await rename(tmp, path);
}
