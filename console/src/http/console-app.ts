import { serveStatic } from "@hono/node-server/serve-static";
import { keyedSubjectDigest } from "@hutong/certs";
import { AuditEntry, IdType } from "@hutong/proto";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { secureHeaders } from "hono/secure-headers";
import { createRateLimit, type RateLimit } from "../access/rate-limit.js";
import { canSee, gatewaysFor, type Scope, scopeOf } from "../access/role-scope.js";
import type { SessionStore } from "../access/session-store.js";
import type { Account, AccountStore } from "../accounts/account-store.js";
import type { AuditSearchRequest, Me, MyDataView, ReplayRequest, SignInRequest, ViewName } from "../api/api-types.js";
import { accountId, queryCorrelationId, searchAudit } from "../audit/audit-search.js";
import { correlate } from "../audit/correlation.js";
import { inclusionProof } from "../audit/inclusion-proof.js";
import { listDelivery, replayDeadLetter } from "../delivery/delivery-status.js";
import { ConsoleError } from "../errors/console-error.js";
import { federationStatus } from "../federation/federation-status.js";
import type { GatewayPool } from "../gateways/gateway-pool.js";
import { grantsOfSubject, listGrants } from "../grants/grant-listing.js";
import { type IndicatorSources, readIndicators } from "../indicators/indicator-sources.js";
import { apiError } from "./api-error.js";
import type { ConsoleLog } from "./console-log.js";

// The console's HTTP API (console/src/api/api-types.ts) and the page. Every /api route but
// sign-in needs a session; writes need the x-hutong-console header (a cross-site form cannot send
// it, and the cookie is SameSite=Strict besides). An ID number arrives only in a POST body, becomes
// its keyed digest at once, and is neither logged nor answered back.

export const sessionCookie = "hutong_console";
/** A Secure cookie's name: the __Host- prefix binds it to this origin, HTTPS, path "/". */
export const secureSessionCookie = "__Host-hutong_console";
const usernameShape = /^[a-z0-9][a-z0-9._-]{1,31}$/;

export interface ConsoleAppOptions {
  readonly accounts: AccountStore;
  readonly sessions: SessionStore;
  readonly pool: GatewayPool;
  readonly subjectKey: Uint8Array;
  readonly indicators?: IndicatorSources;
  readonly log: ConsoleLog;
  readonly now: () => number;
  /** The built page (console/web/dist), served for everything outside /api. */
  readonly webRoot: string;
  /** Marks the cookie Secure and names it __Host-… (the console is reached over HTTPS). */
  readonly secureCookie: boolean;
  /** Subject searches (and "my data" views) per user: each appends an entry at every gateway searched. */
  readonly searchLimit?: RateLimit;
}

type Env = { Variables: { account: Account; scope: Scope } };

const idTypeResident = IdType.ID_TYPE_RESIDENT_ID_CARD;

