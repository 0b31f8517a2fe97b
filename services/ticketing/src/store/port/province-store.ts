import type { OutboxStore } from "@hutong/gateway/outbox";
import type {
  DeliveredTicketEvent,
  EventResult,
  ReconcileEntry,
  RouteProfile,
  StationProfile,
  Ticket,
  TicketEvent,
  TicketStatusChange,
} from "@hutong/proto";
import type { EventRouter } from "../../emission/event-routes.js";
import type { CountedEvent } from "../../statistics/indicators.js";
import type { InvoicePlanner } from "../../upload/plan-upload.js";

// The province e-ticket service's store, whatever keeps it: SQLite (one file, one writer) by
// default, PostgreSQL by config. Both decide an upload with planUpload (upload/plan-upload.ts) in
// the transaction that writes it, and answer only after the commit.

/** Where a service keeps its store: a SQLite file, or a schema of a PostgreSQL database. */
export type StoreLocation = string | { readonly postgres: PostgresLocation };

export interface PostgresLocation {
  /** postgresql://user@host:port/database */
  readonly url: string;
  /** The PostgreSQL schema the service's tables live in, created if absent ([a-z_][a-z0-9_]{0,62}). */
  readonly schema: string;
  /** The pool's size (default 8). */
  readonly maxConnections?: number | undefined;
}

export interface ProvinceStoreOptions {
  /** This service's party ("prov:510000/ticketing") and its province's code ("510000"). */
  readonly party: string;
  readonly province: string;
  /** 32 bytes: the key tickets are sealed with at rest. */
  readonly sealKey: Uint8Array;
  readonly stations: readonly StationProfile[];
  readonly routes: readonly RouteProfile[];
  readonly router: EventRouter;
  /** The invoice requests an applied event calls for; none when the province does not invoice. */
  readonly invoices?: InvoicePlanner | undefined;
}

export interface UploadResult {
  readonly ackedSeq: bigint;
  readonly results: readonly EventResult[];
  /** Messages written to the outbox: wake the dispatcher when > 0. */
  readonly enqueued: number;
}

export interface ReceiveResult {
  readonly applied: number;
  readonly duplicates: number;
}

/** An invoice request's standing as the tax connector last told it (invoicing/invoice-follow-up.ts). */
export interface InvoiceStanding {
  readonly key: string;
  readonly ticketNo: string;
  /** "requested": sent, no invoice known yet; "failed": the channel refused it (it may be replayed). */
  readonly state: "requested" | "issued" | "failed";
  readonly invoiceNo: string;
}

/** The province service's store (openProvinceStore). Every method answers after its commit. */
export interface ProvinceStore {
  readonly kind: "sqlite" | "postgres";
  readonly party: string;
  readonly province: string;
  readonly stations: readonly StationProfile[];
  readonly routes: readonly RouteProfile[];
  /** The outbox the store's transactions write to, for the dispatcher. */
  readonly outbox: OutboxStore;
  /** One station system's batch (checked by checkBatch first): all of it in one transaction. */
  upload(source: string, events: readonly TicketEvent[], nowMs: number): Promise<UploadResult>;
  /** Another province's events, each applied once (inbox), a ticket's versions in order. */
  receive(sender: string, events: readonly DeliveredTicketEvent[], nowMs: number): Promise<ReceiveResult>;
  /** The registry message for the ministry, enqueued once per registry content. */
  enqueueRegistry(registryKey: string, destination: string, payload: Uint8Array, nowMs: number): Promise<number>;
  ticket(ticketNo: string): Promise<Ticket | undefined>;
  status(ticketNo: string): Promise<TicketStatusChange | undefined>;
  changesSince(since: bigint, limit: number): Promise<TicketStatusChange[]>;
  lastSeq(): Promise<bigint>;
  /** The last sequence number of `source` durably taken (0 before its first). */
  ackedSeq(source: string): Promise<bigint>;
  stationDay(stationCode: string, day: string): Promise<ReconcileEntry[]>;
  /** Every applied event as the indicators count it (the province's side of stats_match). */
  countedEvents(): Promise<CountedEvent[]>;
  /** The upload sources of through journeys (`rail:cr/journey/<id>`), one per journey: what the leg check walks. */
  journeySources(): Promise<string[]>;
  /** Invoice requests with no invoice yet, the longest unasked first. */
  invoicesAwaiting(limit: number): Promise<{ readonly key: string; readonly ticketNo: string }[]>;
  /**
   * What the connector said of each request; a blue invoice's number goes onto its ticket (the
   * ticket's version does not change: its lifecycle did not). An unchanged "requested" is asked again later.
   */
  recordInvoiceStandings(standings: readonly InvoiceStanding[], nowMs: number): Promise<void>;
  close(): Promise<void>;
}
