import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultWireLimits } from "@hutong/wire";
import { parse } from "yaml";
import { configuredDispatcher, configuredTopicPolicy } from "../outbox/configured-policy.js";
import { defaultTopicPolicy } from "../outbox/topic-policy.js";
import { purposeNames } from "../routing/purpose-names.js";
import { isConfigError } from "./config-error.js";
import { parseGatewayConfig } from "./gateway-config.js";
import { fullConfigYaml, minimalConfig } from "./testing-config.js";

/** The problem lines of the ConfigError that parsing `value` throws. */
function problems(value: unknown): readonly string[] {
  try {
    parseGatewayConfig(value, "/etc/hutong");
  } catch (error) {
    assert.ok(isConfigError(error, "invalid"), String(error));
    assert.ok(error.message.startsWith("invalid gateway config:\n  "));
    for (const line of error.problems) assert.ok(error.message.includes(`\n  ${line}`));
    return error.problems;
  }
  assert.fail("expected a ConfigError");
}

const withRoutes = (...routes: unknown[]) => ({ ...minimalConfig(), routes });
const withAcl = (...acl: unknown[]) => ({ ...minimalConfig(), acl });

describe("gateway config", () => {
  it("defaults the store to SQLite in the data directory and the audit origin to the party's", () => {
    const c = parseGatewayConfig(minimalConfig(), "/etc/hutong");
    assert.deepEqual(c.store, { kind: "sqlite", path: `${c.dataDir}/hutong.db` });
    assert.equal(c.audit.origin, `hutong/${c.party}/audit/sm3`);
    assert.deepEqual([c.audit.witnesses, c.audit.witnessing, c.grants.holderAnchors], [[], [], []]);
  });

  it("takes PostgreSQL's URL only from an environment variable, and an origin only bound to SM3", () => {
    const pg = parseGatewayConfig({ ...minimalConfig(), store: { kind: "postgres", urlEnv: "HUTONG_PG" } }, "/x");
    assert.deepEqual(pg.store, { kind: "postgres", urlEnv: "HUTONG_PG", schema: "hutong", maxConnections: 10 });
    assert.ok(
      problems({ ...minimalConfig(), store: { kind: "postgres", url: "postgresql://u:secret@h/db" } }).some((p) =>
        p.startsWith("store"),
      ),
    );
    const bad = problems({ ...minimalConfig(), audit: { origin: "hutong/prov:510000/audit" } });
    assert.ok(
      bad.some((p) => p.startsWith("audit.origin") && p.includes('"/sm3"')),
      bad.join("\n"),
    );
    assert.ok(problems({ ...minimalConfig(), store: { kind: "mysql" } }).some((p) => p.startsWith("store")));
  });

  it("parses the full example, resolving every path against the config directory", () => {
    const c = parseGatewayConfig(parse(fullConfigYaml), "/etc/hutong");
    assert.equal(c.party, "prov:510000");
    assert.deepEqual(c.listen, {
      host: "127.0.0.1",
      port: 7443,
      tls: { certFile: "/etc/hutong/pki/tls/gw.pem", keyFile: "/etc/hutong/pki/tls/gw-key.pem" },
    });
    assert.equal(c.dataDir, "/etc/hutong/data");
    assert.deepEqual(c.identity, {
      chain: "/etc/hutong/pki/gw/chain.pem",
      key: "/etc/hutong/pki/gw/key.pem",
      passphraseEnv: "HUTONG_KEY_PASSPHRASE",
    });
    assert.deepEqual(c.trust, {
      anchors: ["/etc/hutong/pki/root/ca.pem"],
      intermediates: [],
      crls: ["/etc/hutong/pki/ca/crl.pem"],
      crlRefreshSeconds: 60,
    });
    assert.deepEqual(c.session, {
      ticketKeys: {
        current: { id: 1, secretFile: "/etc/hutong/state/ticket-key-1.hex" },
        previous: { id: 0, secretEnv: "HUTONG_TICKET_KEY_0" },
      },
      ticketLifetimeSeconds: 3600,
      clockSkewSeconds: 30,
      replayWindow: "local",
      acceptPlaintext: ["loopback", "prov:510000/*"],
      handshake: { maxConcurrent: 32, perAddress: null, perParty: { perSecond: 5, burst: 20 } },
    });
    assert.deepEqual(c.limits, {
      ...defaultWireLimits,
      maxUnauthenticatedStreams: 8,
      idleTimeoutMs: 60000,
      maxHops: 8,
    });
    assert.deepEqual(c.relays, [{ peer: "mot", origins: ["*"] }]);
    assert.equal(c.reflection, true);
    assert.deepEqual(c.observability, {
      logLevel: "info",
      prometheus: { host: "127.0.0.1", port: 9464 },
      otlp: { endpoint: "http://127.0.0.1:4318" },
      traceSampleRatio: 1,
    });
    assert.equal(c.routes.length, 3);
    assert.deepEqual(c.aclRules[0]?.purposes, ["BOARDING_CHECK"]);
  });

  it("compiles the route table with defaults and names", () => {
    const c = parseGatewayConfig(parse(fullConfigYaml), "/etc/hutong");
    assert.deepEqual(c.routeTable.resolve("prov:440000"), {
      match: "prov:440000",
      target: { kind: "local", address: "127.0.0.1:9001" },
      name: "prov:440000 local",
      timeoutMs: 5000,
      maxInFlight: 256,
      maxQueued: 1024,
    });
    assert.deepEqual(c.routeTable.resolve("air:caac"), {
      match: "*",
      target: {
        kind: "peer",
        address: "127.0.0.1:7444",
        peerParty: "mot",
        tls: { caFile: "/etc/hutong/pki/tls/ca.pem", serverName: "hub.example" },
      },
      name: "* via mot",
      timeoutMs: 10_000,
      maxInFlight: 256,
      maxQueued: 1024,
    });
    assert.deepEqual(c.routeTable.resolve("prov:510000/licence")?.target, { kind: "local", address: "[::1]:9002" });
  });

  it("refuses plaintext entries that are neither loopback nor a party pattern, and empty rate limits", () => {
    const session = (extra: Record<string, unknown>) => ({
      ...minimalConfig(),
      session: { ticketKeys: { current: { id: 1, secretEnv: "TICKET_KEY" } }, ...extra },
    });
    assert.ok(
      problems(session({ acceptPlaintext: ["127.0.0.1"] })).some((p) => p.startsWith("session.acceptPlaintext[0]")),
    );
    assert.ok(
      problems(session({ handshake: { perParty: { perSecond: 0, burst: 1 } } })).some((p) =>
        p.startsWith("session.handshake.perParty.perSecond"),
      ),
    );
    assert.ok(
      problems(session({ handshake: { maxConcurrent: 0 } })).some((p) =>
        p.startsWith("session.handshake.maxConcurrent"),
      ),
    );
    assert.ok(
      problems(session({ handshake: { perAddress: { perSecond: 1 } } })).some((p) =>
        p.startsWith("session.handshake.perAddress.burst"),
      ),
    );
    const peer = { address: "127.0.0.1:1", party: "mot", tls: { caFile: "" } };
    assert.ok(
      problems({ ...minimalConfig(), routes: [{ match: "*", peer }] }).some((p) =>
        p.startsWith("routes[0].peer.tls.caFile"),
      ),
    );
    // A peer asked for plaintext says so, and only then.
    const c = parseGatewayConfig(
      { ...minimalConfig(), routes: [{ match: "*", peer: { address: "127.0.0.1:1", party: "mot", plaintext: true } }] },
      "/x",
    );
    assert.deepEqual(c.routeTable.resolve("mot")?.target, {
      kind: "peer",
      address: "127.0.0.1:1",
      peerParty: "mot",
      plaintext: true,
    });
  });

  it("compiles the ACL", () => {
    const c = parseGatewayConfig(parse(fullConfigYaml), "/etc/hutong");
    const call = {
      caller: "prov:440000/ticket",
      method: "hutong.v1.TicketService/GetTicket",
      purpose: "BOARDING_CHECK",
      target: "prov:510000",
    };
    assert.deepEqual(c.acl.decide(call), { allow: true, rule: 0 });
    assert.equal(c.acl.decide({ ...call, purpose: "INVOICING" }).allow, false);
  });

  it("applies the defaults to a minimal config", () => {
    const c = parseGatewayConfig(minimalConfig(), "/srv/gw/");
    assert.deepEqual(c.listen, { host: "127.0.0.1", port: 7443 });
    assert.equal(c.dataDir, "/srv/gw/data");
    assert.deepEqual(c.trust.intermediates, []);
    assert.deepEqual(c.trust.crls, []);
    assert.equal(c.trust.crlRefreshSeconds, 60);
    assert.equal(c.session.ticketLifetimeSeconds, 3600);
    assert.equal(c.session.clockSkewSeconds, 30);
    assert.equal(c.session.ticketKeys.previous, undefined);
    // Encrypted for everyone unless the config says otherwise; handshakes bounded.
    assert.deepEqual(c.session.acceptPlaintext, []);
    assert.deepEqual(c.session.handshake, {
      maxConcurrent: 64,
      perAddress: { perSecond: 50, burst: 200 },
      perParty: { perSecond: 5, burst: 50 },
    });
    assert.deepEqual(c.limits, { ...defaultWireLimits, maxHops: 8 });
    assert.deepEqual(c.routes, []);
    assert.deepEqual(c.relays, []);
    assert.equal(c.reflection, false);
    assert.deepEqual(c.observability, { logLevel: "info", traceSampleRatio: 1 });
    assert.equal(c.routeTable.resolve("mot"), undefined);
    const call = { caller: "mot", method: "hutong.v1.TicketService/GetTicket", purpose: "EMERGENCY", target: "mot" };
    assert.deepEqual(c.acl.decide(call), { allow: false, reason: "no-matching-rule" });
  });

  it("keeps absolute paths and resolves a relative base directory", () => {
    const c = parseGatewayConfig(
      { ...minimalConfig(), dataDir: "/var/lib/hutong", identity: { chain: "/pki/chain.pem", key: "../key.pem" } },
      "/etc/hutong/conf",
    );
    assert.equal(c.dataDir, "/var/lib/hutong");
    assert.equal(c.identity.chain, "/pki/chain.pem");
    assert.equal(c.identity.key, "/etc/hutong/key.pem");
    const rel = parseGatewayConfig(minimalConfig(), "conf");
    assert.equal(rel.dataDir, `${process.cwd()}/conf/data`);
  });

  it("returns a frozen config", () => {
    const c = parseGatewayConfig(parse(fullConfigYaml), "/etc/hutong");
    assert.ok(Object.isFrozen(c));
    assert.ok(Object.isFrozen(c.trust.anchors));
    assert.ok(Object.isFrozen(c.routes[0]));
    assert.throws(() => {
      (c.listen as { port: number }).port = 1;
    }, TypeError);
  });

  it("refuses wire limits that could not hold one message, with the limit named", () => {
    assert.deepEqual(problems({ ...minimalConfig(), limits: { maxConnectionBufferBytes: 1024 } }), [
      "limits.maxConnectionBufferBytes: must be at least maxMessageBytes",
    ]);
    assert.deepEqual(
      problems({
        ...minimalConfig(),
        limits: { maxMessageBytes: 1024, maxConnectionBufferBytes: 4096, maxBufferBytes: 2048 },
      }),
      ["limits.maxBufferBytes: must be at least maxConnectionBufferBytes"],
    );
    assert.deepEqual(problems({ ...minimalConfig(), limits: { idleTimeoutMs: 0 } }).length, 1);
  });

  it("names unknown keys, at any depth", () => {
    assert.deepEqual(problems({ ...minimalConfig(), listn: { port: 1 } }), ["listn: unknown key"]);
    assert.deepEqual(problems(withRoutes({ match: "*", local: "127.0.0.1:1", timeout: 5 })), [
      "routes[0].timeout: unknown key",
    ]);
    assert.deepEqual(
      problems({ ...minimalConfig(), session: { ticketKeys: { current: { id: 1, secretEnv: "K", secret: "00" } } } }),
      ["session.ticketKeys.current.secret: unknown key"],
    );
  });

  it("requires the gateway's role, one of three, never guessed from the party", () => {
    const { role: _, ...noRole } = minimalConfig();
    assert.deepEqual(problems(noRole), ['role: expected one of "province", "hub", "all-in-one"']);
    assert.match(problems({ ...minimalConfig(), party: "mot", role: "ministry" })[0] ?? "", /^role: /);
    assert.equal(parseGatewayConfig({ ...minimalConfig(), party: "mot", role: "hub" }, "/x").role, "hub");
    assert.equal(parseGatewayConfig({ ...minimalConfig(), party: "mot", role: "province" }, "/x").role, "province");
  });

  it("names a bad party id and why", () => {
    assert.deepEqual(problems({ ...minimalConfig(), party: "prov:510001" }), [
      'party: invalid party id "prov:510001": a province is prov:<GB/T 2260 province code, e.g. 510000> or prov:xpcc',
    ]);
    assert.match(
      problems(withRoutes({ match: "*", peer: { address: "127.0.0.1:1", party: "prov:*" } }))[0] ?? "",
      /^routes\[0\]\.peer\.party: invalid party id "prov:\*"/,
    );
    assert.match(
      problems({ ...minimalConfig(), relays: [{ peer: "mot", origins: ["prov:1/*"] }] })[0] ?? "",
      /^relays\[0\]\.origins\[0\]: invalid party pattern "prov:1\/\*"/,
    );
  });

  it("requires exactly one of local, peer and connector", () => {
    const both = { match: "*", local: "127.0.0.1:9001", peer: { address: "127.0.0.1:7444", party: "mot" } };
    assert.deepEqual(problems(withRoutes({ match: "mot", local: "127.0.0.1:9001" }, both)), [
      "routes[1]: give exactly one of local, peer or connector",
    ]);
    assert.deepEqual(problems(withRoutes({ match: "mot" })), [
      "routes[0]: give exactly one of local, peer or connector",
    ]);
  });

  it("names a bad address with what was written", () => {
    const lines = problems(withRoutes({ match: "mot", local: "127.0.0.1:9001" }, { match: "*", local: "localhost" }));
    assert.deepEqual(lines, ['routes[1].local: expected "host:port", got "localhost"']);
    assert.deepEqual(problems(withRoutes({ match: "*", peer: { address: "10.0.0.1:70000", party: "mot" } })), [
      'routes[0].peer.address: expected "host:port", got "10.0.0.1:70000"',
    ]);
    assert.deepEqual(problems({ ...minimalConfig(), listen: { host: "bad host" } }), [
      'listen.host: expected a host name or IP address, got "bad host"',
    ]);
  });

  it("names an unknown purpose and lists the known ones", () => {
    assert.deepEqual(
      problems(withAcl({ callers: ["*"], methods: ["*"], purposes: ["BOARDING_CHECK", "BORDING_CHECK"] })),
      [`acl[0].purposes[1]: unknown purpose "BORDING_CHECK"; expected one of ${purposeNames.join(", ")}`],
    );
    assert.deepEqual(problems(withAcl({ callers: ["*"], methods: ["*"], purposes: ["UNSPECIFIED"] })).length, 1);
  });

  it("names bad ACL patterns and empty lists", () => {
    assert.deepEqual(problems(withAcl({ callers: [], methods: ["TicketService"] })), [
      "acl[0].callers: needs at least 1 entry",
      'acl[0].methods[0]: invalid method pattern "TicketService": expected "*", "package.Service/*" or "package.Service/Method"',
    ]);
    assert.deepEqual(problems(withAcl({ callers: ["*"], methods: ["*"], targets: [] })), [
      "acl[0].targets: needs at least 1 entry",
    ]);
  });

  it("names a duplicate route", () => {
    assert.deepEqual(
      problems(
        withRoutes(
          { match: "prov:440000", local: "127.0.0.1:9001" },
          { match: "*", local: "127.0.0.1:9002" },
          { match: "prov:440000", peer: { address: "127.0.0.1:7444", party: "mot" } },
        ),
      ),
      ['routes[2].match: duplicate route: routes[0] already matches "prov:440000"'],
    );
  });

  it("refuses a peer route to the gateway's own party", () => {
    assert.deepEqual(problems(withRoutes({ match: "*", peer: { address: "127.0.0.1:7444", party: "prov:510000" } })), [
      "routes[0].peer.party: prov:510000 is this gateway's own party; a route to itself would loop",
    ]);
  });

  it("names missing sections, wrong types and values out of range", () => {
    const { identity: _, ...noIdentity } = minimalConfig();
    assert.deepEqual(problems(noIdentity), ["identity: required"]);
    assert.deepEqual(problems({ ...minimalConfig(), listen: { port: "7443" } }), [
      'listen.port: expected a number, got "7443"',
    ]);
    assert.deepEqual(problems({ ...minimalConfig(), limits: { maxHops: 40 } }), [
      "limits.maxHops: must be <= 32, got 40",
    ]);
    assert.deepEqual(problems(withRoutes({ match: "*", local: "127.0.0.1:1", timeoutMs: 0, maxQueued: 1.5 })), [
      "routes[0].timeoutMs: must be >= 1, got 0",
      "routes[0].maxQueued: expected an integer, got 1.5",
    ]);
    assert.deepEqual(problems({ ...minimalConfig(), trust: { anchors: [] } }), [
      "trust.anchors: needs at least 1 entry",
    ]);
    assert.deepEqual(problems({ ...minimalConfig(), identity: { chain: "", key: "k" } }), [
      "identity.chain: must not be empty",
    ]);
    assert.deepEqual(problems({ ...minimalConfig(), observability: { traceSampleRatio: Number.NaN } }), [
      "observability.traceSampleRatio: expected a number, got NaN",
    ]);
    assert.deepEqual(problems({ ...minimalConfig(), reflection: "yes" }), [
      'reflection: expected true or false, got "yes"',
    ]);
    assert.deepEqual(problems({ ...minimalConfig(), observability: { traceSampleRatio: 2 } }), [
      "observability.traceSampleRatio: must be <= 1, got 2",
    ]);
  });

  it("the annotations section: signed by default, valid 30 days; switched off or set, and mistakes named", () => {
    assert.deepEqual(parseGatewayConfig(minimalConfig(), "/etc/hutong").annotations, {
      enabled: true,
      validityDays: 30,
    });
    const set = parseGatewayConfig({ ...minimalConfig(), annotations: { validityDays: 7 } }, "/etc/hutong");
    assert.deepEqual(set.annotations, { enabled: true, validityDays: 7 });
    const off = parseGatewayConfig({ ...minimalConfig(), annotations: { enabled: false } }, "/etc/hutong");
    assert.equal(off.annotations.enabled, false);
    assert.deepEqual(problems({ ...minimalConfig(), annotations: { validityDays: 0 } }), [
      "annotations.validityDays: must be >= 1, got 0",
    ]);
    assert.deepEqual(problems({ ...minimalConfig(), annotations: { validityDays: 2.5, validity: 3 } }), [
      "annotations.validityDays: expected an integer, got 2.5",
      "annotations.validity: unknown key",
    ]);
    assert.deepEqual(problems({ ...minimalConfig(), annotations: { validityDays: 4000 } }), [
      "annotations.validityDays: must be <= 3650, got 4000",
    ]);
  });

  it("the outbox section: defaults, per-topic overrides over them, and every mistake named with its path", () => {
    const d = parseGatewayConfig(minimalConfig(), "/x").outbox;
    assert.deepEqual(d, {
      pollIntervalMs: 1000,
      concurrency: 16,
      leaseMarginMs: 5000,
      defaults: {
        retryBaseMs: 500,
        retryCapMs: 300_000,
        maxAttempts: 50,
        maxAgeSeconds: 604_800,
        breakerThreshold: 5,
        breakerCoolDownMs: 30_000,
        timeoutMs: 10_000,
      },
      topics: { "grant-revocation": { maxAttempts: 100_000, maxAgeSeconds: 30 * 86_400 } },
    });
    assert.deepEqual(
      configuredTopicPolicy(d, "grant-revocation"),
      { ...defaultTopicPolicy, maxAttempts: 100_000, maxAgeMs: 30 * 86_400_000 },
      "a revocation gives up only after a month",
    );
    const c = parseGatewayConfig(
      {
        ...minimalConfig(),
        outbox: {
          concurrency: 4,
          defaults: { maxAttempts: 10, timeoutMs: 2000 },
          topics: { "grant-revocation": { retryCapMs: 60_000, maxAgeSeconds: 3600, breakerThreshold: 2 } },
        },
      },
      "/x",
    ).outbox;
    assert.deepEqual(configuredTopicPolicy(c, "grant-revocation"), {
      ...defaultTopicPolicy,
      retryCapMs: 60_000,
      maxAttempts: 100_000,
      maxAgeMs: 3_600_000,
      breakerThreshold: 2,
      timeoutMs: 2000,
    });
    assert.deepEqual(configuredDispatcher(c), { pollIntervalMs: 1000, concurrency: 4, leaseMarginMs: 5000 });

    assert.deepEqual(
      problems({
        ...minimalConfig(),
        outbox: {
          concurrency: 0,
          defaults: { retryBaseMs: 1000, retryCapMs: 10 },
          topics: { "grant-revocation": { maxAttempts: 1.5, timeoutMs: 0, retries: 3 }, tickets: {} },
        },
      }),
      [
        "outbox.concurrency: must be >= 1, got 0",
        'outbox.topics["grant-revocation"].maxAttempts: expected an integer, got 1.5',
        'outbox.topics["grant-revocation"].timeoutMs: must be >= 1, got 0',
        'outbox.topics["grant-revocation"].retries: unknown key',
        "outbox.topics.tickets: unknown key",
      ],
    );
    assert.deepEqual(problems({ ...minimalConfig(), outbox: { defaults: { retryBaseMs: 1000, retryCapMs: 10 } } }), [
      "outbox.defaults.retryCapMs: retryCapMs (10) must be ≥ retryBaseMs (1000)",
    ]);
    assert.deepEqual(
      problems({ ...minimalConfig(), outbox: { topics: { "grant-revocation": { retryBaseMs: 400_000 } } } }),
      ['outbox.topics["grant-revocation"].retryBaseMs: retryCapMs (300000) must be ≥ retryBaseMs (400000)'],
    );
  });

  it("names a bad enum value, env var name or URL", () => {
    assert.deepEqual(problems({ ...minimalConfig(), observability: { logLevel: "verbose" } }), [
      'observability.logLevel: expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "verbose"',
    ]);
    assert.deepEqual(
      problems({ ...minimalConfig(), identity: { chain: "c", key: "k", passphraseEnv: "s3cret pass" } }),
      ['identity.passphraseEnv: expected an environment variable name, got "s3cret pass"'],
    );
    assert.deepEqual(problems({ ...minimalConfig(), observability: { otlp: { endpoint: "127.0.0.1:4318" } } }), [
      'observability.otlp.endpoint: expected an http(s) URL, got "127.0.0.1:4318"',
    ]);
  });

  it("checks ticket keys: one secret source each, distinct ids", () => {
    const keys = (ticketKeys: unknown) => ({ ...minimalConfig(), session: { ticketKeys } });
    assert.deepEqual(problems(keys({ current: { id: 1, secretFile: "a", secretEnv: "B" } })), [
      "session.ticketKeys.current: give exactly one of secretFile or secretEnv",
    ]);
    assert.deepEqual(problems(keys({ current: { id: 1 }, previous: { id: 256, secretEnv: "B" } })), [
      "session.ticketKeys.current: give exactly one of secretFile or secretEnv",
      "session.ticketKeys.previous.id: must be <= 255, got 256",
    ]);
    assert.deepEqual(problems(keys({ current: { id: 3, secretEnv: "A" }, previous: { id: 3, secretEnv: "B" } })), [
      "session.ticketKeys.previous.id: must differ from ticketKeys.current.id",
    ]);
    assert.deepEqual(
      problems(
        keys({
          current: { id: 3, secretEnv: "A" },
          previous: { id: 4, secretEnv: "B" },
          next: { id: 4, secretEnv: "C" },
        }),
      ),
      ["session.ticketKeys.next.id: must differ from the ids of ticketKeys.current and ticketKeys.previous"],
    );
    assert.deepEqual(problems(keys({ current: { id: 3, secretEnv: "A" }, next: { id: 3, secretEnv: "C" } })), [
      "session.ticketKeys.next.id: must differ from the ids of ticketKeys.current and ticketKeys.previous",
    ]);
    assert.deepEqual(
      problems({
        ...minimalConfig(),
        session: { ticketKeys: { current: { id: 1, secretEnv: "A" } }, replayWindow: "shared" },
      }),
      ["session.replayWindow: a shared replay window lives in the store the replicas share: needs store.kind postgres"],
    );
    const shared = parseGatewayConfig(
      {
        ...minimalConfig(),
        session: { ticketKeys: { current: { id: 1, secretEnv: "A" } }, replayWindow: "shared" },
        store: { kind: "postgres", urlEnv: "PG_URL" },
      },
      "/etc/hutong",
    );
    assert.equal(shared.session.replayWindow, "shared");
  });

  it("lists every problem at once", () => {
    const lines = problems({
      ...minimalConfig(),
      party: "nobody",
      extra: 1,
      routes: [{ match: "prov:*/x", local: "localhost" }],
    });
    assert.equal(lines.length, 4, lines.join("\n"));
    assert.ok(lines.some((l) => l.startsWith("party: ")));
    assert.ok(lines.includes("extra: unknown key"));
    assert.ok(lines.some((l) => l.startsWith("routes[0].match: invalid party pattern")));
    assert.ok(lines.some((l) => l.startsWith("routes[0].local: ")));
  });

  it("says when the document is not a mapping", () => {
    assert.deepEqual(problems(null), ["(top level): expected a mapping, got null"]);
    assert.deepEqual(problems(["party"]), ["(top level): expected a mapping, got a list"]);
    assert.deepEqual(problems(undefined), ["(top level): required"]);
  });
});
