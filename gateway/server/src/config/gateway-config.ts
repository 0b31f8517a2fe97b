import { join, resolve } from "node:path";
import { isSm3Origin } from "@hutong/audit";
import { isCertsError, parsePartyId } from "@hutong/certs";
import { defaultWireLimits } from "@hutong/wire";
import { z } from "zod";
import { type Acl, compileAcl } from "../routing/acl.js";
import { maxHopEntries } from "../routing/hops.js";
import { compileMethodPattern } from "../routing/method-pattern.js";
import { compilePartyPattern } from "../routing/party-pattern.js";
import { explainPurposeName } from "../routing/purpose-names.js";
import { createRouteTable, type RouteEntry, type RouteTable } from "../routing/route-table.js";
import { RoutingError } from "../routing/routing-error.js";
import { ConfigError } from "./config-error.js";
import { formatConfigIssues } from "./format-issues.js";
import { isHost, parseHostPort } from "./host-port.js";

/** A string checked by `explain`, which returns why it is wrong or undefined. */
function checkedString(explain: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const why = explain(value);
    if (why !== undefined) ctx.addIssue({ code: "custom", message: why, input: value });
  });
}

function messageOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof RoutingError || isCertsError(error)) return error.message;
    throw error;
  }
}

const partyId = checkedString((v) => messageOf(() => parsePartyId(v)));
const partyPattern = checkedString((v) => messageOf(() => compilePartyPattern(v)));
const methodPattern = checkedString((v) => messageOf(() => compileMethodPattern(v)));
const purposeName = checkedString(explainPurposeName);
const hostPort = checkedString((v) =>
  parseHostPort(v) === undefined ? `expected "host:port", got ${JSON.stringify(v.slice(0, 80))}` : undefined,
);
const host = checkedString((v) =>
  isHost(v) ? undefined : `expected a host name or IP address, got ${JSON.stringify(v.slice(0, 80))}`,
);
const envName = checkedString((v) =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(v) ? undefined : `expected an environment variable name, got ${JSON.stringify(v)}`,
);
const auditOrigin = checkedString((v) =>
  isSm3Origin(v) ? undefined : `an audit log origin has no spaces or "+" and ends in "/sm3", got ${JSON.stringify(v)}`,
);
const httpUrl = checkedString((v) => {
  const url = URL.canParse(v) ? new URL(v) : undefined;
  return url?.protocol === "http:" || url?.protocol === "https:"
    ? undefined
    : `expected an http(s) URL, got ${JSON.stringify(v.slice(0, 80))}`;
});
/** A file or directory; relative paths are resolved against the config file's directory after parsing. */
const filePath = z.string().min(1);
const listenPort = z.int().min(0).max(65535);
const positiveInt = z.int().min(1);

const ticketKeySchema = z
  .strictObject({
    id: z.int().min(0).max(255),
    /** A file holding the 32-byte key as 64 hex digits. */
    secretFile: filePath.optional(),
    /** Or the name of an environment variable holding the 64 hex digits. */
    secretEnv: envName.optional(),
  })
  .superRefine((key, ctx) => {
    if ((key.secretFile === undefined) === (key.secretEnv === undefined)) {
      ctx.addIssue({ code: "custom", message: "give exactly one of secretFile or secretEnv", input: key });
    }
  });

/** A peer gateway's link: TLS 1.3 (conventional certificate) under the session, and its protection. */
const peerLinkFields = {
  /**
   * Connect with TLS 1.3 (ALPN h2) instead of h2c: the peer's certificate is checked against
   * `caFile` (PEM; default the system's CAs) for `serverName` (default the address's host).
   */
  tls: z.strictObject({ caFile: filePath.optional(), serverName: z.string().min(1).optional() }).optional(),
  /** Ask this peer for a plaintext session (its config must allow this gateway); default SM4. */
  plaintext: z.boolean().default(false),
};

/** A token bucket of the handshake admission; null turns that limit off. */
const rateLimitSchema = z.strictObject({ perSecond: z.number().positive().max(1_000_000), burst: positiveInt });

/** A connector's name in `connectors:` (also the prefix of its outbox topics). */
const connectorName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, "lowercase letters, digits and '-', ≤ 32, from a letter");

