import { SessionError } from "./session-error.js";

/**
 * Admission control for the handshake (docs/session-protocol.md §8, Limits). A Hello costs the
 * server an SM2 signature, and a Finish an SM2 verification, for bytes anyone can replay; without a
 * bound, one client replaying a captured ClientHello on many streams takes the gateway's CPU from
 * the sessions already established. Three bounds, each refusing with `busy` (UNAVAILABLE,
 * retryable) before any signature work:
 *
 * - a token bucket per remote address, checked first, before anything is validated: a TCP peer's
 *   address is the one thing about a hello that is not a claim;
 * - handshake messages (Hello or Finish) being worked on at once, over all peers;
 * - a token bucket per client party, of handshakes that party **completed** (a Finish whose
 *   signature verified). A Hello's chain is public, so its party is only a claim: charging the
 *   claimed party would let anyone lock a party out by sending hellos with its certificate. So
 *   hellos and finishes are refused while the party's bucket is empty, and only a verified
 *   Finish takes a token: nobody but the party itself can empty its bucket.
 *
 * Pure: the clock comes with each call.
 */
export interface RateLimit {
  /** Tokens added per second. */
  readonly perSecond: number;
  /** Bucket size: how many messages may come at once after a quiet spell. */
  readonly burst: number;
}

export interface HandshakeAdmissionOptions {
  /** Handshake messages in progress at once; more are refused. */
  readonly maxConcurrent: number;
  /** Per remote address; absent = no per-address limit (e.g. behind a proxy, where every peer is the proxy). */
  readonly perAddress?: RateLimit;
  /** Per client party, of completed handshakes; absent = no per-party limit. */
  readonly perParty?: RateLimit;
  /** Buckets remembered per kind (default 10,000); idle ones are forgotten first, then the least recently used. */
  readonly maxTracked?: number;
}

export interface AdmissionSlot {
  /** The party the message claims (a hello's chain, a cookie's party): busy while its bucket is empty. */
  checkParty(party: string, now: number): void;
  /** The party proved who it is (its Finish signature verified): one token of its bucket. */
  chargeParty(party: string, now: number): void;
  /** Gives the slot back; idempotent. */
  release(): void;
}

export interface HandshakeAdmission {
  /** A slot for one handshake message from `address` (the remote IP; undefined when unknown), or busy. */
  enter(address: string | undefined, now: number): AdmissionSlot;
  /** Handshake messages in progress now. */
  readonly inProgress: number;
}

/**
 * What an address is rated by: an IPv4 address as it is; an IPv6 address by its /64 (one host is
 * usually given a whole /64, so rating single IPv6 addresses would rate nothing); an IPv4-mapped
 * IPv6 address as its IPv4 address.
 */
export function addressRateKey(address: string): string {
  const a = address.toLowerCase().replace(/%.*$/, "");
  if (!a.includes(":")) return a;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped?.[1] !== undefined) return mapped[1];
  // Other embedded IPv4 forms are rare: rated as written.
  if (a.includes(".")) return a;
  const [head = "", tail] = a.split("::");
  const h = head === "" ? [] : head.split(":");
  const t = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups =
    tail === undefined ? h : [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill("0"), ...t];
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g || "0", 16).toString(16))
    .join(":")}::/64`;
}

interface Bucket {
  tokens: number;
  at: number;
}

interface RateLimiter {
  /** Takes one token for `key`, or returns false when there is none. */
  take(key: string, now: number): boolean;
  /** Whether `key` has a token now (takes none). */
  has(key: string, now: number): boolean;
}

function createRateLimiter(limit: RateLimit, maxTracked: number): RateLimiter {
  const buckets = new Map<string, Bucket>();
  const perMs = limit.perSecond / 1000;
  const level = (b: Bucket, now: number) => Math.min(limit.burst, b.tokens + Math.max(0, now - b.at) * perMs);
  function makeRoom(now: number): void {
    // A bucket that has refilled is indistinguishable from a new one: forgetting it changes nothing.
    for (const [key, b] of buckets) if (level(b, now) >= limit.burst) buckets.delete(key);
    // Still full (that many peers active at once): forget the least recently used, down to 90% so
    // that a stream of new keys does not pay for a sweep each.
    for (const key of buckets.keys()) {
      if (buckets.size < maxTracked * 0.9) break;
      buckets.delete(key);
    }
  }
  function touch(key: string, now: number): Bucket {
    let b = buckets.get(key);
    if (b === undefined) {
      if (buckets.size >= maxTracked) makeRoom(now);
      b = { tokens: limit.burst, at: now };
    } else {
      b.tokens = level(b, now);
      b.at = now;
      // Re-inserted, so the map's order is least recently used first.
      buckets.delete(key);
    }
    buckets.set(key, b);
    return b;
  }
  return {
    take(key, now) {
      const b = touch(key, now);
      if (b.tokens < 1) return false;
      b.tokens -= 1;
      return true;
    },
    has(key, now) {
      const b = buckets.get(key);
      return b === undefined || level(b, now) >= 1;
    },
  };
}

function checkLimit(limit: RateLimit | undefined, what: string): void {
  if (limit === undefined) return;
  if (!(limit.perSecond > 0 && Number.isFinite(limit.perSecond) && Number.isInteger(limit.burst) && limit.burst >= 1)) {
    throw new SessionError("invalid-config", `${what}: perSecond must be positive and burst an integer ≥ 1`);
  }
}

export function createHandshakeAdmission(options: HandshakeAdmissionOptions): HandshakeAdmission {
  if (!(Number.isInteger(options.maxConcurrent) && options.maxConcurrent >= 1)) {
    throw new SessionError("invalid-config", "maxConcurrent must be an integer ≥ 1");
  }
  checkLimit(options.perAddress, "perAddress");
  checkLimit(options.perParty, "perParty");
  const maxTracked = options.maxTracked ?? 10_000;
  const byAddress = options.perAddress && createRateLimiter(options.perAddress, maxTracked);
  const byParty = options.perParty && createRateLimiter(options.perParty, maxTracked);
  let inProgress = 0;
  return {
    enter(address, now) {
      if (byAddress !== undefined && address !== undefined && !byAddress.take(addressRateKey(address), now)) {
        throw new SessionError("busy", `handshake rate of address ${address} exceeded`);
      }
      if (inProgress >= options.maxConcurrent) {
        throw new SessionError("busy", `${inProgress} handshakes in progress`);
      }
      inProgress++;
      let held = true;
      return {
        checkParty(party, at) {
          if (byParty !== undefined && !byParty.has(party, at)) {
            throw new SessionError("busy", `handshake rate of party ${party} exceeded`);
          }
        },
        chargeParty(party, at) {
          byParty?.take(party, at);
        },
        release() {
          if (held) {
            held = false;
            inProgress--;
          }
        },
      };
    },
    get inProgress() {
      return inProgress;
    },
  };
}
