import { randomBytes } from "node:crypto";
import { type FaultCounts, type ServerAnswer, startPartnerServer } from "@hutong/partner-http";
import { taxCodes, taxHeaders, taxPaths } from "../protocol/tax-api.js";
import { type InvoiceSummary, SimulatorStore } from "./simulator-store.js";
import { handleChannelRequest, isChannelPath } from "./tax-channel-handlers.js";
import type { TaxFaults } from "./tax-faults.js";

// The tax channel simulator: a separate HTTP server that plays the partner as the partner would,
// its own SQLite store behind it, and faults injected in front of it. The server, the signature
// check and the faults are the partner kit's (startPartnerServer); here are the channel's
// handlers (tax-channel-handlers.ts) on /api/, and /admin/invoices and /admin/stats.

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

export async function startTaxSimulator(options: TaxSimulatorOptions): Promise<RunningTaxSimulator> {
  const region = options.region ?? "51";
  if (!/^\d{2}$/.test(region)) throw new TypeError("the region is 2 digits");
  const store = new SimulatorStore(options.dbPath);
  let duplicateSerials = 0;
  let closed = false;

  const handle = (path: string, body: unknown, now: number): ServerAnswer => {
    if (!isChannelPath(path)) return { status: 404, body: { code: taxCodes.malformed, msg: "no such path" } };
    const reply = handleChannelRequest(
      { store, now, region, newSlipId: () => randomBytes(16).toString("hex") },
      path,
      body,
    );
    if (reply.answer.code === taxCodes.duplicateSerial) duplicateSerials += 1;
    return { status: reply.status, body: reply.answer };
  };

  const stats = (): SimulatorStats => ({
    ...store.counts(),
    requests: server.requests(),
    duplicateSerials,
    faults: server.faultCounts(),
  });

  const admin = (method: string, path: string): ServerAnswer | undefined => {
    if (method !== "GET") return undefined;
    if (path === "/admin/invoices") return { status: 200, body: { invoices: store.invoices() } };
    if (path === "/admin/stats") return { status: 200, body: stats() };
    return undefined;
  };

  const server = await startPartnerServer({
    name: "tax simulator",
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
    appKeys: options.appKeys,
    headers: taxHeaders,
    codes: taxCodes,
    apiPrefix: "/api/",
    paths: Object.values(taxPaths),
    handle,
    admin,
    ...(options.faults === undefined ? {} : { faults: options.faults }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.now === undefined ? {} : { now: options.now }),
  }).catch((e: unknown) => {
    store.close();
    throw e;
  });

  return {
    url: server.url,
    port: server.port,
    setFaults: (f) => server.setFaults(f),
    faults: () => server.faults(),
    invoices: () => store.invoices(),
    stats,
    close: async () => {
      if (closed) return;
      closed = true;
      await server.close();
      store.close();
    },
  };
}