const routeSchema = z
  .strictObject({
    match: partyPattern,
    local: hostPort.optional(),
    peer: z.strictObject({ address: hostPort, party: partyId, ...peerLinkFields }).optional(),
    /** A connector this gateway hosts (`connectors.<name>`), docs/connectors.md. */
    connector: connectorName.optional(),
    timeoutMs: positiveInt.max(3_600_000).default(10_000),
    maxInFlight: positiveInt.default(256),
    maxQueued: z.int().min(0).default(1024),
  })
  .superRefine((route, ctx) => {
    const targets = [route.local, route.peer, route.connector].filter((t) => t !== undefined).length;
    if (targets !== 1) {
      ctx.addIssue({ code: "custom", message: "give exactly one of local, peer or connector", input: route });
    }
  });

const aclRuleSchema = z.strictObject({
  callers: z.array(partyPattern).min(1),
  methods: z.array(methodPattern).min(1),
  purposes: z.array(purposeName).min(1).optional(),
  targets: z.array(partyPattern).min(1).optional(),
});

/**
 * Overrides (a topic's, a connector's, or the defaults themselves) must not cap retries below their
 * base, counting the defaults for what they leave out; reported at the field the override set. One
 * that sets neither is the defaults' case, reported there.
 */
function checkRetryCap(
  ctx: z.RefinementCtx,
  at: (string | number)[],
  override: { readonly retryBaseMs?: number | undefined; readonly retryCapMs?: number | undefined },
  defaults: { readonly retryBaseMs: number; readonly retryCapMs: number },
): void {
  if (override.retryBaseMs === undefined && override.retryCapMs === undefined) return;
  const base = override.retryBaseMs ?? defaults.retryBaseMs;
  const cap = override.retryCapMs ?? defaults.retryCapMs;
  if (cap < base) {
    ctx.addIssue({
      code: "custom",
      message: `retryCapMs (${cap}) must be ≥ retryBaseMs (${base})`,
      path: [...at, override.retryCapMs === undefined ? "retryBaseMs" : "retryCapMs"],
    });
  }
}

/** One outbox topic's numbers (docs/outbox.md); every field optional where it overrides the defaults. */
const outboxPolicyFields = {
  retryBaseMs: positiveInt.max(3_600_000),
  retryCapMs: positiveInt.max(86_400_000),
  maxAttempts: positiveInt.max(1_000_000),
  maxAgeSeconds: positiveInt.max(366 * 86_400),
  breakerThreshold: positiveInt.max(10_000),
  breakerCoolDownMs: positiveInt.max(86_400_000),
  timeoutMs: positiveInt.max(600_000),
};
const outboxTopicOverride = z.strictObject({
  retryBaseMs: outboxPolicyFields.retryBaseMs.optional(),
  retryCapMs: outboxPolicyFields.retryCapMs.optional(),
  maxAttempts: outboxPolicyFields.maxAttempts.optional(),
  maxAgeSeconds: outboxPolicyFields.maxAgeSeconds.optional(),
  breakerThreshold: outboxPolicyFields.breakerThreshold.optional(),
  breakerCoolDownMs: outboxPolicyFields.breakerCoolDownMs.optional(),
  timeoutMs: outboxPolicyFields.timeoutMs.optional(),
});
const outboxSchema = z
  .strictObject({
    /** How often the outbox is read when nothing new woke the dispatcher. */
    pollIntervalMs: positiveInt.max(3_600_000).default(1000),
    /** Deliveries in flight at once, over all topics. */
    concurrency: positiveInt.max(1000).default(16),
    /** A claim's lease outlasts the longest topic timeout by this much. */
    leaseMarginMs: positiveInt.max(600_000).default(5000),
    /** Every topic's numbers unless `topics` says otherwise. */
    defaults: z
      .strictObject({
        retryBaseMs: outboxPolicyFields.retryBaseMs.default(500),
        retryCapMs: outboxPolicyFields.retryCapMs.default(300_000),
        maxAttempts: outboxPolicyFields.maxAttempts.default(50),
        maxAgeSeconds: outboxPolicyFields.maxAgeSeconds.default(7 * 86_400),
        breakerThreshold: outboxPolicyFields.breakerThreshold.default(5),
        breakerCoolDownMs: outboxPolicyFields.breakerCoolDownMs.default(30_000),
        timeoutMs: outboxPolicyFields.timeoutMs.default(10_000),
      })
      .prefault({}),
    /**
     * Per-topic overrides, by the topics this gateway has. A revocation must reach every peer, so
     * its own defaults give up only after a month (the breaker keeps a dead peer from being
     * hammered meanwhile); the rest of its numbers come from `defaults`.
     */
    topics: z
      .strictObject({
        "grant-revocation": outboxTopicOverride
          .extend({
            maxAttempts: outboxPolicyFields.maxAttempts.default(100_000),
            maxAgeSeconds: outboxPolicyFields.maxAgeSeconds.default(30 * 86_400),
          })
          .prefault({}),
      })
      .prefault({}),
  })
  .superRefine((outbox, ctx) => {
    checkRetryCap(ctx, ["defaults"], outbox.defaults, outbox.defaults);
    for (const [name, t] of Object.entries(outbox.topics)) checkRetryCap(ctx, ["topics", name], t, outbox.defaults);
  });

