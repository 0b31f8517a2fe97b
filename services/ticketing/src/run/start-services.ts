import type * as grpc from "@grpc/grpc-js";
import type { HutongClient } from "@hutong/client";
import type { OutboxDispatcher, TopicPolicy } from "@hutong/gateway/outbox";
import {
  InvoiceServiceService,
  Purpose,
  TaxpayerType,
  type Ticket,
  type TicketEvent,
  TicketEventKind,
} from "@hutong/proto";
import {
  atRestSealer,
  connectGateway,
  type GatewayConnection,
  gatewayTopic,
  listen,
  readHexKey,
  type ServiceLog,
  serviceDispatcher,
  topicPolicyOf,
} from "@hutong/service-kit";
import { createEventRouter, defaultEventRoutes, type EventRoute } from "../emission/event-routes.js";
import { startInvoiceFollowUp } from "../invoicing/invoice-follow-up.js";
import {
  checkInvoiceSettings,
  invoiceMessages,
  invoiceRoleOf,
  ticketInvoicesTopic,
} from "../invoicing/invoice-messages.js";
import type { InvoiceSettings } from "../invoicing/invoice-settings.js";
import { createMinistryServer } from "../ministry/ministry-service.js";
import { gatewayTopics } from "../province/gateway-topics.js";
import { createProvinceServer } from "../province/province-service.js";
import { registryReport } from "../province/registry-report.js";
import {
  type AnyMinistryStore,
  type AnyProvinceStore,
  openMinistryStore,
  openProvinceStore,
} from "../store/open-stores.js";
import { startLegCheck } from "../through/leg-check.js";
import { TicketingError } from "../ticketing-error.js";
import type { MinistryServiceConfig, ProvinceServiceConfig } from "./service-config.js";

export interface RunningProvinceService {
  readonly address: string;
  readonly store: AnyProvinceStore;
  readonly dispatcher: OutboxDispatcher;
  readonly server: grpc.Server;
  close(): Promise<void>;
}

export interface RunningMinistryService {
  readonly address: string;
  readonly store: AnyMinistryStore;
  readonly server: grpc.Server;
  close(): Promise<void>;
}

const enumValue = (e: object, name: string): number => (e as Record<string, number>)[name] as number;

function eventRoutesOf(config: ProvinceServiceConfig): readonly EventRoute[] {
  if (config.eventRoutes === undefined) {
    return defaultEventRoutes.map((r) => (r.to === "mot/statistics" ? { ...r, to: config.statistics } : r));
  }
  return config.eventRoutes.map((r) => ({
    kinds: r.kinds === "all" ? "all" : r.kinds.map((k) => enumValue(TicketEventKind, k) as TicketEventKind),
    to: r.to,
    form: r.form,
    purpose: enumValue(Purpose, r.purpose) as Purpose,
  }));
}

/**
 * A province e-ticket service: its store, its gRPC server, and the outbox dispatcher that delivers
 * its events through its own gateway under its own certificate. The registry goes to the ministry
 * once per content.
 */
