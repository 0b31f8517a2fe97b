import { type FaultCounts, type PartnerFaults, startPartnerServer } from "@hutong/partner-http";
import { partnerCodes } from "../protocol/partner-api.js";
import { partnerHeaders } from "../protocol/partner-headers.js";
import { airShape } from "./air-shape.js";
import type { JourneySummary } from "./journey.js";
import { journeyAdmin } from "./journey-admin.js";
import { JourneyStore } from "./journey-store.js";
import { handlePartnerRequest } from "./partner-api-handlers.js";
import type { PartnerProtocolName, PartnerShape } from "./partner-shape.js";
import { railShape } from "./rail-shape.js";
import type { ConnectorAccess } from "./road-leg-asker.js";

// The rail or air partner's simulator: a separate HTTP server that plays the partner (its feed of
// notices about its journeys, the leg query, and its questions to the connector), its own SQLite
// store behind it and faults injected in front of it. One implementation, two protocol shapes.

const shapes: Readonly<Record<PartnerProtocolName, PartnerShape>> = { rail: railShape, air: airShape };

/** A partner's party name: "rail:cr", "air:ca". */
export const partyPattern = /^(rail|air):[0-9a-z][0-9a-z-]{0,31}$/;

export interface PartnerSimulatorOptions {
  readonly protocol: PartnerProtocolName;
  /** The partner's party, of the protocol's kind: "rail:cr", "air:ca". */
  readonly party: string;
  readonly dbPath: string;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** App key → secret as hex: who may call the partner's API. */
  readonly appKeys: Readonly<Record<string, string>>;
  readonly faults?: Partial<PartnerFaults>;
  /** The fault PRNG's seed; default 1. */
  readonly seed?: number;
  /** The partner's clock, ms since the epoch. */
  readonly now?: () => number;
  /** The connector's API for the partner, for admin ask-road. */
  readonly connector?: ConnectorAccess;
}

/** What the simulator has done. Store counts are of the database; traffic counts since this process started. */
export interface PartnerSimulatorStats {
  readonly protocol: PartnerProtocolName;
  readonly party: string;
  readonly journeys: number;
  readonly notices: number;
  readonly acked: number;
  readonly pending: number;
  /** API requests received, by path (every one: refused, faulty or not). */
  readonly requests: Readonly<Record<string, number>>;
  /** Faults injected; reorderedAnswer counts pairs of crossed answers. */
  readonly faults: FaultCounts;
}

export interface RunningPartnerSimulator {
  /** "http://127.0.0.1:PORT". */
  readonly url: string;
  readonly port: number;
  /** Changes some fault settings; throws when they are not valid. */
  setFaults(f: Partial<PartnerFaults>): void;
  faults(): PartnerFaults;
  journeys(): JourneySummary[];
  stats(): PartnerSimulatorStats;
  /** Stops listening, drops every connection (held ones too) and closes the store. */
  close(): Promise<void>;
}

export async function startPartnerSimulator(options: PartnerSimulatorOptions): Promise<RunningPartnerSimulator> {
  const shape = shapes[options.protocol];
  if (shape === undefined) throw new TypeError("the protocol is rail or air");
  if (!partyPattern.test(options.party) || !options.party.startsWith(`${options.protocol}:`)) {
    throw new TypeError(`the party is "${options.protocol}:" and a lowercase name`);
  }
  const now = options.now ?? Date.now;
  const store = new JourneyStore(options.dbPath, { protocol: options.protocol, party: options.party });
  let closed = false;

  const stats = (): PartnerSimulatorStats => ({
    protocol: options.protocol,
    party: options.party,
    ...store.counts(),
    requests: server.requests(),
    faults: server.faultCounts(),
  });

  const server = await startPartnerServer({
    name: `${options.protocol} partner simulator`,
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
    appKeys: options.appKeys,
    headers: partnerHeaders,
    codes: partnerCodes,
    apiPrefix: shape.apiPrefix,
    paths: Object.values(shape.paths),
    handle: (path, body) => handlePartnerRequest(shape, store, path, body),
    admin: journeyAdmin({ shape, store, now, connector: options.connector, stats }),
    ...(options.faults === undefined ? {} : { faults: options.faults }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    now,
  }).catch((e: unknown) => {
    store.close();
    throw e;
  });

  return {
    url: server.url,
    port: server.port,
    setFaults: (f) => server.setFaults(f),
    faults: () => server.faults(),
    journeys: () => store.summaries(),
    stats,
    close: async () => {
      if (closed) return;
      closed = true;
      await server.close();
      store.close();
    },
  };
}