/** The config file as written (paths not yet resolved); parseGatewayConfig is the way to use it. */
export const gatewayConfigSchema = z
  .strictObject({
    party: partyId,
    /**
     * What this gateway is in the federation: a province's gateway, the ministry's hub (which
     * relays between members), or one node doing both (the development default). Declared, never
     * guessed from the party id; GetGatewayInfo reports it.
     */
    role: z.enum(["province", "hub", "all-in-one"]),
    listen: z
      .strictObject({
        host: host.default("127.0.0.1"),
        port: listenPort.default(7443),
        /** Serve TLS 1.3 (ALPN h2) with this conventional certificate instead of h2c. */
        tls: z.strictObject({ certFile: filePath, keyFile: filePath }).optional(),
      })
      .prefault({}),
    dataDir: filePath.default("./data"),
    identity: z.strictObject({
      /** PEM, leaf first. */
      chain: filePath,
      key: filePath,
      /** Only the NAME of an environment variable: a passphrase never sits in the file. */
      passphraseEnv: envName.optional(),
    }),
    trust: z.strictObject({
      anchors: z.array(filePath).min(1),
      intermediates: z.array(filePath).default([]),
      crls: z.array(filePath).default([]),
      crlRefreshSeconds: positiveInt.default(60),
    }),
    session: z
      .strictObject({
        /**
         * Shared by all replicas: sealed under current, opened under current, previous or next.
         * Reloaded with the file (docs/operations/ticket-key-rotation.md: add next everywhere,
         * then next → current and current → previous, then drop previous).
         */
        ticketKeys: z.strictObject({
          current: ticketKeySchema,
          previous: ticketKeySchema.optional(),
          next: ticketKeySchema.optional(),
        }),
        /**
         * Where used nonces are remembered: "local" in each process (a replay sent to another
         * replica within the clock skew is not caught), or "shared" in the PostgreSQL store the
         * replicas share, as well (docs/gateway.md, "Replicas").
         */
        replayWindow: z.enum(["local", "shared"]).default("local"),
        ticketLifetimeSeconds: positiveInt.max(86_400).default(3600),
        clockSkewSeconds: positiveInt.max(600).default(30),
        /**
         * Clients this gateway serves a plaintext session (messages MACed, not encrypted): party
         * patterns, or "loopback" for any client connecting from 127.0.0.0/8 or ::1. Default: none,
         * every session encrypted with SM4 (docs/session-protocol.md §6.3).
         */
        acceptPlaintext: z.array(z.union([z.literal("loopback"), partyPattern])).default([]),
        /** Handshake admission (docs/session-protocol.md §8, Limits): over a limit a Hello or Finish is refused `busy`. */
        handshake: z
          .strictObject({
            /** Hellos and Finishes worked on at once. */
            maxConcurrent: positiveInt.max(100_000).default(64),
            /** Per remote address (IPv6 by /64); null = off (behind a proxy every peer is the proxy). */
            perAddress: rateLimitSchema.nullable().default({ perSecond: 50, burst: 200 }),
            /** Completed handshakes per client party (proved by its signature); null = off. */
            perParty: rateLimitSchema.nullable().default({ perSecond: 5, burst: 50 }),
          })
          .prefault({}),
      })
      .superRefine((session, ctx) => {
        const { current, previous, next } = session.ticketKeys;
        if (previous?.id === current.id) {
          ctx.addIssue({
            code: "custom",
            message: "must differ from ticketKeys.current.id",
            path: ["ticketKeys", "previous", "id"],
          });
        }
        if (next !== undefined && (next.id === current.id || next.id === previous?.id)) {
          ctx.addIssue({
            code: "custom",
            message: "must differ from the ids of ticketKeys.current and ticketKeys.previous",
            path: ["ticketKeys", "next", "id"],
          });
        }
      }),
    limits: z
      .strictObject({
        maxMessageBytes: positiveInt.default(defaultWireLimits.maxMessageBytes),
        maxConcurrentStreams: positiveInt.default(defaultWireLimits.maxConcurrentStreams),
        maxHops: positiveInt.max(maxHopEntries).default(8),
        // What a peer can make the gateway hold before it has proved anything (docs/gateway.md, Limits).
        maxConnectionsPerPeer: positiveInt.default(defaultWireLimits.maxConnectionsPerPeer),
        maxConnections: positiveInt.default(defaultWireLimits.maxConnections),
        maxUnauthenticatedStreams: positiveInt.default(defaultWireLimits.maxUnauthenticatedStreams),
        maxConnectionBufferBytes: positiveInt.default(defaultWireLimits.maxConnectionBufferBytes),
        maxBufferBytes: positiveInt.default(defaultWireLimits.maxBufferBytes),
        messageTimeoutMs: positiveInt.default(defaultWireLimits.messageTimeoutMs),
        prefaceTimeoutMs: positiveInt.default(defaultWireLimits.prefaceTimeoutMs),
        idleTimeoutMs: positiveInt.default(defaultWireLimits.idleTimeoutMs),
        goawayGraceMs: positiveInt.default(defaultWireLimits.goawayGraceMs),
        maxCancelsPerSecond: positiveInt.default(defaultWireLimits.maxCancelsPerSecond),
      })
      .superRefine((l, ctx) => {
        // A connection must be able to hold one whole message, and the budget one connection's worth.
        if (l.maxConnectionBufferBytes < l.maxMessageBytes) {
          ctx.addIssue({
            code: "custom",
            message: "must be at least maxMessageBytes",
            path: ["maxConnectionBufferBytes"],
          });
        }
        if (l.maxBufferBytes < l.maxConnectionBufferBytes) {
          ctx.addIssue({
            code: "custom",
            message: "must be at least maxConnectionBufferBytes",
            path: ["maxBufferBytes"],
          });
        }
      })
      .prefault({}),
    routes: z.array(routeSchema).default([]),
    /**
     * Connectors this gateway hosts, by name: which kind (a package the gateway was started with
     * provides it), that kind's own settings (checked by the kind at start), and the numbers of
     * its outbox topics over `outbox.defaults` (docs/connectors.md).
     */
    connectors: z
      .record(
        connectorName,
        z.strictObject({
          kind: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, "a connector kind such as tax-einvoice"),
          settings: z.record(z.string(), z.unknown()).default({}),
          outbox: outboxTopicOverride.optional(),
        }),
      )
      .default({}),
    acl: z.array(aclRuleSchema).default([]),
    /** Peer gateways trusted to relay calls on behalf of these origin parties (hutong-origin metadata). */
    relays: z.array(z.strictObject({ peer: partyId, origins: z.array(partyPattern).min(1) })).default([]),
    reflection: z.boolean().default(false),
    /** Where the audit log, grants and witness state live. Default: SQLite at <dataDir>/hutong.db. */
    store: z
      .discriminatedUnion("kind", [
        z.strictObject({ kind: z.literal("sqlite"), path: filePath.optional() }),
        z.strictObject({
          kind: z.literal("postgres"),
          /** Only the NAME of an environment variable holding the URL: credentials never sit in the file. */
          urlEnv: envName,
          schema: z
            .string()
            .regex(/^[a-z_][a-z0-9_]{0,62}$/, "a lowercase SQL identifier")
            .default("hutong"),
          maxConnections: positiveInt.max(100).default(10),
        }),
      ])
      .prefault({ kind: "sqlite" }),
    audit: z
      .strictObject({
        /** The log's origin line; default "hutong/<party>/audit/sm3". Must end in /sm3 (the hash). */
        origin: auditOrigin.optional(),
        /** A new checkpoint is signed at most this often, when the log has grown. */
        checkpointIntervalMs: positiveInt.default(1000),
        /** Peer gateways that cosign this log's checkpoints (their AuditService.AddCheckpoint). */
        witnesses: z.array(z.strictObject({ party: partyId, address: hostPort, ...peerLinkFields })).default([]),
        /** Logs this gateway witnesses: origin and the log's verifier key (docs/audit-checkpoints.md). */
        witnessing: z.array(z.strictObject({ origin: z.string().min(1), key: z.string().min(1) })).default([]),
      })
      .prefault({}),
    grants: z
      .strictObject({
        /** 32-byte federation subject key (raw or hex file) for subject and record digests. */
        subjectKeyFile: filePath.optional(),
        /** CA certificates of the apps that issue holder certificates (PEM). */
        holderAnchors: z.array(filePath).default([]),
      })
      .prefault({}),
    /**
     * Annotated copies (docs/annotated-copies.md) this gateway signs, as the owner's, when a fetch
     * asks for one: with its identity key, valid validityDays from issue. `enabled: false` refuses
     * such requests (UNIMPLEMENTED) rather than answering them without an annotation.
     */
    annotations: z
      .strictObject({
        enabled: z.boolean().default(true),
        validityDays: positiveInt.max(3650).default(30),
      })
      .prefault({}),
    /** The durable outbox's dispatcher and its topics' retry, dead-letter and breaker numbers. */
    outbox: outboxSchema.prefault({}),
    observability: z
      .strictObject({
        logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
        prometheus: z.strictObject({ host: host.default("127.0.0.1"), port: listenPort }).optional(),
        otlp: z.strictObject({ endpoint: httpUrl }).optional(),
        traceSampleRatio: z.number().min(0).max(1).default(1),
      })
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    if (config.session.replayWindow === "shared" && config.store.kind !== "postgres") {
      ctx.addIssue({
        code: "custom",
        message: "a shared replay window lives in the store the replicas share: needs store.kind postgres",
        path: ["session", "replayWindow"],
      });
    }
    // A connector's topic numbers over the defaults, checked as a topic's are.
    for (const [name, c] of Object.entries(config.connectors)) {
      if (c.outbox !== undefined) checkRetryCap(ctx, ["connectors", name, "outbox"], c.outbox, config.outbox.defaults);
    }
    // Checks across entries: each entry alone is fine, together they are not.
    const firstByMatch = new Map<string, number>();
    config.routes.forEach((route, i) => {
      const first = firstByMatch.get(route.match);
      if (first !== undefined) {
        ctx.addIssue({
          code: "custom",
          message: `duplicate route: routes[${first}] already matches ${JSON.stringify(route.match)}`,
          path: ["routes", i, "match"],
        });
      } else {
        firstByMatch.set(route.match, i);
      }
      if (route.connector !== undefined && !Object.hasOwn(config.connectors, route.connector)) {
        ctx.addIssue({
          code: "custom",
          message: `no connector ${JSON.stringify(route.connector)} under connectors:`,
          path: ["routes", i, "connector"],
        });
      }
      if (route.peer?.party === config.party) {
        ctx.addIssue({
          code: "custom",
          message: `${config.party} is this gateway's own party; a route to itself would loop`,
          path: ["routes", i, "peer", "party"],
        });
      }
    });
  });

