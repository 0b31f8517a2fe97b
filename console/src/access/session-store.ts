import { createHash, randomBytes } from "node:crypto";
import type { Account } from "../accounts/account-store.js";
import { ConsoleError } from "../errors/console-error.js";

// Signed-in sessions, in memory: a random 256-bit token in an HttpOnly, SameSite=Strict cookie,
// kept here only as its SHA-256 (a memory dump does not hand out live sessions), ending after an
// idle period or an absolute lifetime, a few per user at most. A restart signs everyone out,
// which a console can afford.
//
// Sign-in attempts are counted when they start, not when scrypt answers: a burst of parallel
// guesses cannot all pass the lock check before the first failure lands. A username locks after
// `maxFailures` failed (or still running) attempts; a correct password does not lift a lock.

export interface SessionStoreOptions {
  readonly idleMs: number;
  readonly maxFailures: number;
  readonly lockoutMs: number;
  /** Absolute session lifetime; default 12 hours. */
  readonly lifetimeMs?: number;
  /** Sessions per user; the oldest goes first. Default 8. */
  readonly maxSessionsPerUser?: number;
  /** Sign-ins being checked at once, over all users (each is a 32 MiB scrypt); default 8. */
  readonly maxConcurrentSignIns?: number;
  readonly now?: () => number;
}

/** One sign-in in progress: settle it exactly once. */
export interface SignInAttempt {
  failed(): void;
  /** Opens the session; throws too-many-attempts if the username locked meanwhile. */
  succeeded(account: Account): string;
}

export interface SessionStore {
  /** Throws too-many-attempts while `username` is locked, or too many sign-ins are running. */
  begin(username: string): SignInAttempt;
  /** The account of a live session (refreshing its idle timer), or undefined. */
  resolve(token: string | undefined): Account | undefined;
  close(token: string | undefined): void;
}

const digest = (token: string) => createHash("sha256").update(token).digest("hex");
/** Failure records kept at most; beyond it the oldest are forgotten (a flood of made-up names). */
const maxFailureRecords = 10_000;

interface Failures {
  count: number;
  inFlight: number;
  until: number;
  last: number;
}

export function createSessionStore(options: SessionStoreOptions): SessionStore {
  const now = options.now ?? Date.now;
  const lifetimeMs = options.lifetimeMs ?? 12 * 3_600_000;
  const maxPerUser = options.maxSessionsPerUser ?? 8;
  const maxConcurrent = options.maxConcurrentSignIns ?? 8;
  const sessions = new Map<string, { account: Account; opened: number; lastSeen: number }>();
  const failures = new Map<string, Failures>();
  let running = 0;
  const busy = () => new ConsoleError("too-many-attempts", "too many sign-ins; try again later");
  const sweepFailures = () => {
    const t = now();
    for (const [k, f] of failures) {
      if (f.inFlight === 0 && f.until <= t && t - f.last > options.lockoutMs) failures.delete(k);
    }
    while (failures.size > maxFailureRecords) {
      const oldest = failures.keys().next().value;
      if (oldest === undefined) break;
      failures.delete(oldest);
    }
  };
  const live = (s: { opened: number; lastSeen: number }, t: number) =>
    t - s.lastSeen <= options.idleMs && t - s.opened <= lifetimeMs;

  return {
    begin(username) {
      const t = now();
      const f = failures.get(username) ?? { count: 0, inFlight: 0, until: 0, last: t };
      if (f.until > t || f.count + f.inFlight >= options.maxFailures) throw busy();
      if (running >= maxConcurrent) throw busy();
      running++;
      f.inFlight++;
      f.last = t;
      failures.delete(username);
      failures.set(username, f);
      let settled = false;
      const settle = () => {
        if (settled) throw new Error("a sign-in attempt is settled once");
        settled = true;
        running--;
        f.inFlight--;
      };
      return {
        failed() {
          settle();
          f.count++;
          f.last = now();
          if (f.count >= options.maxFailures) {
            f.until = now() + options.lockoutMs;
            f.count = 0;
          }
          sweepFailures();
        },
        succeeded(account) {
          settle();
          if (f.until > now()) throw busy();
          f.count = 0;
          const at = now();
          for (const [k, s] of sessions) if (!live(s, at)) sessions.delete(k);
          const mine = [...sessions].filter(([, s]) => s.account.username === account.username);
          for (const [k] of mine.slice(0, Math.max(0, mine.length - maxPerUser + 1))) sessions.delete(k);
          const token = randomBytes(32).toString("base64url");
          sessions.set(digest(token), { account, opened: at, lastSeen: at });
          return token;
        },
      };
    },
    resolve(token) {
      if (token === undefined || !/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
      const key = digest(token);
      const s = sessions.get(key);
      if (s === undefined) return undefined;
      if (!live(s, now())) {
        sessions.delete(key);
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
