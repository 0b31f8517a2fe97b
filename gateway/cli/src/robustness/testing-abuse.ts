// What the abuse cases share: tampering transports, session clients of any party against the gateway
// process, how a refusal is read, and what every case ends with (an RSS bound, a legitimate call).
import assert from "node:assert/strict";
import {
  createGrpcJsTransport,
  createSessionClient,
  loadCredentialFiles,
  type SessionClient,
  type UnaryTransport,
} from "@hutong/client";
import { sampleTickets } from "@hutong/gateway/dev";
import { Purpose, TicketServiceService, type VerifyTicketRequest } from "@hutong/proto";
import { isWireError, Status } from "@hutong/wire";
import { type GatewayProcess, owner } from "./testing-robustness.js";

/**
 * The gateway process's resident set after any case, in MiB. It idles at about 190 MiB (Node, tsx
 * compiling the sources it runs from, OpenTelemetry, SQLite); the bound leaves room for the
 * buffers of a flood in progress, not for a leak that grows with the number of bad inputs.
 */
export const rssBoundMiB = 384;

/**
 * Log bytes a case may add while it runs, whatever its number of bad inputs: one line for each of
 * its few conditions (the counted repeats come later, one summary line per condition per minute).
 */
export const caseLogBoundBytes = 8 * 1024;

export interface Refusal {
  readonly code: number;
  readonly message: string;
  readonly trailers: Readonly<Record<string, string>>;
}

/** How a call failed; fails the test if it succeeded or failed with something not a gRPC status. */
export async function refusal(call: Promise<unknown>): Promise<Refusal> {
  try {
    await call;
  } catch (e) {
    assert.ok(isWireError(e), `expected a gRPC status, got ${String(e)}`);
    return { code: e.code, message: e.message, trailers: { ...e.trailers } };
  }
  assert.fail("the call succeeded but should have been refused");
}

/** Asserts a refusal's status and, for a session failure, its hutong-error code. */
export function assertRefused(r: Refusal, code: number, sessionCode?: string, what = ""): void {
  assert.equal(r.code, code, `${what}: status ${r.code} (${r.message}), expected ${code}`);
  assert.equal(r.trailers["hutong-error"], sessionCode, `${what}: hutong-error`);
  if (sessionCode !== undefined) assert.equal(r.message, `session: ${sessionCode}`, what);
}

/** A transport that lets a case rewrite what goes out (body, metadata) on one path. */
export function tamper(
  t: UnaryTransport,
  o: {
    readonly path: string;
    readonly body?: (b: Buffer) => Buffer;
    readonly metadata?: (m: Record<string, string>) => Record<string, string>;
  },
): UnaryTransport {
  return {
    unary(path, body, metadata, options) {
      const hit = path === o.path;
      return t.unary(
        path,
        hit && o.body !== undefined ? o.body(body) : body,
        hit && o.metadata !== undefined ? o.metadata({ ...metadata }) : metadata,
        options,
      );
    },
    close: () => t.close(),
  };
}

/** A session client of `party` to the gateway process (or `serverParty` through `transport`). */
export async function sessionOf(
  gw: GatewayProcess,
  party: string,
  o: {
    readonly wrap?: (t: UnaryTransport) => UnaryTransport;
    readonly now?: () => number;
    readonly transport?: UnaryTransport;
    readonly serverParty?: string;
  } = {},
): Promise<SessionClient> {
  const creds = await loadCredentialFiles({ ...gw.pki.party(party), anchors: [gw.pki.rootCert], crls: gw.pki.crls });
  const base = o.transport ?? createGrpcJsTransport(gw.address);
  return createSessionClient({
    transport: o.wrap === undefined ? base : o.wrap(base),
    serverParty: o.serverParty ?? owner,
    privateKey: creds.privateKey,
    chain: creds.chain,
    trust: creds.trust,
    crls: () => creds.crls,
    ...(o.now === undefined ? {} : { now: o.now }),
  });
}

export const verifyPath = TicketServiceService.verifyTicket.path;

/**
 * One genuine boarding check by `party`, sent and answered, and what an eavesdropper on the link
 * took of it: the exact metadata and body bytes (on an SM4 session the body is ciphertext, and
 * the MAC covers it). The session is closed again.
 */
export async function capturedCall(
  gw: GatewayProcess,
  party: string,
): Promise<{ readonly metadata: Record<string, string>; readonly body: Buffer }> {
  let metadata: Record<string, string> = {};
  let body: Buffer = Buffer.alloc(0);
  const s = await sessionOf(gw, party, {
    wrap: (t) =>
      tamper(t, {
        path: verifyPath,
        body: (b) => {
          body = b;
          return b;
        },
        metadata: (m) => {
          metadata = m;
          return m;
        },
      }),
  });
  try {
    await s.call(verifyPath, boardingCheck());
  } finally {
    s.close();
  }
  return { metadata, body };
}

/** A boarding check of the owner's sample ticket (no personal field in the answer), as bytes. */
export function boardingCheck(overrides: Partial<VerifyTicketRequest> = {}): Buffer {
  return Buffer.from(
    TicketServiceService.verifyTicket.requestSerialize({
      context: { targetParty: owner, purpose: Purpose.PURPOSE_BOARDING_CHECK, grantId: "", correlationId: "abuse" },
      ticketNo: sampleTickets("510000")[0]?.ticketNo ?? "",
      holderIdType: 0,
      holderIdNo: "",
      holderName: "",
      scheduleNo: "",
      ...overrides,
    }),
  );
}

export const flipHex = (hex: string): string => (hex === "" ? "00" : `${hex[0] === "0" ? "1" : "0"}${hex.slice(1)}`);

/** The log lines (JSON) the process wrote after `from` (an offset into its output). */
export function logLines(gw: GatewayProcess, from = 0): Record<string, unknown>[] {
  return gw
    .output()
    .slice(from)
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export interface CaseFigures {
  readonly rssMiB: number;
  readonly logBytes: number;
}

/**
 * What every case ends with: the process's RSS under the bound, a legitimate call that succeeds,
 * and (for a case that started at `logFrom`) at most `caseLogBoundBytes` of log written meanwhile.
 */
export async function endOfCase(gw: GatewayProcess, what: string, logFrom?: number): Promise<CaseFigures> {
  const rssMiB = await gw.rssMiB();
  assert.ok(rssMiB < rssBoundMiB, `${what}: RSS ${rssMiB.toFixed(0)} MiB, bound ${rssBoundMiB} MiB`);
  await gw.legitimateCall();
  const logBytes = logFrom === undefined ? 0 : Buffer.byteLength(gw.output().slice(logFrom));
  assert.ok(logBytes <= caseLogBoundBytes, `${what}: ${logBytes} log bytes, bound ${caseLogBoundBytes}`);
  return { rssMiB, logBytes };
}

export { Status };