type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The file as written, with defaults applied. */
export type GatewayConfigFile = z.output<typeof gatewayConfigSchema>;

/**
 * The validated configuration: defaults applied, every file path absolute,
 * and the route table and ACL compiled (so their mistakes are start-up errors).
 */
export type GatewayConfig = DeepReadonly<Omit<GatewayConfigFile, "acl">> & {
  readonly routeTable: RouteTable;
  readonly acl: Acl;
  /** The ACL rules as written (for logs and diffs); `acl` is their compiled form. */
  readonly aclRules: DeepReadonly<GatewayConfigFile["acl"]>;
  /** The config file's directory: where relative paths in connectors' own settings resolve. */
  readonly baseDir: string;
};

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function resolvePaths(file: GatewayConfigFile, baseDir: string): GatewayConfigFile {
  const abs = (p: string) => resolve(baseDir, p);
  const key = <K extends { secretFile?: string | undefined }>(k: K): K =>
    k.secretFile === undefined ? k : { ...k, secretFile: abs(k.secretFile) };
  const { current, previous, next } = file.session.ticketKeys;
  const peerTls = (p: { tls?: { caFile?: string | undefined; serverName?: string | undefined } | undefined }) =>
    p.tls?.caFile === undefined ? {} : { tls: { ...p.tls, caFile: abs(p.tls.caFile) } };
  return {
    ...file,
    dataDir: abs(file.dataDir),
    listen:
      file.listen.tls === undefined
        ? file.listen
        : { ...file.listen, tls: { certFile: abs(file.listen.tls.certFile), keyFile: abs(file.listen.tls.keyFile) } },
    routes: file.routes.map((r) => (r.peer === undefined ? r : { ...r, peer: { ...r.peer, ...peerTls(r.peer) } })),
    identity: { ...file.identity, chain: abs(file.identity.chain), key: abs(file.identity.key) },
    trust: {
      ...file.trust,
      anchors: file.trust.anchors.map(abs),
      intermediates: file.trust.intermediates.map(abs),
      crls: file.trust.crls.map(abs),
    },
    session: {
      ...file.session,
      ticketKeys: {
        current: key(current),
        ...(previous === undefined ? {} : { previous: key(previous) }),
        ...(next === undefined ? {} : { next: key(next) }),
      },
    },
    store:
      file.store.kind === "sqlite"
        ? { kind: "sqlite", path: abs(file.store.path ?? join(file.dataDir, "hutong.db")) }
        : file.store,
    audit: {
      ...file.audit,
      origin: file.audit.origin ?? `hutong/${file.party}/audit/sm3`,
      witnesses: file.audit.witnesses.map((w) => ({ ...w, ...peerTls(w) })),
    },
    grants: {
      ...file.grants,
      ...(file.grants.subjectKeyFile === undefined ? {} : { subjectKeyFile: abs(file.grants.subjectKeyFile) }),
      holderAnchors: file.grants.holderAnchors.map(abs),
    },
  };
}

