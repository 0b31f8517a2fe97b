import { readFile } from "node:fs/promises";
import { parseCertificatePem, sm2SignAsync } from "@hutong/certs";
import { type Credentials, createCrlFileSource, loadCredentialFiles } from "@hutong/client";
import { contractServices, GatewayRole } from "@hutong/proto";
import {
  createCallVerifier,
  createHandshakeAdmission,
  createHandshakeServer,
  createReplayWindow,
  createTicketKeyring,
} from "@hutong/session";
import { createWireServer, type Route } from "@hutong/wire";
import type { AuditLog } from "../audit/audit-log.js";
import type { GatewayConfig } from "../config/gateway-config.js";
import { createAuditEndpoint } from "../endpoints/audit-endpoint.js";
import { createGrantEndpoint } from "../endpoints/grant-endpoint.js";
import { createOutboxAdminEndpoint } from "../endpoints/outbox-admin-endpoint.js";
import { createPlaintextPolicy } from "../endpoints/plaintext-policy.js";
import { GatewayError } from "../gateway-error.js";
import { createGrantRegistry } from "../grants/grant-registry.js";
import { createPeerSessionFactory, type RevocationPeer } from "../grants/peer-session-factory.js";
import { createHealthService } from "../health/health-service.js";
import { createConditionLog } from "../observability/condition-log.js";
import { errorKind } from "../observability/error-kind.js";
import { createLogger, type Logger } from "../observability/logger.js";
import {
  countForkAlarms,
  createOperationalMetrics,
  credentialAuthorities,
  credentialCertificates,
  crlFreshness,
  tlsCertificates,
} from "../observability/operational-metrics.js";
import { createTelemetry, type Telemetry } from "../observability/telemetry.js";
import { extractTraceContext, injectTraceContext } from "../observability/trace-context.js";
import { createWitnessDisagreements } from "../observability/witness-states.js";
import type { ConnectorKind } from "../outbox/connector-kind.js";
import { createCallAuthorizer } from "../pipeline/call-authorizer.js";
import { createExchangeHandler } from "../pipeline/exchange-handler.js";
import { createForwarder } from "../pipeline/forwarder.js";
import { compileRelayPolicy } from "../pipeline/relay-policy.js";
import type { RoutingState } from "../pipeline/routing-state.js";
import { createSessionMethods } from "../pipeline/session-methods.js";
import { createReflectionService } from "../reflection/reflection-service.js";
import type { Annotator } from "../share/annotated-release.js";
import { createShareStep } from "../share/share-step.js";
import type { HutongStore, StoredCheckpoint } from "../store/index.js";
import { createCallObserver } from "./call-observer.js";
import { startGatewayOutbox } from "./gateway-outbox.js";
import { startHostedConnectors } from "./hosted-connectors.js";
import { openGatewayStore } from "./open-gateway-store.js";
import { createOperationalFactsSource } from "./operational-facts-source.js";
import type { PeerLink } from "./peer-link.js";
import { createResourceStack } from "./resource-stack.js";
import { auditRoutes } from "./routes/audit-routes.js";
import { exchangeRoutes } from "./routes/exchange-routes.js";
import { grantRoutes } from "./routes/grant-routes.js";
import { outboxAdminRoutes } from "./routes/outbox-admin-routes.js";
import { registryRoutes } from "./routes/registry-routes.js";
import type { RouteList } from "./routes/route-list.js";
import { withSessionAdmission } from "./routes/session-admission.js";
import { sessionRoutes } from "./routes/session-routes.js";
import { startSharedReplayWindow } from "./shared-replay.js";
import { startAuditLog } from "./start-audit-log.js";
import { readSubjectKey, readTicketKeys } from "./ticket-key-files.js";

export const gatewayVersion = "0.1.0";

