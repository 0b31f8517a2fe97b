import { StoreError } from "../port/store-error.js";

// Page tokens are opaque to callers but plain inside: a kind tag and the last
// key served, base64url. The tag keeps an audit token from being replayed as a
// grant token. Nothing secret is in them (the caller saw that key on the page).

type TokenKind = "audit" | "grant" | "outbox";
const tags: Record<TokenKind, string> = { audit: "a1:", grant: "g1:", outbox: "o1:" };

export function encodePageToken(kind: TokenKind, key: string | number): string {
  return Buffer.from(`${tags[kind]}${key}`, "utf8").toString("base64url");
}

/** The audit index the next page starts below (newest first). */
export function decodeAuditPageToken(token: string): number {
  const body = decode("audit", token);
  const n = Number(body);
  if (!/^(0|[1-9][0-9]{0,15})$/.test(body) || !Number.isSafeInteger(n)) throw badToken();
  return n;
}

/** The outbox message id the next page starts after (ascending). */
export function decodeOutboxPageToken(token: string): number {
  const body = decode("outbox", token);
  const n = Number(body);
  if (!/^[1-9][0-9]{0,15}$/.test(body) || !Number.isSafeInteger(n)) throw badToken();
  return n;
}

/** The grant id the next page starts after (ascending). */
export function decodeGrantPageToken(token: string): string {
  const body = decode("grant", token);
  if (body.length === 0) throw badToken();
  return body;
}

function decode(kind: TokenKind, token: string): string {
  if (!/^[A-Za-z0-9_-]{1,1024}$/.test(token)) throw badToken();
  const text = Buffer.from(token, "base64url").toString("utf8");
  if (!text.startsWith(tags[kind])) throw badToken();
  return text.slice(tags[kind].length);
}

function badToken(): StoreError {
  return new StoreError("invalid-argument", "malformed page token");
}
