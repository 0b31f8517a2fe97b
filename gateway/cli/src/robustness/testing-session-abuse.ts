// Session abuse against a real gateway process (docs/robustness.md, "Sessions, grants, crashes and
// personal data"): each kind of bad input, repeated, refused with the documented status and
// hutong-error code; RSS bounded, no log flood, a legitimate call succeeding after each. Run by
// session-abuse.spec.ts (a few repeats, in npm test) and session-abuse.robustness.ts (many).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { createGrpcJsTransport, loadCredentialFiles, type SessionClient, type UnaryTransport } from "@hutong/client";
import { TicketServiceService } from "@hutong/proto";
import {
  createHandshakeServer,
  createTicketKeyring,
  finishRequest,
  finishResponse,
  helloRequest,
  helloResponse,
  sessionPaths,
} from "@hutong/session";
import { createWireChannel, isWireError } from "@hutong/wire";
import {
  assertRefused,
  boardingCheck,
  type CaseFigures,
  capturedCall,
  endOfCase,
  flipHex,
  logLines,
  type Refusal,
  refusal,
  Status,
  sessionOf,
  tamper,
  verifyPath,
} from "./testing-abuse.js";
import { type GatewayProcess, type GatewayProcessOptions, localCaller } from "./testing-robustness.js";

/** A system of the owner's province whose certificate a case revokes. */
export const revokedCaller = "prov:510000/revoked";
/** Another gateway of the federation, whose sessions this gateway must not accept. */
export const otherGateway = "mot";

/** The process options the session cases need: the parties above, CRLs re-read every second. */
export const sessionAbuseOptions: GatewayProcessOptions = {
  parties: [
    { id: revokedCaller, role: "system" },
    { id: otherGateway, role: "gateway" },
  ],
  config: { trust: { crlRefreshSeconds: 1 } },
};

export interface SessionAbuseCase {
  readonly name: string;
  /** The documented answer: status and hutong-error (session failures) or none. */
  readonly status: number;
  readonly code?: string;
  /** The method the refusal is logged under (for the log's counts). */
  readonly method?: string;
  /**
   * Refusals one attempt causes: 2 where the SDK, told no-session or bad-ticket, retries once on a
   * fresh session (as it should: docs/session-protocol.md), which the tampering spoils again.
   */
  readonly refusalsPerAttempt?: number;
  /** Sets up what the case needs once, and returns one attempt: one bad input sent, its refusal. */
  prepare(gw: GatewayProcess): Promise<() => Promise<Refusal>>;
}

/** Thrown by a capturing transport in place of sending a signed call: it carries the metadata. */
class Captured extends Error {
  constructor(readonly metadata: Record<string, string>) {
    super("captured");
  }
}

/** A transport that completes handshakes but captures exchange calls' signed metadata, sending nothing. */
function capturing(t: UnaryTransport): UnaryTransport {
  return {
    unary: (path, body, metadata, options) =>
      path.startsWith("/hutong.v1.SessionService/")
        ? t.unary(path, body, metadata, options)
        : Promise.reject(new Captured({ ...metadata })),
    close: () => t.close(),
  };
}

/** The metadata `signer` (over a capturing transport) makes for a boarding check, its nonce unused. */
async function signedMetadata(signer: SessionClient): Promise<Record<string, string>> {
  try {
    await signer.call(verifyPath, boardingCheck());
  } catch (e) {
    if (e instanceof Captured) return e.metadata;
    throw e;
  }
  throw new Error("the capturing transport sent a call");
}

const drop =
  (key: string) =>
  (m: Record<string, string>): Record<string, string> => {
    const { [key]: _, ...rest } = m;
    return rest;
  };

/** Session codes after which the SDK retries a call once on a fresh session. */
const sdkRetries: ReadonlySet<string> = new Set(["no-session", "bad-ticket"]);

/** A case that rewrites the metadata of an otherwise genuine call. */
function metadataCase(
  name: string,
  status: number,
  code: string,
  rewrite: (m: Record<string, string>) => Record<string, string>,
): SessionAbuseCase {
  return {
    name,
    status,
    code,
    refusalsPerAttempt: sdkRetries.has(code) ? 2 : 1,
    async prepare(gw) {
      const s = await sessionOf(gw, localCaller, { wrap: (t) => tamper(t, { path: verifyPath, metadata: rewrite }) });
      return () => refusal(s.call(verifyPath, boardingCheck()));
    },
  };
}