export interface GatewayOptions {
  readonly config: GatewayConfig;
  readonly logger?: Logger;
  /** Default: created from config.observability (and shut down with the gateway). */
  readonly telemetry?: Telemetry;
  readonly now?: () => number;
  readonly env?: NodeJS.ProcessEnv;
  /** The connector kinds `connectors:` may name (docs/connectors.md); the gateway itself knows none. */
  readonly connectorKinds?: readonly ConnectorKind[];
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

const gatewayRoles: Readonly<Record<GatewayConfig["role"], GatewayRole>> = {
  province: GatewayRole.GATEWAY_ROLE_PROVINCE,
  hub: GatewayRole.GATEWAY_ROLE_HUB,
  "all-in-one": GatewayRole.GATEWAY_ROLE_ALL_IN_ONE,
};

function routingStateOf(config: GatewayConfig): RoutingState {
  return { routes: config.routeTable, acl: config.acl, relays: compileRelayPolicy(config.relays) };
}

/** The peer gateways this one routes to, as of a config: where revocations are passed on. */
function peersOf(config: GatewayConfig): RevocationPeer[] {
  const peers = new Map<string, RevocationPeer>();
  for (const { target } of config.routeTable.entries) {
    if (target.kind === "peer") {
      const { peerParty: party, address, tls, plaintext } = target;
      peers.set(party, { party, address, ...(tls === undefined ? {} : { tls }), ...(plaintext ? { plaintext } : {}) });
    }
  }
  return [...peers.values()];
}

/**
 * This gateway's signing of annotated copies (docs/annotated-copies.md): its party, its chain and
 * its identity key, on the thread pool. None when the config switches annotated copies off.
 */
function annotatorOf(config: GatewayConfig, credentials: Credentials): Annotator | undefined {
  if (!config.annotations.enabled) return undefined;
  return {
    party: config.party,
    chain: credentials.chain,
    validityMs: config.annotations.validityDays * 86_400_000,
    sign: (message) => sm2SignAsync(credentials.privateKey, message),
  };
}

async function loadCredentials(config: GatewayConfig, env: NodeJS.ProcessEnv): Promise<Credentials> {
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
  return credentials;
}

/**
 * The composition root: builds the session core, the audit log, grants, the share pipeline and
 * observability from one validated config, and serves them through the route modules in
 * ./routes. Everything opened goes on one resource stack, closed newest first on close() or when a
 * later step of the start fails, so a failed start leaves no timer, worker, pool or listener.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { config } = options;
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createLogger({ level: config.observability.logLevel, party: config.party });
  const credentials = await loadCredentials(config, env);
  const keyring = createTicketKeyring(await readTicketKeys(config.session.ticketKeys, env));
  const resources = createResourceStack();
  try {
    // Closed last: the counts of everything that happened until then are written on shutdown.
    const conditions = createConditionLog({ logger });
    resources.defer(() => conditions.close());
    const crlSource = createCrlFileSource(config.trust.crls, {
      initial: credentials.crls,
      refreshMs: config.trust.crlRefreshSeconds * 1000,
      onError: (err) => logger.warn({ err }, "CRL refresh failed; keeping the previous CRLs"),
    });
    resources.defer(() => crlSource.close());
    const crls = crlSource.current;
    const clockSkewMs = config.session.clockSkewSeconds * 1000;
    const replayWindow = createReplayWindow({ clockSkewMs });
    const { handshake } = config.session;
    const handshakeServer = createHandshakeServer({
      partyId: config.party,
      privateKey: credentials.privateKey,
      chain: credentials.chain,
      trust: credentials.trust,
      keyring,
      ticketLifetimeMs: config.session.ticketLifetimeSeconds * 1000,
      acceptPlaintext: createPlaintextPolicy(config.session.acceptPlaintext),
      admission: createHandshakeAdmission({
        maxConcurrent: handshake.maxConcurrent,
        ...(handshake.perAddress === null ? {} : { perAddress: handshake.perAddress }),
        ...(handshake.perParty === null ? {} : { perParty: handshake.perParty }),
      }),
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
    if (options.telemetry === undefined) resources.defer(() => telemetry.shutdown());
    const { metrics } = telemetry;
    metrics.setActiveSessionsSource(() => replayWindow.sessions);

    const store = await openGatewayStore(config, env);
    resources.defer(() => store.close());
    const sharedReplay = startSharedReplayWindow(config, store, { ttlMs: 2 * clockSkewMs, now, logger });
    if (sharedReplay !== undefined) resources.defer(() => sharedReplay.close());
    const session = createSessionMethods({
      verifier: createCallVerifier({ keyring, replayWindow, clockSkewMs }),
      crls,
      now,
      ...(sharedReplay === undefined ? {} : { sharedReplay }),
    });
    const peerLink: PeerLink = { self: credentials, crls, maxMessageBytes: config.limits.maxMessageBytes, now };
    // What the alert rules read (deploy/prometheus/rules/hutong-alerts.yml). Read before the audit
    // log starts, so nothing awaits between startAuditLog and createOperationalMetrics below.
    const ownCertificates = [
      ...credentialCertificates(credentials),
      ...(config.listen.tls === undefined ? [] : tlsCertificates(await readFile(config.listen.tls.certFile))),
    ];
    const authorities = credentialAuthorities(credentials);
    // Each witness's last disagreement, for GetGatewayInfo; the metrics count them.
    const disagreements = createWitnessDisagreements(now);
    const { auditLog, publisher, origin, verifierKey, witness } = startAuditLog({
      config,
      credentials,
      store,
      peerLink,
      logger,
      resources,
      now,
      // `operational` is created on the next statement, before the publisher's first tick.
      onWitnessDisagreement: (d) => {
        disagreements.record(d);
        operational.recordWitnessDisagreement(d);
      },
    });
    const operational = createOperationalMetrics(telemetry.meter, {
      certificates: () => ownCertificates,
      crls: () => crlFreshness(crlSource.current(), authorities),
      audit: {
        log: auditLog,
        witnesses: config.audit.witnesses.map((w) => w.party),
        witnessing: config.audit.witnessing.map((w) => w.origin),
      },
      now,
    });
    const operationalFacts = createOperationalFactsSource({
      chain: credentials.chain,
      crls: () => crlSource.current(),
      authorities,
      audit: { log: auditLog, origin, verifierKey },
      witnesses: {
        parties: config.audit.witnesses.map((w) => w.party),
        requests: () => publisher.witnesses(),
        disagreements,
      },
    });

    const subjectKey =
      config.grants.subjectKeyFile === undefined ? undefined : await readSubjectKey(config.grants.subjectKeyFile);
    if (subjectKey === undefined) {
      logger.warn("grants.subjectKeyFile is not set: shares that need a grant will be refused (record-unknown)");
    }
    const holderTrustAnchors = (
      await Promise.all(config.grants.holderAnchors.map(async (p) => parseCertificatePem(await readFile(p, "utf8"))))
    ).flat();
    // Revocations go to every peer gateway this one routes to (as of the last reload), through the
    // outbox, so they survive a restart.
    let revocationPeers = peersOf(config);
    let kickOutbox = () => {};
    const connectors = await startHostedConnectors({
      config,
      kinds: options.connectorKinds ?? [],
      store,
      kick: () => kickOutbox(),
      env,
      logger,
      now,
    });
    resources.defer(() => connectors.close());
    const outbox = startGatewayOutbox({
      topics: connectors.topics,
      store,
      config: config.outbox,
      revocationPeers: () => revocationPeers,
      connect: createPeerSessionFactory(peerLink),
      logger,
      meter: telemetry.meter,
      now,
    });
    resources.defer(() => outbox.close());
    kickOutbox = () => outbox.kick();
    const grants = createGrantRegistry({
      store,
      crls,
      trust: { trustAnchors: credentials.trust.trustAnchors, holderTrustAnchors },
      revocationPeers: () => revocationPeers.map((p) => p.party),
      onQueued: () => outbox.kick(),
    });

    const annotator = annotatorOf(config, credentials);
    let routing = routingStateOf(config);
    const forwarder = createForwarder({ ...peerLink, connectors: connectors.call });
    resources.defer(() => forwarder.close());
    const authorizer = createCallAuthorizer({
      self: config.party,
      maxHops: config.limits.maxHops,
      session,
      routing: () => routing,
    });
    const exchange = createExchangeHandler({
      self: config.party,
      authorizer,
      session,
      routing: () => routing,
      forwarder,
      tracer: telemetry.tracer,
      extractTrace: extractTraceContext,
      injectTrace: injectTraceContext,
      share: createShareStep({
        self: config.party,
        audit: auditLog,
        grants,
        ...(subjectKey === undefined ? {} : { subjectKey }),
        now,
        ...(annotator === undefined ? {} : { annotator }),
      }),
    });

    const observer = createCallObserver({ metrics, conditions });
    const local = { self: config.party, authorizer, session, observer };
    const health = createHealthService();
    // Methods that need a session are admitted on their headers before their body is read.
    const sessionChecked = (list: RouteList) => withSessionAdmission(list, { session, observer });
    const routes = new Map<string, Route>([
      ...sessionRoutes({ server: handshakeServer, crls, now, metrics, observer }),
      ...sessionChecked(exchangeRoutes({ exchange, metrics, observer })),
      ...sessionChecked(
        registryRoutes({
          ...local,
          role: gatewayRoles[config.role],
          version: gatewayVersion,
          services: [...contractServices.map((s) => s.name), "grpc.health.v1.Health"],
          startedAt: new Date(now()),
          routes: () => routing.routes,
          operations: operationalFacts,
        }),
      ),
      ...sessionChecked(
        grantRoutes({
          ...local,
          endpoint: createGrantEndpoint({ registry: grants, audit: auditLog, self: config.party, now }),
          exchange,
        }),
      ),
      ...sessionChecked(
        auditRoutes({
          ...local,
          endpoint: createAuditEndpoint({
            reader: auditLog,
            witness: witness === undefined ? undefined : { config: witness, store },
            queryAudit: { self: config.party, sink: auditLog },
            now,
            logger: countForkAlarms(logger.child({ component: "witness" }), operational),
          }),
        }),
      ),
      ...sessionChecked(
        outboxAdminRoutes({
          ...local,
          endpoint: createOutboxAdminEndpoint({
            store,
            self: config.party,
            breakers: () => outbox.breakers(),
            kick: () => outbox.kick(),
            now,
          }),
        }),
      ),
      ...health.routes,
      ...(config.reflection ? createReflectionService().routes : []),
    ]);

    const server = createWireServer({
      resolve: (path) => routes.get(path),
      limits: config.limits,
      // One line per limit per interval, with its count (observability/condition-log.ts), keyed by
      // the limit's closed name, never by the peer; and a metric per limit.
      onLimit: (e) => {
        metrics.recordWireLimit(e.limit);
        conditions.report(`wire-limit\0${e.limit}`, () => ({
          level: "warn",
          message: "wire limit hit",
          facts: { limit: e.limit, peer: e.peer },
        }));
      },
      onInternalError: (err: unknown) => {
        const kind = errorKind(err);
        conditions.report(`wire-internal\0${kind}`, () => ({
          level: "error",
          message: "internal error in the wire layer",
          facts: { kind },
          err,
        }));
      },
      ...(config.listen.tls === undefined
        ? {}
        : {
            tls: { cert: await readFile(config.listen.tls.certFile), key: await readFile(config.listen.tls.keyFile) },
          }),
    });
    metrics.setWireUsageSource(() => server.usage);
    resources.defer(() => server.close(2000));
    // Closed first: health says NOT_SERVING before the listener drains.
    resources.defer(() => health.shutdown());
    const address = await server.listen(config.listen.host, config.listen.port);
    health.setStatus("", "SERVING");
    logger.info(
      { address: `${address.host}:${address.port}`, routes: config.routeTable.entries.length, role: config.role },
      "gateway listening",
    );

    return {
      party: config.party,
      address,
      telemetry,
      credentials,
      store,
      auditLog,
      publishCheckpoint: () => publisher.publishNow(),
      async reload(next) {
        // Keys first: a key file that cannot be read refuses the whole reload, before anything changed.
        keyring.update(await readTicketKeys(next.session.ticketKeys, env));
        // Connectors are started once: a change to `connectors:` takes a restart (docs/connectors.md).
        if (JSON.stringify(next.connectors) !== JSON.stringify(config.connectors)) {
          logger.warn("connectors: changed in the config; the running connectors keep their settings until a restart");
        }
        const { ticketKeys: _, ...sessionRest } = next.session;
        const { ticketKeys: __, ...sessionWas } = config.session;
        if (JSON.stringify(sessionRest) !== JSON.stringify(sessionWas)) {
          logger.warn("session: changed beyond ticketKeys; the rest of the section applies after a restart");
        }
        routing = routingStateOf(next);
        revocationPeers = peersOf(next);
        forwarder.retain(next.routeTable.entries);
        // The reloaded list of CRL files, once every one of them reads; else the old list stays.
        await crlSource
          .refresh(next.trust.crls)
          .catch((err: unknown) => logger.warn({ err }, "CRL re-read failed on reload"));
        const { ticketKeys } = next.session;
        logger.info(
          {
            routes: next.routeTable.entries.length,
            // The ticket key ids this replica now seals under and opens: what a rotation step waits for.
            ticketKeys: {
              current: ticketKeys.current.id,
              previous: ticketKeys.previous?.id,
              next: ticketKeys.next?.id,
            },
          },
          "configuration reloaded",
        );
      },
      close: () => resources.close(),
    };
  } catch (error) {
    await resources.close().catch(() => {});
    throw error;
  }
}
