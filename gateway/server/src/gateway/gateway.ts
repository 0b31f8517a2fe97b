import { mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { performance } from "node:perf_hooks";
import {
  createCosignatureSigner,
  createNoteSigner,
  createNoteVerifier,
  createWitnessConfig,
  merkleHasher,
} from "@hutong/audit";
import { parseCertificatePem } from "@hutong/certs";
import { type Credentials, createCrlFileSource, loadCredentialFiles } from "@hutong/client";
import {
  AuditServiceService,
  GatewayRole,
  GrantServiceService,
  InvoiceServiceService,
  LicenceServiceService,
  RegistryServiceService,
  SessionServiceService,
  TicketServiceService,
} from "@hutong/proto";
import {
  createCallVerifier,
  createHandshakeServer,
  createReplayWindow,
  createTicketKeyring,
  isSessionError,
  sessionPaths,
} from "@hutong/session";
import { createWireServer, type Route, statusName, type UnaryCall, type UnaryHandler } from "@hutong/wire";
import { trace } from "@opentelemetry/api";
import { startCheckpointPublisher } from "../audit/checkpoint-publisher.js";
import { type AuditLog, createAuditLog } from "../audit/index.js";
import { createWitnessClient } from "../audit/witness-client.js";
import type { GatewayConfig } from "../config/gateway-config.js";
import { createAuditEndpoint } from "../endpoints/audit-endpoint.js";
import { createGrantEndpoint, type GrantCaller } from "../endpoints/grant-endpoint.js";
import { createRegistryEndpoint } from "../endpoints/registry-endpoint.js";
import { createSessionEndpoint } from "../endpoints/session-endpoint.js";
import { createSessionMethods } from "../endpoints/session-method.js";
import { GatewayError } from "../gateway-error.js";
import { createGrantRegistry } from "../grants/grant-registry.js";
import { createPeerSessionFactory } from "../grants/peer-session-factory.js";
import { createHealthService } from "../health/health-service.js";
import { createLogger, type Logger } from "../observability/logger.js";
import { createTelemetry, type Telemetry } from "../observability/telemetry.js";
import { extractTraceContext, injectTraceContext } from "../observability/trace-context.js";
import { createExchangeHandler, type ExchangeOutcome, type RoutingState } from "../pipeline/exchange-handler.js";
import { createForwarder } from "../pipeline/forwarder.js";
import { relayFacts } from "../pipeline/relay-facts.js";
import { compileRelayPolicy } from "../pipeline/relay-policy.js";
import { createReflectionService, gatewayProtoFiles } from "../reflection/reflection-service.js";
import { checkHops } from "../routing/hops.js";
import { readExchangeContext } from "../routing/request-context.js";
import { createShareStep } from "../share/share-step.js";
import { type HutongStore, openStore, type StoredCheckpoint } from "../store/index.js";
import { startGatewayOutbox } from "./gateway-outbox.js";
import { mapError } from "./status-mapping.js";
import { readSubjectKey, readTicketKey } from "./ticket-key-files.js";

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
  /** The store holding this gateway's audit log, grants and witness state. */
  readonly store: HutongStore;
  readonly auditLog: AuditLog;
  /** Signs a checkpoint of the log's head now and has every witness cosign it (no back-off). */
  publishCheckpoint(): Promise<StoredCheckpoint>;
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
  // Everything opened from here on is closed again if a later step fails (a bad witness key, a port
  // in use), so a failed start leaves no timer, worker, pool or listener behind.
  const closers: (() => unknown)[] = [];
  try {
    const crlSource = createCrlFileSource(config.trust.crls, {
      initial: credentials.crls,
      refreshMs: config.trust.crlRefreshSeconds * 1000,
      onError: (err) => logger.warn({ err }, "CRL refresh failed; keeping the previous CRLs"),
    });
    closers.push(() => crlSource.close());
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
    if (options.telemetry === undefined) closers.push(() => telemetry.shutdown());
    const { metrics } = telemetry;
    metrics.setActiveSessionsSource(() => replayWindow.sessions);

    const store = await openGatewayStore(config, env);
    closers.push(() => store.close());
    const auditLog = createAuditLog({
      store,
      hasher: merkleHasher(store.hash),
      onCommit: (report) => {
        if (report.error !== undefined)
          logger.error({ err: report.error, entries: report.entries }, "audit commit failed");
      },
    });
    closers.push(() => auditLog.close());
    const subjectKey =
      config.grants.subjectKeyFile === undefined ? undefined : await readSubjectKey(config.grants.subjectKeyFile);
    if (subjectKey === undefined) {
      logger.warn("grants.subjectKeyFile is not set: shares that need a grant will be refused (record-unknown)");
    }
    // Witnessing: this gateway cosigns the checkpoints of the logs it is configured to watch, and
    // sends its own to its witnesses (docs/audit-checkpoints.md).
    const witnessConfig =
      config.audit.witnessing.length === 0
        ? undefined
        : createWitnessConfig({
            signer: createCosignatureSigner(`hutong/${config.party}/witness`, credentials.privateKey),
            logs: config.audit.witnessing.map((w) => ({ origin: w.origin, verifiers: [createNoteVerifier(w.key)] })),
          });
    const witnessClients = config.audit.witnesses.map((w) =>
      createWitnessClient({
        party: w.party,
        address: w.address,
        self: credentials,
        crls,
        maxMessageBytes: config.limits.maxMessageBytes,
        now,
      }),
    );
    // parseGatewayConfig fills in the default origin; the schema's type cannot say so.
    const origin = config.audit.origin ?? `hutong/${config.party}/audit/sm3`;
    closers.push(() => {
      for (const w of witnessClients) w.close();
    });
    const publisher = startCheckpointPublisher({
      reader: auditLog,
      signer: createNoteSigner(origin, credentials.privateKey),
      origin,
      intervalMs: config.audit.checkpointIntervalMs,
      witnesses: witnessClients,
      logger: logger.child({ component: "checkpoints" }),
      now,
    });

    closers.push(() => publisher.close());
    const holderTrustAnchors = (
      await Promise.all(config.grants.holderAnchors.map(async (p) => parseCertificatePem(await readFile(p, "utf8"))))
    ).flat();
    // Revocations go to every peer gateway this one routes to (as of the last reload), through the
    // store's outbox, so they survive a restart.
    const peersOf = (c: GatewayConfig) => [
      ...new Map(
        c.routeTable.entries.flatMap((e) =>
          e.target.kind === "peer"
            ? [[e.target.peerParty, { party: e.target.peerParty, address: e.target.address }]]
            : [],
        ),
      ).values(),
    ];
    let revocationPeers = peersOf(config);
    const outbox = startGatewayOutbox({
      store,
      config: config.outbox,
      revocationPeers: () => revocationPeers,
      connect: createPeerSessionFactory({
        self: credentials,
        crls,
        maxMessageBytes: config.limits.maxMessageBytes,
        now,
      }),
      logger,
      meter: telemetry.meter,
      now,
    });
    closers.push(() => outbox.close());
    const grants = createGrantRegistry({
      store,
      crls,
      trust: { trustAnchors: credentials.trust.trustAnchors, holderTrustAnchors },
      revocationPeers: () => revocationPeers.map((p) => p.party),
      onQueued: () => outbox.kick(),
    });
    const share = createShareStep({
      self: config.party,
      audit: auditLog,
      grants,
      ...(subjectKey === undefined ? {} : { subjectKey }),
      now,
    });

    let routing = routingStateOf(config);
    const forwarder = createForwarder({
      self: credentials,
      crls,
      maxMessageBytes: config.limits.maxMessageBytes,
      now,
    });
    closers.push(() => forwarder.close());
    const session = createSessionMethods({ verifier, crls, now });
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
      share,
      now,
    });

    /** Metrics, logs and the single error mapping around every handler. */
    function observed(
      method: string,
      run: (call: UnaryCall, outcome: ExchangeOutcome) => Promise<{ body: Buffer; trailers?: Record<string, string> }>,
    ): UnaryHandler {
      return async (call) => {
        const start = performance.now();
        const outcome: ExchangeOutcome = { method, route: "-" };
        try {
          const reply = await run(call, outcome);
          metrics.recordCall({
            method,
            route: outcome.route,
            status: "OK",
            durationMs: performance.now() - start,
          });
          return reply;
        } catch (e) {
          const mapped = mapError(e);
          const status = statusName(mapped.wire.code);
          metrics.recordCall({ method, route: outcome.route, status, durationMs: performance.now() - start });
          if (mapped.reason === "gateway/acl-denied") metrics.recordAclDecision({ decision: "deny", method });
          const facts = {
            method,
            status,
            reason: mapped.reason,
            caller: outcome.caller,
            origin: outcome.origin,
            target: outcome.context?.targetParty,
            purpose: outcome.context?.purpose,
            correlationId: outcome.context?.correlationId,
            route: outcome.route,
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
    const exposedServices = [
      SessionServiceService,
      ...exchangeServices,
      RegistryServiceService,
      GrantServiceService,
      AuditServiceService,
    ].map((s) => Object.values(s)[0]?.path.split("/")[1] ?? "");
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
          const verified = session.verify(call.path, call.metadata, call.body);
          outcome.caller = verified.clientParty;
          const body = answer(call.body);
          return { body, trailers: session.macTrailer(verified, body) };
        }),
      });
    }
    /**
     * A method this gateway answers itself (GrantService): session verified, the ACL applied to the
     * caller, method, purpose and target like any call, the answer MACed. A GrantService call for
     * another party's gateway (context.target_party) is routed there like an exchange call, so a
     * grant is registered, and its uses counted, where the records live.
     */
    function localOrRouted(path: string, answer: (body: Uint8Array, caller: GrantCaller) => Promise<Buffer>): Route {
      const method = path.slice(1);
      return {
        kind: "unary",
        handler: observed(method, async (call, outcome) => {
          if (readExchangeContext(call.body).targetParty !== config.party) return exchange.handle(call, outcome);
          const verified = session.verify(call.path, call.metadata, call.body);
          // A call relayed through the hub is decided on its origin, as exchange calls are.
          const { origin, hops } = relayFacts(call.metadata, verified, routing.relays);
          checkHops(hops, config.party, config.limits.maxHops);
          const context = readExchangeContext(call.body);
          outcome.caller = verified.clientParty;
          outcome.origin = origin;
          outcome.context = context;
          const decision = routing.acl.decide({
            caller: origin,
            method,
            purpose: context.purpose,
            target: context.targetParty,
          });
          if (!decision.allow) {
            throw new GatewayError("acl-denied", `ACL: ${origin} may not call ${method} for ${context.purpose}`);
          }
          const body = await answer(call.body, {
            party: origin,
            peer: { party: verified.clientParty, certSerial: verified.certSerialHex },
            hops,
            traceId: trace.getSpanContext(extractTraceContext(call.metadata))?.traceId ?? "",
          });
          return { body, trailers: session.macTrailer(verified, body) };
        }),
      };
    }
    for (const [path, answer] of createGrantEndpoint({ registry: grants, audit: auditLog, self: config.party, now })) {
      routes.set(path, localOrRouted(path, answer));
    }

    // AuditService. Queries, exports and inclusion proofs (which carry the entry) reveal who received
    // whose data: the ACL decides, for the purpose REGULATORY_SUPERVISION (what reading an audit log
    // is) and this gateway as the target. Checkpoints, consistency proofs and AddCheckpoint: any
    // member, as a transparency log's are public to its federation.
    const aclGuarded = new Set<string>([
      AuditServiceService.queryEntries.path,
      AuditServiceService.exportEntries.path,
      // It returns the entry itself: without the ACL, looping over indices would dump the log.
      AuditServiceService.proveInclusion.path,
    ]);
    const authorizeAudit = (path: string, caller: string) => {
      const method = path.slice(1);
      const request = { caller, method, purpose: "REGULATORY_SUPERVISION", target: config.party };
      if (aclGuarded.has(path) && !routing.acl.decide(request).allow) {
        throw new GatewayError("acl-denied", `ACL: ${caller} may not call ${method}`);
      }
    };
    for (const [path, method] of createAuditEndpoint({
      reader: auditLog,
      witness: witnessConfig === undefined ? undefined : { config: witnessConfig, store },
      now,
      logger: logger.child({ component: "witness" }),
    })) {
      const name = path.slice(1);
      if (method.kind === "unary") {
        routes.set(path, {
          kind: "unary",
          handler: observed(name, async (call, outcome) => {
            const verified = session.verify(call.path, call.metadata, call.body);
            outcome.caller = verified.clientParty;
            authorizeAudit(path, verified.clientParty);
            const body = await method.answer(call.body, { party: verified.clientParty });
            return { body, trailers: session.macTrailer(verified, body) };
          }),
        });
        continue;
      }
      routes.set(path, {
        kind: "stream",
        handler: async (call) => {
          try {
            return await session.serveStream(call, (body, verified, sink) => {
              authorizeAudit(path, verified.clientParty);
              return method.answer(body, { party: verified.clientParty }, sink);
            });
          } catch (e) {
            const mapped = mapError(e);
            if (mapped.internal !== undefined)
              logger.error({ method: name, err: mapped.internal }, "call failed: internal error");
            throw mapped.wire;
          }
        },
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
    closers.push(() => server.close(0));
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
      store,
      auditLog,
      publishCheckpoint: () => publisher.publishNow(),
      async reload(next) {
        routing = routingStateOf(next);
        revocationPeers = peersOf(next);
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
          await outbox.close();
          await publisher.close();
          for (const w of witnessClients) w.close();
          await auditLog.close();
          await store.close();
          if (options.telemetry === undefined) await telemetry.shutdown();
        })();
        return closing;
      },
    };
  } catch (error) {
    for (const close of closers.reverse())
      await Promise.resolve()
        .then(close)
        .catch(() => {});
    throw error;
  }
}

async function openGatewayStore(config: GatewayConfig, env: NodeJS.ProcessEnv): Promise<HutongStore> {
  const c = config.store;
  if (c.kind === "sqlite") {
    const path = c.path ?? "";
    await mkdir(dirname(path), { recursive: true });
    return openStore({ kind: "sqlite", path }, { hash: "sm3" });
  }
  const url = env[c.urlEnv];
  if (url === undefined || url === "") {
    throw new GatewayError(
      "invalid-credentials",
      `store: environment variable ${c.urlEnv} (the PostgreSQL URL) is not set`,
    );
  }
  return openStore(
    {
      kind: "postgres",
      url,
      schema: c.schema,
      maxConnections: c.maxConnections,
      applicationName: `hutong ${config.party}`,
    },
    { hash: "sm3" },
  );
}

function protoRootDir(): string {
  return new URL("../../../../proto/", import.meta.url).pathname;
}