/** A call signed at the time `skewMs` away from the gateway's clock. */
function clockCase(name: string, skewMs: number): SessionAbuseCase {
  return {
    name,
    status: Status.UNAUTHENTICATED,
    code: "stale-timestamp",
    async prepare(gw) {
      // The handshake uses the caller's clock too, which the gateway does not check; each call's
      // timestamp it does.
      const s = await sessionOf(gw, localCaller, { now: () => Date.now() + skewMs });
      return () => refusal(s.call(verifyPath, boardingCheck()));
    },
  };
}

/** A handshake with another gateway (in this process, its own ticket key), whose calls go to `gw`. */
async function sessionOfAnotherGateway(gw: GatewayProcess): Promise<SessionClient> {
  const other = await loadCredentialFiles({
    ...gw.pki.party(otherGateway),
    anchors: [gw.pki.rootCert],
    crls: gw.pki.crls,
  });
  const server = createHandshakeServer({
    partyId: otherGateway,
    privateKey: other.privateKey,
    chain: other.chain,
    trust: other.trust,
    keyring: createTicketKeyring({ current: { id: 1, secret: randomBytes(32) } }),
  });
  const real = createGrpcJsTransport(gw.address);
  const inMemory: UnaryTransport = {
    async unary(path, body, metadata, options) {
      const now = Date.now();
      if (path === sessionPaths.hello) {
        const sh = await server.hello(helloRequest.decode(body), { now, crls: other.crls });
        return { body: Buffer.from(helloResponse.encode(sh)), trailers: {} };
      }
      if (path === sessionPaths.finish) {
        return {
          body: Buffer.from(finishResponse.encode(await server.finish(finishRequest.decode(body), { now }))),
          trailers: {},
        };
      }
      return real.unary(path, body, metadata, options);
    },
    close: () => real.close(),
  };
  return sessionOf(gw, localCaller, { transport: inMemory, serverParty: otherGateway });
}