export async function startProvinceService(
  config: ProvinceServiceConfig,
  log: ServiceLog,
  now: () => number = Date.now,
): Promise<RunningProvinceService> {
  const router = createEventRouter(config.province, eventRoutesOf(config), (p) =>
    config.routeParty.replace("{province}", p),
  );
  const sealKey = await readHexKey(config.sealKeyFile, (m) => new TicketingError("invalid-config", m));
  const invoicing = invoicingOf(config, sealKey);
  const store = await openProvinceStore(config.store, {
    invoices: invoicing?.planner,
    party: config.party,
    province: config.province,
    sealKey,
    stations: config.stations,
    routes: config.routes.map((r) => ({ code: r.code, customised: r.customised })),
    router,
  });
  // A service that cannot start (credentials, its port) leaves nothing open behind it.
  const undo: (() => unknown)[] = [() => store.close()];
  let started: Omit<RunningProvinceService, "close" | "store"> & { readonly link: GatewayConnection };
  try {
    const link = await connectGateway(config.gateway);
    undo.push(() => link.close());
    const client = link.client;
    const policy = topicPolicyOf(config.outbox);
    const dispatcher = serviceDispatcher(
      config.party,
      store.outbox,
      [
        ...gatewayTopics(() => client, policy),
        ...(invoicing === undefined ? [] : [invoicing.topic(() => client, policy)]),
      ],
      config.outbox,
      now,
    );
    undo.push(() => dispatcher.close());
    if (invoicing !== undefined) {
      const followUp = startInvoiceFollowUp({
        store,
        client: () => client,
        party: invoicing.settings.party,
        intervalMs: invoicing.followUpMs,
        now,
        onError: (e) => log.error("asking for invoice numbers failed; asking again later", e),
      });
      undo.push(() => followUp.close());
    }
    // Through journeys' legs checked against their partners' (a journey's first notice starts it).
    const legCheck = startLegCheck({
      store,
      client: () => client,
      intervalMs: config.through.checkIntervalMs,
      minTransferMs: config.through.minTransferMinutes * 60_000,
      now,
      onError: (e) => log.error("checking a through journey's legs failed; checking again later", e),
    });
    undo.push(() => legCheck.close());
    const server = createProvinceServer({
      store,
      log,
      now,
      enqueued: () => dispatcher.kick(),
      legMismatches: () => legCheck.mismatches(),
    });
    const address = await listen(server, config.listen.port, config.listen.host);
    // The registry goes to the ministry when the events do (a service that reports no statistics,
    // as `hutong start --dev`'s, sends nothing).
    if (eventRoutesOf(config).some((r) => r.form === "statistics")) {
      const reg = registryReport(
        config.party,
        config.statistics,
        Purpose.PURPOSE_REGULATORY_SUPERVISION,
        store.stations,
        store.routes,
      );
      if ((await store.enqueueRegistry(reg.key, config.statistics, reg.payload, now())) > 0) dispatcher.kick();
    }
    started = { address, dispatcher, server, link };
  } catch (e) {
    for (const u of undo.reverse()) await Promise.resolve(u()).catch(() => {});
    throw e;
  }
  const { address, dispatcher, server, link } = started;
  return {
    address,
    store,
    dispatcher,
    server,
    async close() {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      for (const u of undo.slice(2).reverse()) await Promise.resolve(u());
      link.close();
      await store.close();
    },
  };
}

/** The invoicing of a province that has `invoicing:` configured: its planner, topic and settings. */
function invoicingOf(config: ProvinceServiceConfig, sealKey: Uint8Array) {
  const c = config.invoicing;
  if (c === undefined) return undefined;
  const settings: InvoiceSettings = {
    party: c.party,
    seller: {
      taxId: c.seller.taxId,
      name: c.seller.name,
      taxpayerType:
        c.seller.taxpayerType === "general"
          ? TaxpayerType.TAXPAYER_TYPE_GENERAL
          : TaxpayerType.TAXPAYER_TYPE_SMALL_SCALE,
    },
    taxRate: c.taxRate,
    taxClassificationCode: c.taxClassificationCode,
    itemName: c.itemName,
    clerk: c.clerk,
    refundWithFee: c.refundWithFee,
  };
  const problem = checkInvoiceSettings(settings);
  if (problem !== undefined) throw new TicketingError("invalid-config", problem);
  // The requests name the traveller: sealed in the outbox, opened only to be sent.
  const sealer = atRestSealer(sealKey);
  return {
    settings,
    followUpMs: c.followUpMs,
    planner: (event: TicketEvent, ticket: Ticket) =>
      invoiceMessages(settings, event, ticket, (payload, key) => sealer.seal(payload, key)),
    topic: (client: () => HutongClient, policy: TopicPolicy) =>
      gatewayTopic(
        ticketInvoicesTopic,
        (m) =>
          invoiceRoleOf(m.idempotencyKey) === "red"
            ? InvoiceServiceService.reverseInvoice.path
            : InvoiceServiceService.issueInvoice.path,
        client,
        policy,
        (payload, key) => sealer.open(payload, key),
      ),
  };
}

/** The ministry's statistics service: its store and its gRPC server. */
export async function startMinistryService(
  config: MinistryServiceConfig,
  log: ServiceLog,
): Promise<RunningMinistryService> {
  const store = await openMinistryStore(config.store);
  const server = createMinistryServer(store, log);
  const address = await listen(server, config.listen.port, config.listen.host);
  return {
    address,
    store,
    server,
    async close() {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await store.close();
    },
  };
}
