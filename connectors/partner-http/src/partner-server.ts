import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import type { EnvelopeCodes } from "./partner-envelope.js";
import {
  decideFault,
  defaultPartnerFaults,
  type FaultCounts,
  type FaultDecision,
  mergeFaults,
  type PartnerFaults,
} from "./partner-faults.js";
import { RequestAuthenticator } from "./request-authenticator.js";
import { schemaProblems } from "./schema-problems.js";
import { seededRandom } from "./seeded-random.js";
import type { SignatureHeaders } from "./signature-headers.js";

// A simulated partner channel's HTTP server: a real server a connector reaches over the network,
// with faults injected in front of the channel's own handlers. Under `apiPrefix` is the channel's
// API: POST JSON, signed, faulty on demand. /admin/ is for tests and chaos runs: unsigned (a
// simulator listens on loopback), never faulty. The caller gives the handlers; the kit does the
// HTTP, the signature check, the faults and their counts.

/** A handler's answer: an HTTP status and a JSON body. */
export interface ServerAnswer {
  readonly status: number;
  readonly body: unknown;
}

export interface PartnerServerOptions {
  /** Names the server in its log lines ("tax simulator"). */
  readonly name: string;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** App key → secret as hex. */
  readonly appKeys: Readonly<Record<string, string>>;
  readonly headers: SignatureHeaders;
  readonly codes: EnvelopeCodes;
  /** Where the API lives ("/api/"): a request under it is counted, checked and faulty; any other is 404. */
  readonly apiPrefix: string;
  /** The API's paths, each under `apiPrefix`. */
  readonly paths: Iterable<string>;
  /** Answers an authentic request on one of `paths`; `body` is its parsed JSON, `now` the channel's clock. */
  readonly handle: (path: string, body: unknown, now: number) => ServerAnswer;
  /**
   * Answers an /admin/ request the kit does not (it answers /admin/faults); undefined when there is
   * no such route. `body` is the parsed JSON, undefined when empty.
   */
  readonly admin?: (
    method: string,
    path: string,
    body: unknown,
  ) => ServerAnswer | undefined | Promise<ServerAnswer | undefined>;
  readonly faults?: Partial<PartnerFaults>;
  /** The fault PRNG's seed; default 1. */
  readonly seed?: number;
  /** The channel's clock, ms since the epoch. */
  readonly now?: () => number;
}

export interface RunningPartnerServer {
  /** "http://127.0.0.1:PORT". */
  readonly url: string;
  readonly port: number;
  /** Changes some fault settings; throws when they are not valid. */
  setFaults(f: Partial<PartnerFaults>): void;
  faults(): PartnerFaults;
  /** API requests received since start, by path (every one: refused, faulty or not). */
  requests(): Record<string, number>;
  /** Faults injected since start; reorderedAnswer counts pairs of crossed answers. */
  faultCounts(): FaultCounts;
  /** Stops listening and drops every connection, held ones too. */
  close(): Promise<void>;
}

/** An answer as it goes on the wire. */
interface WireAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** How long a request hit by timeoutAfterEffect is held before the server closes it. */
const holdMs = 120_000;
/** How long a reordered answer waits for another answer to cross with. */
const reorderWaitMs = 300;
/** The largest body read; a larger one is refused unread. */
export const maxBodyBytes = 1 << 20;
const jsonType = "application/json; charset=utf-8";
const utf8 = new TextDecoder("utf-8", { fatal: true });

function json(status: number, value: unknown): WireAnswer {
  return { status, contentType: jsonType, body: JSON.stringify(value) };
}