export const sessionAbuseCases: readonly SessionAbuseCase[] = [
  metadataCase("no session metadata at all", Status.UNAUTHENTICATED, "no-session", () => ({})),
  metadataCase("no ticket", Status.UNAUTHENTICATED, "no-session", drop("hutong-ticket")),
  metadataCase("no timestamp", Status.INVALID_ARGUMENT, "malformed", drop("hutong-ts")),
  metadataCase("no nonce", Status.INVALID_ARGUMENT, "malformed", drop("hutong-nonce")),
  metadataCase("no MAC", Status.INVALID_ARGUMENT, "malformed", drop("hutong-mac")),
  metadataCase("a timestamp that is not a number", Status.INVALID_ARGUMENT, "malformed", (m) => ({
    ...m,
    "hutong-ts": "soon",
  })),
  clockCase("a stale timestamp (2 minutes behind)", -120_000),
  clockCase("a future timestamp (2 minutes ahead)", 120_000),
  metadataCase("a forged ticket (random bytes)", Status.UNAUTHENTICATED, "bad-ticket", (m) => ({
    ...m,
    "hutong-ticket": randomBytes(120).toString("base64url"),
  })),
  metadataCase("a truncated ticket", Status.UNAUTHENTICATED, "bad-ticket", (m) => ({
    ...m,
    "hutong-ticket": (m["hutong-ticket"] ?? "").slice(0, 40),
  })),
  metadataCase("a ticket with one bit flipped", Status.UNAUTHENTICATED, "bad-ticket", (m) => {
    const t = Buffer.from(m["hutong-ticket"] ?? "", "base64url");
    t[t.length >> 1] = (t[t.length >> 1] ?? 0) ^ 0x10;
    return { ...m, "hutong-ticket": t.toString("base64url") };
  }),
  metadataCase("an oversized ticket (8 KiB)", Status.UNAUTHENTICATED, "bad-ticket", (m) => ({
    ...m,
    "hutong-ticket": "A".repeat(8192),
  })),
  metadataCase("an oversized MAC (8 KiB)", Status.INVALID_ARGUMENT, "malformed", (m) => ({
    ...m,
    "hutong-mac": "a".repeat(8192),
  })),
  metadataCase("an oversized nonce (8 KiB)", Status.INVALID_ARGUMENT, "malformed", (m) => ({
    ...m,
    "hutong-nonce": "a".repeat(8192),
  })),
  metadataCase("a wrong MAC (one bit)", Status.UNAUTHENTICATED, "bad-mac", (m) => ({
    ...m,
    "hutong-mac": flipHex(m["hutong-mac"] ?? ""),
  })),
  metadataCase("relay metadata added after signing", Status.UNAUTHENTICATED, "bad-mac", (m) => ({
    ...m,
    "hutong-origin": "prov:440000/ticketing",
    "hutong-hops": otherGateway,
  })),
  {
    name: "a MAC over other bytes (the body changed after signing)",
    status: Status.UNAUTHENTICATED,
    code: "bad-mac",
    async prepare(gw) {
      const other = boardingCheck({ scheduleNo: "K9999" });
      const s = await sessionOf(gw, localCaller, { wrap: (t) => tamper(t, { path: verifyPath, body: () => other }) });
      return () => refusal(s.call(verifyPath, boardingCheck()));
    },
  },
  {
    name: "a MAC for another method",
    status: Status.UNAUTHENTICATED,
    code: "bad-mac",
    method: "hutong.v1.TicketService/GetTicket",
    async prepare(gw) {
      // Signed for VerifyTicket (and never sent there), sent to GetTicket.
      const signer = await sessionOf(gw, localCaller, { wrap: (t) => capturing(t) });
      const send = createGrpcJsTransport(gw.address);
      return async () => {
        const signed = await signedMetadata(signer);
        return refusal(send.unary(TicketServiceService.getTicket.path, boardingCheck(), signed, {}));
      };
    },
  },
  {
    name: "a replayed call",
    status: Status.UNAUTHENTICATED,
    code: "replay",
    async prepare(gw) {
      const captured = await capturedCall(gw, localCaller);
      const send = createGrpcJsTransport(gw.address);
      return () => refusal(send.unary(verifyPath, captured.body, captured.metadata, {}));
    },
  },
  {
    name: "a session of another gateway",
    status: Status.UNAUTHENTICATED,
    code: "bad-ticket",
    refusalsPerAttempt: 2,
    async prepare(gw) {
      const s = await sessionOfAnotherGateway(gw);
      return () => refusal(s.call(verifyPath, boardingCheck()));
    },
  },
  {
    name: "a system relaying for another origin (signed, but not a trusted relay)",
    status: Status.PERMISSION_DENIED,
    async prepare(gw) {
      const s = await sessionOf(gw, localCaller);
      return () =>
        refusal(
          s.call(verifyPath, boardingCheck(), { route: { origin: "prov:440000/ticketing", hops: otherGateway } }),
        );
    },
  },
  {
    name: "a client certificate revoked during its session",
    status: Status.UNAUTHENTICATED,
    code: "revoked",
    async prepare(gw) {
      const s = await sessionOf(gw, revokedCaller);
      await s.call(verifyPath, boardingCheck()); // a working session first
      await gw.pki.revoke(revokedCaller);
      // The gateway re-reads its CRLs every second (crlRefreshSeconds: 1). Polled on a method the
      // ACL refuses until then, so the refusals this case counts are only its attempts below.
      const probe = TicketServiceService.getTicket.path;
      for (let i = 0; i < 50; i++) {
        const code = await s.call(probe, boardingCheck()).then(
          () => Status.OK,
          (e: unknown) => (isWireError(e) ? e.code : -1),
        );
        if (code === Status.UNAUTHENTICATED) break;
        assert.equal(code, Status.PERMISSION_DENIED, "authenticated, then refused by the ACL, until the CRL bites");
        await sleep(100);
      }
      return () => refusal(s.call(verifyPath, boardingCheck()));
    },
  },
  {
    name: "a handshake with a revoked client certificate",
    status: Status.UNAUTHENTICATED,
    code: "revoked",
    method: "hutong.v1.SessionService/Hello",
    async prepare(gw) {
      return async () => {
        const s = await sessionOf(gw, revokedCaller);
        try {
          return await refusal(s.connect());
        } finally {
          s.close();
        }
      };
    },
  },
];

