import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

// Passwords are kept as scrypt hashes (RFC 7914, Node's OpenSSL): memory-hard, built in, and with
// its parameters stored beside each hash so they can be raised later without a migration.
// Format: scrypt$<log2 N>$<r>$<p>$<base64 salt>$<base64 hash>.

const defaults = { logN: 15, r: 8, p: 1 } as const;
const keyLength = 32;

function derive(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  return new Promise((ok, fail) =>
    scrypt(password.normalize("NFC"), salt, keyLength, { N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r }, (e, key) =>
      e === null ? ok(key) : fail(e),
    ),
  );
}

export async function hashPassword(password: string, params: { logN?: number } = {}): Promise<string> {
  const logN = params.logN ?? defaults.logN;
  const salt = randomBytes(16);
  const hash = await derive(password, salt, logN, defaults.r, defaults.p);
  return `scrypt$${logN}$${defaults.r}$${defaults.p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

const format = /^scrypt\$([0-9]{1,2})\$([0-9]{1,2})\$([0-9]{1,2})\$([A-Za-z0-9+/=]{16,})\$([A-Za-z0-9+/=]{40,})$/;

export function isPasswordHash(text: string): boolean {
  const m = format.exec(text);
  return m !== null && Number(m[1]) >= 10 && Number(m[1]) <= 20;
}

/** Constant-time on the derived key; false for a malformed stored hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = format.exec(stored);
  if (m === null || !isPasswordHash(stored)) return false;
  const [, logN, r, p, salt, hash] = m as unknown as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, "base64");
  const got = await derive(password, Buffer.from(salt, "base64"), Number(logN), Number(r), Number(p));
  return expected.length === got.length && timingSafeEqual(expected, got);
}
