import { performance } from "node:perf_hooks";
import {
  GatewayRole,
  InvoiceServiceService,
  LicenceServiceService,
  RegistryServiceService,
  SessionServiceService,
  TicketServiceService,
} from "@hutong/proto";
import type { GatewayConfig } from "../config/gateway-config.js";
import { GatewayError } from "../gateway-error.js";
import { createHealthService } from "../health/health-service.js";
import { createLogger, type Logger } from "../observability/logger.js";
import { createTelemetry, type Telemetry } from "../observability/telemetry.js";
import { extractTraceContext, injectTraceContext } from "../observability/trace-context.js";
import { createExchangeHandler, type ExchangeOutcome, type RoutingState } from "../pipeline/exchange-handler.js";
import { createForwarder } from "../pipeline/forwarder.js";
import { compileRelayPolicy } from "../pipeline/relay-policy.js";
import { type Credentials, loadCredentialFiles } from "../pki-files/credential-files.js";
import { createCrlFileSource } from "../pki-files/crl-file-source.js";
import { createReflectionService, gatewayProtoFiles } from "../reflection/reflection-service.js";
import {
  createCallVerifier,
  createHandshakeServer,
  createReplayWindow,
  createTicketKeyring,
  isSessionError,
} from "../session/index.js";
import { sessionPaths } from "../session-rpc/session-messages.js";
import { statusName } from "../wire/grpc-status.js";
import { createWireServer, type Route, type UnaryCall, type UnaryHandler } from "../wire/wire-server.js";
import { createRegistryEndpoint } from "./registry-endpoint.js";
import { createSessionEndpoint } from "./session-endpoint.js";
import { mapError } from "./status-mapping.js";
import { readTicketKey } from "./ticket-key-files.js";

export const gatewayVersion = "0.1.0";

/** The exchange services: every method goes through the share pipeline. */
export const exchangeServices = [TicketServiceService, LicenceServiceService, InvoiceServiceService] as const;

export interface GatewayOptions {
  readonly config: GatewayConfig;
  readonly logger?: Logger;
  /** Default: created from config.observability (and shut down with the gateway). */
  readonly telemetry?: Telemetry;
  readonly now?: () => number;
  readonly env?: NodeJS.ProcessEnv;
}

export interface RunningGateway {
  readonly party: string;
  readonly address: { readonly host: string; readonly port: number };
  readonly telemetry: Telemetry;
  readonly credentials: Credentials;
  /** Applies a new config's routes, ACL and relays, and re-reads CRLs; listen address and keys need a restart. */
  reload(config: GatewayConfig): Promise<void>;
  close(): Promise<void>;
}

function routingStateOf(config: GatewayConfig): RoutingState {
  return { routes: config.routeTable, acl: config.acl, relays: compileRelayPolicy(config.relays) };
}

