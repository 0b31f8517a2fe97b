import { createHash, randomBytes } from "node:crypto";
import type { Account } from "../accounts/account-store.js";
import { ConsoleError } from "../errors/console-error.js";

// Signed-in sessions, in memory: a random 256-bit token in an HttpOnly, SameSite=Strict cookie,
// kept here only as its SHA-256 (a memory dump does not hand out live sessions), expiring after
// an idle period. Failed sign-ins lock a username out for a while, so passwords cannot be guessed
// at speed. A restart signs everyone out, which a console can afford.

export interface SessionStoreOptions {
  readonly idleMs: number;
  readonly maxFailures: number;
  readonly lockoutMs: number;
  readonly now?: () => number;
}

export interface SessionStore {
  /** Throws too-many-attempts while `username` is locked out. */
  checkNotLocked(username: string): void;
  recordFailure(username: string): void;
  open(account: Account): string;
  /** The account of a live session (refreshing its idle timer), or undefined. */
  resolve(token: string | undefined): Account | undefined;
  close(token: string | undefined): void;
}

const digest = (token: string) => createHash("sha256").update(token).digest("hex");

export function createSessionStore(options: SessionStoreOptions): SessionStore {
  const now = options.now ?? Date.now;
  const sessions = new Map<string, { account: Account; lastSeen: number }>();
  const failures = new Map<string, { count: number; until: number }>();
  const sweep = () => {
    const t = now();
    for (const [k, s] of sessions) if (t - s.lastSeen > options.idleMs) sessions.delete(k);
    for (const [k, f] of failures) if (f.until !== 0 && f.until <= t) failures.delete(k);
  };
  return {
    checkNotLocked(username) {
      const f = failures.get(username);
      if (f !== undefined && f.until > now()) {
        throw new ConsoleError("too-many-attempts", "too many failed sign-ins; try again later");
      }
    },
    recordFailure(username) {
      sweep();
      const f = failures.get(username) ?? { count: 0, until: 0 };
      f.count++;
      if (f.count >= options.maxFailures) {
        f.until = now() + options.lockoutMs;
        f.count = 0;
      }
      failures.set(username, f);
    },
    open(account) {
      sweep();
      failures.delete(account.username);
      const token = randomBytes(32).toString("base64url");
      sessions.set(digest(token), { account, lastSeen: now() });
      return token;
    },
    resolve(token) {
      if (token === undefined || !/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
      const s = sessions.get(digest(token));
      if (s === undefined) return undefined;
      if (now() - s.lastSeen > options.idleMs) {
        sessions.delete(digest(token));
        return undefined;
      }
      s.lastSeen = now();
      return s.account;
    },
    close(token) {
      if (token !== undefined) sessions.delete(digest(token));
    },
  };
}