export function createConsoleApp(o: ConsoleAppOptions): Hono<Env> {
  const app = new Hono<Env>();
  const allGateways = o.pool.gateways.map((g) => g.party);
  const cookieName = o.secureCookie ? secureSessionCookie : sessionCookie;
  const searches = o.searchLimit ?? createRateLimit({ perMinute: 30, burst: 20 });

  app.use(
    "*",
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // ECharts and Preact set element styles.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
      referrerPolicy: "no-referrer",
    }),
  );
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: 16 * 1024,
      onError: (c) => c.json({ error: "invalid-argument", message: "request too large" }, 413),
    }),
  );
  app.use("/api/*", async (c, next) => {
    c.header("Cache-Control", "no-store");
    await next();
  });
  app.onError((e, c) => {
    const { status, body } = apiError(e);
    if (status >= 500 && body.error === "internal") o.log.error("request failed", e);
    return c.json(body, status);
  });

  // Sign-in and the session.
  app.post("/api/session", async (c) => {
    const body = await jsonBody<SignInRequest>(c);
    if (typeof body.username !== "string" || typeof body.password !== "string" || body.password.length > 1024) {
      throw new ConsoleError("invalid-argument", "username and password are required");
    }
    const username = body.username.trim().toLowerCase();
    // A name no account can have costs no scrypt and keeps nothing (it may be a mistyped password).
    if (!usernameShape.test(username)) throw new ConsoleError("unauthenticated", "wrong username or password");
    const attempt = o.sessions.begin(username);
    let account: Account | undefined;
    try {
      account = await o.accounts.authenticate(username, body.password);
    } catch (e) {
      attempt.failed();
      throw e;
    }
    if (account === undefined) {
      attempt.failed();
      // Only a real account's name is logged: an unknown one may be a password typed in the wrong box.
      o.log.info({
        event: "sign-in-refused",
        username: o.accounts.find(username) === undefined ? "(unknown)" : username,
      });
      throw new ConsoleError("unauthenticated", "wrong username or password");
    }
    const token = attempt.succeeded(account);
    setCookie(c, cookieName, token, {
      httpOnly: true,
      sameSite: "Strict",
      secure: o.secureCookie,
      path: "/",
    });
    o.log.info({ event: "signed-in", username: account.username, role: account.role });
    return c.json(me(account, scopeOf(account, allGateways)));
  });

  app.use("/api/*", async (c, next) => {
    const account = o.sessions.resolve(getCookie(c, cookieName));
    if (account === undefined) throw new ConsoleError("unauthenticated", "sign in first");
    if (c.req.method !== "GET" && c.req.header("x-hutong-console") !== "1") {
      throw new ConsoleError("forbidden", "a write needs the x-hutong-console header");
    }
    c.set("account", account);
    c.set("scope", scopeOf(account, allGateways));
    await next();
  });

  app.delete("/api/session", (c) => {
    o.sessions.close(getCookie(c, cookieName));
    deleteCookie(c, cookieName, { path: "/", secure: o.secureCookie });
    return c.body(null, 204);
  });
  app.get("/api/me", (c) => c.json(me(c.get("account"), c.get("scope"))));

  const need = (c: Context<Env>, view: ViewName) => {
    if (!canSee(c.get("scope"), view))
      throw new ConsoleError("forbidden", `the ${c.get("account").role} role has no ${view} view`);
  };
  const gatewaysAsked = (c: Context<Env>, asked: string | undefined) => {
    const g = gatewaysFor(c.get("scope"), asked);
    if (g === undefined) throw new ConsoleError("forbidden", "that gateway is outside your scope");
    return g;
  };

  app.get("/api/federation", async (c) => {
    need(c, "federation");
    return c.json(await federationStatus(o.pool, c.get("scope").gateways, o.now()));
  });

  app.post("/api/audit/search", async (c) => {
    need(c, "audit");
    const req = await jsonBody<AuditSearchRequest>(c);
    const subject =
      typeof req.subjectIdNumber === "string" && req.subjectIdNumber.trim() !== "" ? req.subjectIdNumber : undefined;
    const account = c.get("account");
    if (subject !== undefined) searches.take(account.username);
    const subjectDigest = subject === undefined ? undefined : digestOf(o.subjectKey, subject);
    const result = await searchAudit(
      {
        pool: o.pool,
        username: account.username,
        gateways: gatewaysAsked(c, req.gateway),
        ...(subjectDigest === undefined ? {} : { subjectDigest }),
      },
      withoutIdNumber(req),
    );
    o.log.info({
      event: "audit-search",
      username: account.username,
      bySubject: subjectDigest !== undefined,
      entries: result.entries.length,
    });
    return c.json(result);
  });

  app.get("/api/audit/proof", async (c) => {
    const scope = c.get("scope");
    const holder = scope.subjectDigestHex;
    if (holder === undefined) need(c, "audit");
    const gateway = c.req.query("gateway") ?? "";
    const [only] = gatewaysAsked(c, gateway);
    if (only === undefined || gateway === "") throw new ConsoleError("invalid-argument", "gateway is required");
    const proof = await inclusionProof(o.pool, only, Number(c.req.query("index") ?? "x"));
    // A holder may check the proof of an entry about them, and of nothing else.
    if (holder !== undefined && entrySubjectHex(proof.entryB64) !== holder) {
      throw new ConsoleError("forbidden", "that entry is not about you");
    }
    return c.json(proof);
  });

  app.get("/api/audit/correlation/:id", async (c) => {
    need(c, "audit");
    return c.json(await correlate(o.pool, c.get("account").username, c.get("scope").gateways, c.req.param("id")));
  });

  app.get("/api/grants", async (c) => {
    need(c, "grants");
    return c.json(await listGrants(o.pool, c.get("scope").gateways, c.req.query("status")));
  });

  // A POST: every view appends an audit entry at every gateway (the holder's own subject search).
  app.post("/api/my-data", async (c) => {
    need(c, "my-data");
    searches.take(c.get("account").username);
    const scope = c.get("scope");
    const hex = scope.subjectDigestHex;
    if (hex === undefined) throw new ConsoleError("forbidden", "this account names no data subject");
    const digest = Buffer.from(hex, "hex");
    const [grants, accesses] = await Promise.all([
      grantsOfSubject(o.pool, scope.gateways, digest, queryCorrelationId(c.get("account").username)),
      searchAudit(
        { pool: o.pool, username: c.get("account").username, gateways: scope.gateways, subjectDigest: digest },
        {},
      ),
    ]);
    const view: MyDataView = {
      subjectDigestHex: hex,
      grants,
      // Who touched my data, regulators' searches for it included; not this holder's own lookups,
      // told apart by what only the console's own entries carry (a caller picks its correlation id,
      // so that alone would let anyone hide from this list).
      accesses: accesses.entries.filter(
        (e) =>
          !(
            e.requesterParty === o.pool.party &&
            (e.reason === "audit-query" || e.reason === "grant-query") &&
            e.correlationId.startsWith(`console/${accountId(c.get("account").username)}/`)
          ),
      ),
    };
    return c.json(view);
  });

  app.get("/api/delivery", async (c) => {
    need(c, "delivery");
    return c.json(await listDelivery(o.pool, c.get("scope").gateways));
  });

  app.post("/api/delivery/replay", async (c) => {
    need(c, "delivery");
    const scope = c.get("scope");
    const req = await jsonBody<ReplayRequest>(c);
    if (typeof req.gateway !== "string" || typeof req.id !== "string" || !/^[1-9][0-9]{0,15}$/.test(req.id)) {
      throw new ConsoleError("invalid-argument", "gateway and a message id are required");
    }
    if (!scope.canReplay || !scope.gateways.includes(req.gateway)) {
      throw new ConsoleError("forbidden", "you may not replay that gateway's dead letters");
    }
    const result = await replayDeadLetter(o.pool, req.gateway, BigInt(req.id));
    o.log.info({
      event: "dead-letter-replayed",
      username: c.get("account").username,
      gateway: req.gateway,
      id: req.id,
    });
    return c.json(result);
  });

  app.get("/api/indicators", async (c) => {
    need(c, "indicators");
    return c.json(await readIndicators(o.pool, o.indicators, c.get("scope"), c.req.query("period"), o.now()));
  });

  app.all("/api/*", () => {
    throw new ConsoleError("not-found", "no such API");
  });
  app.use("*", serveStatic({ root: o.webRoot }));
  // Routes live after the "#", so any other path is the page's own 404; send the page.
  app.get("*", serveStatic({ root: o.webRoot, path: "index.html" }));
  return app;
}