/** The composition root: wires the session core, pipeline, transport and observability from one validated config. */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { config } = options;
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createLogger({ level: config.observability.logLevel, party: config.party });
  const passphraseEnv = config.identity.passphraseEnv;
  const credentials = await loadCredentialFiles({
    chain: config.identity.chain,
    key: config.identity.key,
    ...(passphraseEnv === undefined ? {} : { passphrase: env[passphraseEnv] ?? "" }),
    anchors: config.trust.anchors,
    intermediates: config.trust.intermediates,
    crls: config.trust.crls,
  });
  if (credentials.partyId !== config.party) {
    throw new GatewayError(
      "invalid-credentials",
      `config says party ${config.party} but ${config.identity.chain} is a certificate of ${credentials.partyId}`,
    );
  }
  const { ticketKeys } = config.session;
  const keyring = createTicketKeyring({
    current: await readTicketKey(ticketKeys.current, env),
    ...(ticketKeys.previous === undefined ? {} : { previous: await readTicketKey(ticketKeys.previous, env) }),
  });
  const crlSource = createCrlFileSource(config.trust.crls, {
    initial: credentials.crls,
    refreshMs: config.trust.crlRefreshSeconds * 1000,
    onError: (err) => logger.warn({ err }, "CRL refresh failed; keeping the previous CRLs"),
  });
  const crls = crlSource.current;
  const clockSkewMs = config.session.clockSkewSeconds * 1000;
  const replayWindow = createReplayWindow({ clockSkewMs });
  const verifier = createCallVerifier({ keyring, replayWindow, clockSkewMs });
  const handshakeServer = createHandshakeServer({
    partyId: config.party,
    privateKey: credentials.privateKey,
    chain: credentials.chain,
    trust: credentials.trust,
    keyring,
    ticketLifetimeMs: config.session.ticketLifetimeSeconds * 1000,
  });

  const telemetry =
    options.telemetry ??
    (await createTelemetry({
      serviceName: "hutong-gateway",
      party: config.party,
      traceSampleRatio: config.observability.traceSampleRatio,
      ...(config.observability.prometheus === undefined ? {} : { prometheus: config.observability.prometheus }),
      ...(config.observability.otlp === undefined ? {} : { otlp: config.observability.otlp }),
    }));
  const { metrics } = telemetry;
  metrics.setActiveSessionsSource(() => replayWindow.sessions);

  let routing = routingStateOf(config);
  const forwarder = createForwarder({
    self: credentials,
    crls,
    maxMessageBytes: config.limits.maxMessageBytes,
    now,
  });
  const exchange = createExchangeHandler({
    self: config.party,
    maxHops: config.limits.maxHops,
    verifier,
    crls,
    routing: () => routing,
    forwarder,
    tracer: telemetry.tracer,
    extractTrace: extractTraceContext,
    injectTrace: injectTraceContext,
    now,
  });

  /** Metrics, logs and the single error mapping around every handler. */
  function observed(
    method: string,
    run: (
      call: UnaryCall,
      outcome: { current: ExchangeOutcome },
    ) => Promise<{ body: Buffer; trailers?: Record<string, string> }>,
  ): UnaryHandler {
    return async (call) => {
      const start = performance.now();
      const outcome = { current: { method, route: "-" } as ExchangeOutcome };
      try {
        const reply = await run(call, outcome);
        metrics.recordCall({
          method,
          route: outcome.current.route,
          status: "OK",
          durationMs: performance.now() - start,
        });
        return reply;
      } catch (e) {
        const mapped = mapError(e);
        const status = statusName(mapped.wire.code);
        metrics.recordCall({ method, route: outcome.current.route, status, durationMs: performance.now() - start });
        if (mapped.reason === "gateway/acl-denied") metrics.recordAclDecision({ decision: "deny", method });
        const facts = {
          method,
          status,
          reason: mapped.reason,
          caller: outcome.current.caller,
          origin: outcome.current.origin,
          target: outcome.current.context?.targetParty,
          purpose: outcome.current.context?.purpose,
          correlationId: outcome.current.context?.correlationId,
          route: outcome.current.route,
          peer: call.peer,
        };
        if (mapped.internal !== undefined)
          logger.error({ ...facts, err: mapped.internal }, "call failed: internal error");
        else logger.info(facts, "call refused");
        throw mapped.wire;
      }
    };
  }

  const routes = new Map<string, Route>();
  for (const service of exchangeServices) {
    for (const def of Object.values(service)) {
      const method = def.path.slice(1);
      routes.set(def.path, {
        kind: "unary",
        handler: observed(method, async (call, outcome) => {
          const reply = await exchange.handle(call, outcome);
          metrics.recordAclDecision({ decision: "allow", method });
          return reply;
        }),
      });
    }
  }
  for (const [path, handler] of createSessionEndpoint({ server: handshakeServer, crls, now })) {
    const method = path.slice(1);
    routes.set(path, {
      kind: "unary",
      handler: async (call) => {
        const start = performance.now();
        try {
          const reply = await handler(call);
          if (path === sessionPaths.finish) {
            metrics.recordHandshake({ outcome: "ok", durationMs: performance.now() - start });
          }
          return reply;
        } catch (e) {
          metrics.recordHandshake({
            outcome: "failed",
            reason: isSessionError(e) ? e.code : "internal",
            durationMs: performance.now() - start,
          });
          return observed(method, () => Promise.reject(e))(call);
        }
      },
    });
  }
  const startedAt = new Date(now());
  const exposedServices = [SessionServiceService, ...exchangeServices, RegistryServiceService].map(
    (s) => Object.values(s)[0]?.path.split("/")[1] ?? "",
  );
  for (const [path, answer] of createRegistryEndpoint({
    party: config.party,
    role: config.party === "mot" ? GatewayRole.GATEWAY_ROLE_HUB : GatewayRole.GATEWAY_ROLE_PROVINCE,
    version: gatewayVersion,
    services: [...exposedServices, "grpc.health.v1.Health"],
    startedAt,
    routes: () => routing.routes,
  })) {
    routes.set(path, {
      kind: "unary",
      // Any authenticated member may read the registry (as X-Road members read the global
      // configuration); the ACL governs the exchange services.
      handler: observed(path.slice(1), async (call, outcome) => {
        const verified = verifier.verify({
          method: call.path,
          metadata: call.metadata,
          requestBytes: call.body,
          now: now(),
          crls: crls(),
        });
        outcome.current = { ...outcome.current, caller: verified.clientParty };
        const body = answer(call.body);
        return { body, trailers: { "hutong-mac": Buffer.from(verified.responseMac(body)).toString("hex") } };
      }),
    });
  }
  const health = createHealthService();
  for (const [path, route] of health.routes) routes.set(path, route);
  if (config.reflection) {
    for (const [path, route] of createReflectionService({ protoRoot: protoRootDir(), files: gatewayProtoFiles })
      .routes) {
      routes.set(path, route);
    }
  }

  const server = createWireServer({
    resolve: (path) => routes.get(path),
    maxMessageBytes: config.limits.maxMessageBytes,
    maxConcurrentStreams: config.limits.maxConcurrentStreams,
    onInternalError: (err: unknown) => logger.error({ err }, "internal error in the wire layer"),
  });
  const address = await server.listen(config.listen.host, config.listen.port);
  health.setStatus("", "SERVING");
  logger.info(
    { address: `${address.host}:${address.port}`, routes: config.routeTable.entries.length },
    "gateway listening",
  );

  let closing: Promise<void> | undefined;
  return {
    party: config.party,
    address,
    telemetry,
    credentials,
    async reload(next) {
      routing = routingStateOf(next);
      forwarder.retain(next.routeTable.entries);
      await crlSource.refresh().catch((err: unknown) => logger.warn({ err }, "CRL re-read failed on reload"));
      logger.info({ routes: next.routeTable.entries.length }, "configuration reloaded");
    },
    close() {
      closing ??= (async () => {
        health.shutdown();
        await server.close(2000);
        forwarder.close();
        crlSource.close();
        if (options.telemetry === undefined) await telemetry.shutdown();
      })();
      return closing;
    },
  };
}

function protoRootDir(): string {
  return new URL("../../../proto/", import.meta.url).pathname;
}
