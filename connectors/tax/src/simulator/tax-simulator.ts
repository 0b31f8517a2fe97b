import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { type TaxAnswer, taxCodes } from "../protocol/tax-api.js";
import { RequestAuthenticator } from "./simulator-auth.js";
import {
  decideFault,
  defaultTaxFaults,
  type FaultCounts,
  type FaultDecision,
  mergeFaults,
  seededRandom,
  type TaxFaults,
} from "./simulator-faults.js";
import { type InvoiceSummary, SimulatorStore } from "./simulator-store.js";
import { handleChannelRequest, isChannelPath } from "./tax-channel-handlers.js";
import { schemaProblems } from "./tax-request-schemas.js";

// The tax channel simulator: a separate HTTP server that plays the partner as the partner would,
// its own SQLite store behind it, and faults injected in front of it. /api/ is the channel
// (tax-api.ts): signed, faulty on demand. /admin/ is for tests and the chaos run: unsigned (the
// simulator listens on loopback), never faulty.

export interface TaxSimulatorOptions {
  readonly dbPath: string;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** App key → secret as hex. */
  readonly appKeys: Readonly<Record<string, string>>;
  /** The 2-digit region in invoice numbers; default "51" (Sichuan). */
  readonly region?: string;
  readonly faults?: Partial<TaxFaults>;
  /** The fault PRNG's seed; default 1. */
  readonly seed?: number;
  /** The channel's clock, ms since the epoch. */
  readonly now?: () => number;
}

/** What the simulator has done. Store counts are of the database; traffic counts since this process started. */
export interface SimulatorStats {
  readonly blue: number;
  readonly red: number;
  readonly confirmations: number;
  /** /api/ requests received, by path (every one: refused, faulty or not). */
  readonly requests: Readonly<Record<string, number>>;
  /** Answers 2001 (流水号重复). */
  readonly duplicateSerials: number;
  /** Faults injected; reorderedAnswer counts pairs of crossed answers. */
  readonly faults: FaultCounts;
}

export interface RunningTaxSimulator {
  /** "http://127.0.0.1:PORT". */
  readonly url: string;
  readonly port: number;
  /** Changes some fault settings; throws when they are not valid. */
  setFaults(f: Partial<TaxFaults>): void;
  faults(): TaxFaults;
  invoices(): InvoiceSummary[];
  stats(): SimulatorStats;
  /** Stops listening, drops every connection (held ones too) and closes the store. */
  close(): Promise<void>;
}

/** An answer as it goes on the wire. */
interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** How long a request hit by timeoutAfterEffect is held before the simulator closes it. */
const holdMs = 120_000;
/** How long a reordered answer waits for another answer to cross with. */
const reorderWaitMs = 300;
const maxBodyBytes = 1 << 20;
const jsonType = "application/json; charset=utf-8";
const utf8 = new TextDecoder("utf-8", { fatal: true });

function json(status: number, value: unknown): Answer {
  return { status, contentType: jsonType, body: JSON.stringify(value) };
}

function envelope(status: number, code: string, msg: string): Answer {
  return json(status, { code, msg } satisfies TaxAnswer<never>);
}

/** What a failing gateway in front of the channel sends: a page, not an envelope. */
function gatewayErrorPage(status: 500 | 502 | 503): Answer {
  const title = {
    500: "500 Internal Server Error",
    502: "502 Bad Gateway",
    503: "503 Service Temporarily Unavailable",
  }[status];
  return {
    status,
    contentType: "text/html",
    body: `<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center><hr><center>nginx</center></body></html>`,
  };
}