/** What a failing gateway in front of the channel sends: a page, not an envelope. */
function gatewayErrorPage(status: 500 | 502 | 503): WireAnswer {
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

export async function startPartnerServer(options: PartnerServerOptions): Promise<RunningPartnerServer> {
  const { codes, apiPrefix } = options;
  const paths = new Set(options.paths);
  for (const p of paths) if (!p.startsWith(apiPrefix)) throw new TypeError(`the path ${p} is not under ${apiPrefix}`);
  const now = options.now ?? Date.now;
  let faults = mergeFaults(defaultPartnerFaults, options.faults ?? {});
  const random = seededRandom(options.seed ?? 1);
  const auth = new RequestAuthenticator({ appKeys: options.appKeys, headers: options.headers, codes });

  const requests: Record<string, number> = {};
  const faultCounts = { down: 0, slow: 0, error5xx: 0, timeoutAfterEffect: 0, duplicateAnswer: 0, reorderedAnswer: 0 };
  /** The last API answer sent: what a duplicateAnswer fault replays. */
  let lastAnswer: WireAnswer | undefined;
  /** A reordered answer waiting for another to cross with. */
  let waiting:
    | { readonly answer: WireAnswer; readonly res: ServerResponse; readonly timer: NodeJS.Timeout }
    | undefined;
  /** Delays under way (slowMs), ended at once by close. */
  const delays = new Map<NodeJS.Timeout, () => void>();
  let closed = false;

  const envelope = (status: number, code: string, msg: string) => json(status, { code, msg });

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        delays.delete(timer);
        resolve();
      }, ms);
      delays.set(timer, resolve);
    });

  const write = (res: ServerResponse, answer: WireAnswer) => {
    if (res.destroyed) return;
    res.writeHead(answer.status, {
      "content-type": answer.contentType,
      "content-length": Buffer.byteLength(answer.body),
    });
    res.end(answer.body);
  };

  /** Sends an API answer, remembered for a later duplicateAnswer fault. */
  const send = (res: ServerResponse, answer: WireAnswer) => {
    lastAnswer = answer;
    write(res, answer);
  };

  /** Sends an API answer that is ready; a reordered answer waiting meanwhile is crossed with it. */
  const finish = (res: ServerResponse, answer: WireAnswer) => {
    const other = waiting;
    if (other === undefined) return send(res, answer);
    waiting = undefined;
    clearTimeout(other.timer);
    faultCounts.reorderedAnswer += 1;
    send(other.res, answer);
    send(res, other.answer);
  };

  /** A reordered answer waits up to reorderWaitMs for another answer to cross with. */
  const hold = (res: ServerResponse, answer: WireAnswer) => {
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
  const apply = (req: IncomingMessage, path: string, body: Buffer): WireAnswer => {
    if (!paths.has(path)) return envelope(404, codes.malformed, "no such path");
    const refusal = auth.check("POST", path, req.headers, body, now());
    if (refusal !== undefined) return envelope(401, refusal.code, refusal.msg);
    let parsed: unknown;
    try {
      parsed = JSON.parse(utf8.decode(body));
    } catch {
      return envelope(400, codes.malformed, "the body is not UTF-8 JSON");
    }
    if (closed) throw new Error("the server is closed");
    const answer = options.handle(path, parsed, now());
    return json(answer.status, answer.body);
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
      return finish(res, envelope(405, codes.malformed, "only POST"));
    }
    // Decided on arrival, in arrival order: the same seed and the same traffic give the same faults.
    const decision: FaultDecision = paths.has(path) ? decideFault(faults, random) : { kind: "none" };
    const body = await readBody(req);
    let answer: WireAnswer;
    if (body === undefined) answer = envelope(400, codes.malformed, "the body is larger than 1 MiB");
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

  const serveAdmin = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    const method = req.method ?? "GET";
    if (method === "GET" && path === "/admin/faults") {
      req.resume();
      return write(res, json(200, faults));
    }
    const raw = await readBody(req);
    if (raw === undefined) return write(res, envelope(400, codes.malformed, "the body is larger than 1 MiB"));
    let body: unknown;
    try {
      body = raw.length === 0 ? undefined : JSON.parse(utf8.decode(raw));
    } catch {
      return write(res, envelope(400, codes.malformed, "the body is not JSON"));
    }
    if (method === "POST" && path === "/admin/faults") {
      try {
        faults = mergeFaults(faults, body);
      } catch (e) {
        if (!(e instanceof z.ZodError)) throw e;
        return write(res, envelope(400, codes.malformed, schemaProblems(e)));
      }
      return write(res, json(200, faults));
    }
    const answer = await options.admin?.(method, path, body);
    if (answer === undefined) return write(res, envelope(404, codes.malformed, "no such admin path or method"));
    write(res, json(answer.status, answer.body));
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://simulator").pathname;
    const serveOther = async () => {
      req.resume();
      write(res, envelope(404, codes.malformed, "no such path"));
    };
    const served = path.startsWith(apiPrefix)
      ? serveApi(req, res, path)
      : path.startsWith("/admin/")
        ? serveAdmin(req, res, path)
        : serveOther();
    served.catch((e: unknown) => {
      if (closed) return;
      // The error's name only: a message could carry request content.
      console.error(`${options.name}: ${e instanceof Error ? e.name : "error"} serving a request`);
      if (!res.headersSent) write(res, { status: 500, contentType: "text/plain", body: "internal error" });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
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
    requests: () => ({ ...requests }),
    faultCounts: () => ({ ...faultCounts }),
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
    },
  };
}
