import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { Role } from "../api/api-types.js";
import { ConsoleError } from "../errors/console-error.js";
import { isPasswordHash, verifyPassword } from "./password-hash.js";

// The local account store: a YAML file of users with scrypt password hashes, their role and what
// the role is scoped to. A holder is named by the keyed digest of their ID number, never the
// number (docs/console.md "Accounts").

const accountSchema = z
  .strictObject({
    username: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,31}$/, "lowercase letters, digits, . _ -, 2-32 long"),
    displayName: z.string().min(1).max(64),
    role: z.enum(["ministry", "province", "auditor", "holder"]),
    /** A province operator's 6-digit province code. */
    province: z
      .string()
      .regex(/^[1-9][0-9]0000$/)
      .optional(),
    /** A holder's subject digest, 64 lowercase hex. */
    subjectDigest: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    password: z.string().refine(isPasswordHash, "expected an scrypt hash (hutong console add-account makes one)"),
  })
  .superRefine((a, ctx) => {
    if ((a.role === "province") !== (a.province !== undefined)) {
      ctx.addIssue({ code: "custom", message: "province is required for, and only for, the province role" });
    }
    if ((a.role === "holder") !== (a.subjectDigest !== undefined)) {
      ctx.addIssue({ code: "custom", message: "subjectDigest is required for, and only for, the holder role" });
    }
  });

const fileSchema = z.strictObject({ accounts: z.array(accountSchema) });

export type AccountRecord = z.infer<typeof accountSchema>;

/** A signed-in user as the rest of the console sees them: no password hash. */
export interface Account {
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
  readonly province?: string;
  readonly subjectDigestHex?: string;
}

export interface AccountStore {
  /** The account when the password matches; undefined otherwise (same time either way, near enough). */
  authenticate(username: string, password: string): Promise<Account | undefined>;
  find(username: string): Account | undefined;
}

// Checked against when the username is unknown, so a miss costs the same scrypt as a hit.
const decoyHash = "scrypt$15$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

export function parseAccounts(raw: unknown): AccountStore {
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success)
    throw new ConsoleError("invalid-config", `invalid accounts file:\n${z.prettifyError(parsed.error)}`);
  const byName = new Map<string, AccountRecord>();
  for (const a of parsed.data.accounts) {
    if (byName.has(a.username)) throw new ConsoleError("invalid-config", `accounts: ${a.username} is listed twice`);
    byName.set(a.username, a);
  }
  const view = (a: AccountRecord): Account => ({
    username: a.username,
    displayName: a.displayName,
    role: a.role,
    ...(a.province === undefined ? {} : { province: a.province }),
    ...(a.subjectDigest === undefined ? {} : { subjectDigestHex: a.subjectDigest }),
  });
  return {
    async authenticate(username, password) {
      const record = byName.get(username);
      const ok = await verifyPassword(password, record?.password ?? decoyHash);
      return ok && record !== undefined ? view(record) : undefined;
    },
    find(username) {
      const record = byName.get(username);
      return record === undefined ? undefined : view(record);
    },
  };
}

export async function loadAccounts(path: string): Promise<AccountStore> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new ConsoleError("invalid-config", `cannot read the accounts file ${path}`, { cause });
  }
  try {
    return parseAccounts(parseYaml(text));
  } catch (e) {
    if (e instanceof ConsoleError) throw e;
    throw new ConsoleError("invalid-config", `${path} is not valid YAML`, { cause: e });
  }
}