/** The body, or undefined when it is larger than `maxBodyBytes` (the rest is then discarded). */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) {
      req.resume();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function startTaxSimulator(options: TaxSimulatorOptions): Promise<RunningTaxSimulator> {
  const region = options.region ?? "51";
  if (!/^\d{2}$/.test(region)) throw new TypeError("the region is 2 digits");
  const now = options.now ?? Date.now;
  let faults = mergeFaults(defaultTaxFaults, options.faults ?? {});
  const random = seededRandom(options.seed ?? 1);
  const auth = new RequestAuthenticator(options.appKeys);
  const store = new SimulatorStore(options.dbPath);

  const requests: Record<string, number> = {};
  let duplicateSerials = 0;
  const faultCounts = { down: 0, slow: 0, error5xx: 0, timeoutAfterEffect: 0, duplicateAnswer: 0, reorderedAnswer: 0 };
  /** The last /api/ answer sent: what a duplicateAnswer fault replays. */
  let lastAnswer: Answer | undefined;
  /** A reordered answer waiting for another to cross with. */
  let waiting: { readonly answer: Answer; readonly res: ServerResponse; readonly timer: NodeJS.Timeout } | undefined;
  /** Delays under way (slowMs), ended at once by close. */
  const delays = new Map<NodeJS.Timeout, () => void>();
  let closed = false;

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        delays.delete(timer);
        resolve();
      }, ms);
      delays.set(timer, resolve);
    });

  const write = (res: ServerResponse, answer: Answer) => {
    if (res.destroyed) return;
    res.writeHead(answer.status, {
      "content-type": answer.contentType,
      "content-length": Buffer.byteLength(answer.body),
    });
    res.end(answer.body);
  };

  /** Sends an /api/ answer, remembered for a later duplicateAnswer fault. */
  const send = (res: ServerResponse, answer: Answer) => {
    lastAnswer = answer;
    write(res, answer);
  };

  /** Sends an /api/ answer that is ready; a reordered answer waiting meanwhile is crossed with it. */
  const finish = (res: ServerResponse, answer: Answer) => {
    const other = waiting;
    if (other === undefined) return send(res, answer);
    waiting = undefined;
    clearTimeout(other.timer);
    faultCounts.reorderedAnswer += 1;
    send(other.res, answer);
    send(res, other.answer);
  };

  /** A reordered answer waits up to reorderWaitMs for another answer to cross with. */
  const hold = (res: ServerResponse, answer: Answer) => {
    if (waiting !== undefined) return finish(res, answer);
    const timer = setTimeout(() => {
      if (waiting?.res !== res) return;
      waiting = undefined;
      send(res, answer);
    }, reorderWaitMs);
    waiting = { answer, res, timer };
  };

  /** Never answers: the connection stays open until the client gives up, or holdMs. */
  const neverAnswer = (req: IncomingMessage) => {
    const socket = req.socket;
    const timer = setTimeout(() => socket.destroy(), holdMs);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
  };

  /** The request's effect: its answer as the channel, unfaulty, gives it. */
  const apply = (req: IncomingMessage, path: string, body: Buffer): Answer => {
    if (!isChannelPath(path)) return envelope(404, taxCodes.malformed, "no such path");
    const refusal = auth.check("POST", path, req.headers, body, now());
    if (refusal !== undefined) return envelope(401, refusal.code, refusal.msg);
    let parsed: unknown;
    try {
      parsed = JSON.parse(utf8.decode(body));
    } catch {
      return envelope(400, taxCodes.malformed, "the body is not UTF-8 JSON");
    }
    if (closed) throw new Error("the simulator is closed");
    const reply = handleChannelRequest(
      { store, now: now(), region, newSlipId: () => randomBytes(16).toString("hex") },
      path,
      parsed,
    );
    if (reply.answer.code === taxCodes.duplicateSerial) duplicateSerials += 1;
    return json(reply.status, reply.answer);
  };

  const serveApi = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    requests[path] = (requests[path] ?? 0) + 1;
    if (faults.down) {
      faultCounts.down += 1;
      req.socket.destroy();
      return;
    }
    if (req.method !== "POST") {
      req.resume();
      return finish(res, envelope(405, taxCodes.malformed, "only POST"));
    }
    // Decided on arrival, in arrival order: the same seed and the same traffic give the same faults.
    const decision: FaultDecision = isChannelPath(path) ? decideFault(faults, random) : { kind: "none" };
    const body = await readBody(req);
    let answer: Answer;
    if (body === undefined) answer = envelope(400, taxCodes.malformed, "the body is larger than 1 MiB");
    else if (decision.kind === "error5xx") {
      faultCounts.error5xx += 1;
      answer = gatewayErrorPage(decision.status);
    } else answer = apply(req, path, body);
    if (decision.kind === "timeoutAfterEffect") {
      faultCounts.timeoutAfterEffect += 1;
      return neverAnswer(req);
    }
    if (faults.slowMs > 0) {
      faultCounts.slow += 1;
      await delay(faults.slowMs);
    }
    if (decision.kind === "duplicateAnswer" && lastAnswer !== undefined) {
      faultCounts.duplicateAnswer += 1;
      answer = lastAnswer;
    }
    if (decision.kind === "reorder") return hold(res, answer);
    finish(res, answer);
  };

  const stats = (): SimulatorStats => ({
    ...store.counts(),
    requests: { ...requests },
    duplicateSerials,
    faults: { ...faultCounts },
  });

  const serveAdmin = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    const get = req.method === "GET";
    if (get && path === "/admin/invoices") return write(res, json(200, { invoices: store.invoices() }));
    if (get && path === "/admin/stats") return write(res, json(200, stats()));
    if (get && path === "/admin/faults") return write(res, json(200, faults));
    if (req.method === "POST" && path === "/admin/faults") {
      const body = await readBody(req);
      try {
        faults = mergeFaults(faults, JSON.parse(utf8.decode(body ?? Buffer.alloc(0))));
      } catch (e) {
        const msg = e instanceof z.ZodError ? schemaProblems(e) : "the body is not JSON";
        return write(res, envelope(400, taxCodes.malformed, msg));
      }
      return write(res, json(200, faults));
    }
    req.resume();
    return write(res, envelope(404, taxCodes.malformed, "no such admin path or method"));
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://simulator").pathname;
    const serveOther = async () => {
      req.resume();
      write(res, envelope(404, taxCodes.malformed, "no such path"));
    };
    const served = path.startsWith("/api/")
      ? serveApi(req, res, path)
      : path.startsWith("/admin/")
        ? serveAdmin(req, res, path)
        : serveOther();
    served.catch((e: unknown) => {
      if (closed) return;
      // The error's name only: a message could carry request content.
      console.error(`tax simulator: ${e instanceof Error ? e.name : "error"} serving a request`);
      if (!res.headersSent) write(res, { status: 500, contentType: "text/plain", body: "internal error" });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  }).catch((e: unknown) => {
    store.close();
    throw e;
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    setFaults: (f) => {
      faults = mergeFaults(faults, f);
    },
    faults: () => faults,
    invoices: () => store.invoices(),
    stats,
    close: async () => {
      if (closed) return;
      closed = true;
      if (waiting !== undefined) clearTimeout(waiting.timer);
      waiting = undefined;
      for (const [timer, resolve] of delays) {
        clearTimeout(timer);
        resolve();
      }
      delays.clear();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await stopped;
      store.close();
    },
  };
}