function routeEntries(file: GatewayConfigFile): RouteEntry[] {
  return file.routes.map((route) => {
    const limits = { timeoutMs: route.timeoutMs, maxInFlight: route.maxInFlight, maxQueued: route.maxQueued };
    if (route.peer !== undefined) {
      const { address, party, tls, plaintext } = route.peer;
      return {
        match: route.match,
        target: {
          kind: "peer",
          address,
          peerParty: party,
          ...(tls === undefined ? {} : { tls }),
          ...(plaintext ? { plaintext } : {}),
        },
        name: `${route.match} via ${party}`,
        ...limits,
      };
    }
    if (route.connector !== undefined) {
      return {
        match: route.match,
        target: { kind: "connector", connector: route.connector },
        name: `${route.match} via connector ${route.connector}`,
        ...limits,
      };
    }
    return {
      match: route.match,
      target: { kind: "local", address: route.local ?? "" },
      name: `${route.match} local`,
      ...limits,
    };
  });
}

/**
 * Validates a parsed config document once, at start-up or reload: every
 * problem is collected into one ConfigError("invalid"). Relative paths are
 * resolved against baseDir (the config file's directory). Pure: reads no
 * files; the key, chain, CRL and secret files are the consumers' to read.
 */
export function parseGatewayConfig(value: unknown, baseDir: string): GatewayConfig {
  const parsed = gatewayConfigSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError("invalid", "invalid gateway config", formatConfigIssues(parsed.error.issues));
  }
  const file = resolvePaths(parsed.data, resolve(baseDir));
  let routeTable: RouteTable;
  let acl: Acl;
  try {
    // The schema has already checked each pattern, so these only fail on a rule the schema does not know.
    routeTable = createRouteTable(routeEntries(file));
    acl = compileAcl(
      file.acl.map((rule) => ({
        callers: rule.callers,
        methods: rule.methods,
        ...(rule.purposes === undefined ? {} : { purposes: rule.purposes }),
        ...(rule.targets === undefined ? {} : { targets: rule.targets }),
      })),
    );
  } catch (error) {
    if (error instanceof RoutingError) {
      throw new ConfigError("invalid", "invalid gateway config", [error.message], { cause: error });
    }
    throw error;
  }
  const { acl: aclRules, ...rest } = deepFreeze(file);
  return Object.freeze({ ...rest, aclRules, routeTable, acl, baseDir: resolve(baseDir) });
}