/** Refusals counted by (reason, method), to check the log's counts against. */
export type RefusalTally = Map<string, number>;

const tallyKey = (reason: string, method: string) => `${reason} ${method}`;

function reasonOf(c: SessionAbuseCase): string {
  return c.code === undefined ? "gateway/relay-not-allowed" : `session/${c.code}`;
}

/**
 * Runs every case `repeats` times against `gw`, checking each answer, the RSS bound, the log
 * volume and a legitimate call after each case. Returns each case's figures.
 */
export async function runSessionAbuse(
  gw: GatewayProcess,
  repeats: number,
  tally: RefusalTally,
): Promise<{ name: string; figures: CaseFigures }[]> {
  const out: { name: string; figures: CaseFigures }[] = [];
  for (const c of sessionAbuseCases) {
    const attempt = await c.prepare(gw);
    const from = gw.output().length;
    for (let i = 0; i < repeats; i++) assertRefused(await attempt(), c.status, c.code, c.name);
    const key = tallyKey(reasonOf(c), c.method ?? "hutong.v1.TicketService/VerifyTicket");
    tally.set(key, (tally.get(key) ?? 0) + repeats * (c.refusalsPerAttempt ?? 1));
    out.push({ name: c.name, figures: await endOfCase(gw, c.name, from) });
  }
  return out;
}

/**
 * `n` unauthenticated calls pipelined on one connection (the flood). The first refusal's
 * line must appear at once; the log may grow by at most `caseLogBoundBytes` meanwhile.
 */
export async function floodUnauthenticated(
  gw: GatewayProcess,
  n: number,
  tally: RefusalTally,
  path: string = TicketServiceService.getTicket.path,
): Promise<CaseFigures & { ms: number }> {
  // `path`: a method no other case or flood is refused on unauthenticated, so its first line is this flood's.
  const method = path.slice(1);
  const from = gw.output().length;
  const channel = createWireChannel(gw.address, { maxInFlight: 1000, maxQueued: n });
  try {
    const first = await refusal(channel.unary(path, boardingCheck(), {}, {}));
    assertRefused(first, Status.UNAUTHENTICATED, "no-session", "flood");
    let seen = false;
    for (let i = 0; i < 50 && !seen; i++) {
      seen = logLines(gw, from).some((l) => l.method === method && l.reason === "session/no-session" && l.count === 1);
      if (!seen) await sleep(20);
    }
    assert.ok(seen, "the first refusal of a condition is logged at once");
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: n - 1 }, () =>
        channel.unary(path, boardingCheck(), {}, {}).then(
          () => -1,
          (e: unknown) => (isWireError(e) ? e.code : -2),
        ),
      ),
    );
    const ms = performance.now() - started;
    assert.deepEqual(
      answers.filter((c) => c !== Status.UNAUTHENTICATED),
      [],
      "every call of the flood is refused as unauthenticated",
    );
    const key = tallyKey("session/no-session", method);
    tally.set(key, (tally.get(key) ?? 0) + n);
    return { ...(await endOfCase(gw, `flood of ${n}`, from)), ms };
  } finally {
    channel.close();
  }
}

/**
 * After the process has stopped (SIGTERM writes the pending summaries): for every (reason, method)
 * the suite caused, the counts of its log lines add up to the refusals it made.
 */
export function assertLogCounts(gw: GatewayProcess, tally: RefusalTally): { lines: number; bytes: number } {
  const counted = new Map<string, number>();
  const lines = logLines(gw).filter((l) => l.msg === "call refused");
  for (const l of lines) {
    const key = tallyKey(String(l.reason), String(l.method));
    counted.set(key, (counted.get(key) ?? 0) + Number(l.count));
  }
  for (const [key, n] of tally) assert.equal(counted.get(key), n, `log counts for ${key}`);
  return { lines: lines.length, bytes: lines.reduce((b, l) => b + Buffer.byteLength(JSON.stringify(l)) + 1, 0) };
}