function me(account: Account, scope: Scope): Me {
  return {
    username: account.username,
    displayName: account.displayName,
    role: account.role,
    ...(account.province === undefined ? {} : { province: account.province }),
    views: scope.views,
    gateways: scope.gateways,
  };
}

async function jsonBody<T>(c: Context): Promise<Partial<T>> {
  if (!(c.req.header("content-type") ?? "").startsWith("application/json")) {
    throw new ConsoleError("invalid-argument", "expected a JSON body");
  }
  try {
    const body: unknown = await c.req.json();
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Error("not an object");
    return body as Partial<T>;
  } catch {
    throw new ConsoleError("invalid-argument", "the body is not a JSON object");
  }
}

/** The subject digest (hex) inside an entry's bytes; "" when it names none. */
function entrySubjectHex(entryB64: string): string {
  return Buffer.from(AuditEntry.decode(Buffer.from(entryB64, "base64")).subjectDigest).toString("hex");
}

/** The request with the ID number taken out, so nothing downstream can log or echo it. */
function withoutIdNumber(req: Partial<AuditSearchRequest>): AuditSearchRequest {
  const { subjectIdNumber: _, ...rest } = req;
  return rest;
}

/** The keyed digest of an entered ID number; its error never repeats the number. */
function digestOf(subjectKey: Uint8Array, idNo: string): Uint8Array {
  try {
    return keyedSubjectDigest(subjectKey, idTypeResident, idNo);
  } catch {
    throw new ConsoleError("invalid-argument", "the ID number is not one that can be searched for");
  }
}
