import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isConfigError } from "../config/config-error.js";
import { type GatewayConfig, parseGatewayConfig } from "../config/gateway-config.js";
import { GatewayError } from "../gateway-error.js";
import { createLogger } from "../observability/logger.js";
import type { ConnectorHost, ConnectorKind, RunningConnector } from "../outbox/connector-kind.js";
import type { OutboxMessage, OutboxMessageInput } from "../store/port/outbox-store.js";
import { minimalConfig } from "../testing.js";
import { type HostedConnectorOptions, startHostedConnectors } from "./hosted-connectors.js";

// A fake kind stands in for a connector package: the kinds are this port's input. Its settings:
// `party` ("x:..."), the `topics` it registers, and whether its start or close fails.

interface FakeSettings {
  readonly party: string;
  readonly topics: readonly string[];
  readonly failStart: boolean;
  readonly failClose: boolean;
  readonly baseDir: string;
}

interface Trace {
  readonly events: string[];
  readonly hosts: Map<string, ConnectorHost>;
}

function fakeKind(kind: string, trace: Trace): ConnectorKind {
  const typed: ConnectorKind<FakeSettings> = {
    kind,
    checkSettings(value, baseDir) {
      const v = value as Record<string, unknown>;
      const problems: string[] = [];
      if (typeof v.party !== "string" || !v.party.startsWith("x:")) problems.push("party: a party such as x:partner");
      if (v.topics !== undefined && !Array.isArray(v.topics)) problems.push("topics: a list");
      if (v.retries !== undefined) problems.push("retries: unknown setting");
      if (problems.length > 0) return { ok: false, problems };
      return {
        ok: true,
        settings: {
          party: v.party as string,
          topics: (v.topics as string[] | undefined) ?? [],
          failStart: v.failStart === true,
          failClose: v.failClose === true,
          baseDir,
        },
      };
    },
    async start(settings, host): Promise<RunningConnector> {
      trace.events.push(`start ${host.name}`);
      trace.hosts.set(host.name, host);
      assert.equal(settings.baseDir, "/etc/hutong");
      if (settings.failStart) throw new Error(`${host.name} could not start`);
      return {
        party: settings.party,
        topics: settings.topics.map((name) => ({
          name,
          ordering: "per-key" as const,
          policy: host.policy,
          deliver: async () => ({ kind: "delivered" as const }),
        })),
        async call(path, request, call) {
          return Buffer.from(`${host.name} ${path} ${call.origin} ${Buffer.from(request).toString()}`);
        },
        async close() {
          trace.events.push(`close ${host.name}`);
          if (settings.failClose) throw new Error(`${host.name} could not close`);
        },
      };
    },
  };
  return typed as unknown as ConnectorKind;
}

function config(extra: Record<string, unknown>): GatewayConfig {
  return parseGatewayConfig({ ...minimalConfig(), ...extra }, "/etc/hutong");
}

/** A store that records what the host's outbox asks of it. */
function memoryStore() {
  const enqueued: { messages: readonly OutboxMessageInput[]; now: number }[] = [];
  const finds: unknown[][] = [];
  const found = { id: 7 } as OutboxMessage;
  return {
    enqueued,
    finds,
    found,
    store: {
      async enqueueOutbox(messages: readonly OutboxMessageInput[], nowMs: number) {
        enqueued.push({ messages, now: nowMs });
        return { enqueued: messages.length - 1 };
      },
      async findOutboxMessage(topic: string, destination: string, key: string, nowMs: number) {
        finds.push([topic, destination, key, nowMs]);
        return key === "known" ? found : undefined;
      },
    },
  };
}

const logger = createLogger({ level: "silent", party: "prov:510000" });

function options(c: GatewayConfig, kinds: readonly ConnectorKind[], overrides: Partial<HostedConnectorOptions> = {}) {
  return {
    config: c,
    kinds,
    store: memoryStore().store,
    kick: () => {},
    env: { HUTONG_TEST: "1" },
    logger,
    now: () => 1_700_000_000_000,
    ...overrides,
  };
}

function newTrace(): Trace {
  return { events: [], hosts: new Map() };
}

/** The problem lines of the ConfigError `promise` rejects with. */
async function configProblems(promise: Promise<unknown>): Promise<readonly string[]> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isConfigError(error, "invalid"), String(error));
    return error.problems;
  }
  return assert.fail("expected a ConfigError");
}

describe("startHostedConnectors", () => {
  it("starts nothing, and answers no call, when the config names no connector", async () => {
    const hosted = await startHostedConnectors(options(config({}), [fakeKind("fake", newTrace())]));
    assert.deepEqual(hosted.topics, []);
    await assert.rejects(
      hosted.call("tax", "/p", Buffer.from(""), { origin: "prov:440000", deadline: 0 }),
      (e) => e instanceof GatewayError && e.code === "target-unavailable",
    );
    await hosted.close();
  });

  it("starts each connector in config order and lends it the gateway's outbox", async () => {
    const trace = newTrace();
    const mem = memoryStore();
    let kicks = 0;
    const c = config({
      connectors: {
        tax: { kind: "fake", settings: { party: "x:tax", topics: ["tax-invoices"] } },
        rail: { kind: "other", settings: { party: "x:rail", topics: ["rail-a", "rail-b"] } },
      },
    });
    const hosted = await startHostedConnectors(
      options(c, [fakeKind("fake", trace), fakeKind("other", trace)], { store: mem.store, kick: () => kicks++ }),
    );
    assert.deepEqual(trace.events, ["start tax", "start rail"]);
    assert.deepEqual(
      hosted.topics.map((t) => t.name),
      ["tax-invoices", "rail-a", "rail-b"],
    );

    const host = trace.hosts.get("tax") as ConnectorHost;
    assert.equal(host.name, "tax");
    assert.equal(host.gateway, "prov:510000");
    assert.deepEqual(host.env, { HUTONG_TEST: "1" });
    assert.equal(host.now(), 1_700_000_000_000);
    host.kick();
    assert.equal(kicks, 1);
    const message: OutboxMessageInput = {
      topic: "tax-invoices",
      destination: "x:tax",
      idempotencyKey: "k",
      orderingKey: null,
      payload: new Uint8Array([1]),
    };
    // The store's count of new messages, at the gateway's clock.
    assert.equal(await host.outbox.enqueue([message, message]), 1);
    assert.deepEqual(mem.enqueued, [{ messages: [message, message], now: 1_700_000_000_000 }]);
    assert.equal(await host.outbox.find("tax-invoices", "x:tax", "known"), mem.found);
    assert.equal(await host.outbox.find("tax-invoices", "x:tax", "other"), undefined);
    assert.deepEqual(mem.finds[0], ["tax-invoices", "x:tax", "known", 1_700_000_000_000]);
    await hosted.close();
  });

  it("routes a call to the connector it names", async () => {
    const trace = newTrace();
    const c = config({
      connectors: {
        tax: { kind: "fake", settings: { party: "x:tax" } },
        rail: { kind: "fake", settings: { party: "x:rail" } },
      },
    });
    const hosted = await startHostedConnectors(options(c, [fakeKind("fake", trace)]));
    const call = { origin: "prov:440000", deadline: 0 };
    const answer = async (name: string) =>
      Buffer.from(
        await hosted.call(name, "/hutong.v1.InvoiceService/IssueInvoice", Buffer.from("body"), call),
      ).toString();
    assert.equal(await answer("tax"), "tax /hutong.v1.InvoiceService/IssueInvoice prov:440000 body");
    assert.equal(await answer("rail"), "rail /hutong.v1.InvoiceService/IssueInvoice prov:440000 body");
    await assert.rejects(
      hosted.call("bus", "/p", Buffer.from(""), call),
      (e) => e instanceof GatewayError && e.code === "target-unavailable" && e.message.includes("bus"),
    );
    await hosted.close();
  });

  it("refuses a kind it was not started with, naming the kinds it has", async () => {
    const trace = newTrace();
    const c = config({ connectors: { rail: { kind: "rail-through", settings: { party: "x:rail" } } } });
    const problems = await configProblems(
      startHostedConnectors(options(c, [fakeKind("fake", trace), fakeKind("tax-einvoice", trace)])),
    );
    assert.deepEqual(problems, [
      'connectors.rail.kind: no connector kind "rail-through" here (known: fake, tax-einvoice)',
    ]);
    assert.deepEqual(trace.events, []);
    const none = await configProblems(startHostedConnectors(options(c, [])));
    assert.deepEqual(none, ['connectors.rail.kind: no connector kind "rail-through" here (known: none)']);
  });

  it("reports every connector's settings problems at once, under their paths, starting none", async () => {
    const trace = newTrace();
    const c = config({
      connectors: {
        good: { kind: "fake", settings: { party: "x:good" } },
        a: { kind: "fake", settings: { party: "tax:a", topics: "a-x", retries: 3 } },
        b: { kind: "missing", settings: {} },
        c: { kind: "fake" },
      },
    });
    const problems = await configProblems(startHostedConnectors(options(c, [fakeKind("fake", trace)])));
    assert.deepEqual(problems, [
      "connectors.a.settings.party: a party such as x:partner",
      "connectors.a.settings.topics: a list",
      "connectors.a.settings.retries: unknown setting",
      'connectors.b.kind: no connector kind "missing" here (known: fake)',
      "connectors.c.settings.party: a party such as x:partner",
    ]);
    // Checked before any start: the good one is not started only to be closed.
    assert.deepEqual(trace.events, []);
  });

  it("refuses a topic not prefixed by its connector's name, closing what it started", async () => {
    for (const topic of ["invoices", "b", "bb-invoices", "a-invoices"]) {
      const trace = newTrace();
      const c = config({
        connectors: {
          a: { kind: "fake", settings: { party: "x:a", topics: ["a-invoices"] } },
          b: { kind: "fake", settings: { party: "x:b", topics: ["b-ok", topic] } },
          c: { kind: "fake", settings: { party: "x:c" } },
        },
      });
      const problems = await configProblems(startHostedConnectors(options(c, [fakeKind("fake", trace)])));
      assert.deepEqual(problems, [`connectors.b: its topic ${JSON.stringify(topic)} must start with "b-"`]);
      // b was started (its topics are only known then) and is closed too; c is never started.
      assert.deepEqual(trace.events, ["start a", "start b", "close b", "close a"], topic);
    }
  });

  it("closes what it started when a later connector fails to start", async () => {
    const trace = newTrace();
    const c = config({
      connectors: {
        a: { kind: "fake", settings: { party: "x:a", failClose: true } },
        b: { kind: "fake", settings: { party: "x:b" } },
        c: { kind: "fake", settings: { party: "x:c", failStart: true } },
        d: { kind: "fake", settings: { party: "x:d" } },
      },
    });
    await assert.rejects(startHostedConnectors(options(c, [fakeKind("fake", trace)])), /c could not start/);
    assert.deepEqual(trace.events, ["start a", "start b", "start c", "close b", "close a"]);
  });

  it("closes every connector in reverse order, once, past one that fails to close", async () => {
    const trace = newTrace();
    const c = config({
      connectors: {
        a: { kind: "fake", settings: { party: "x:a" } },
        b: { kind: "fake", settings: { party: "x:b", failClose: true } },
        c: { kind: "fake", settings: { party: "x:c" } },
      },
    });
    const hosted = await startHostedConnectors(options(c, [fakeKind("fake", trace)]));
    await hosted.close();
    assert.deepEqual(trace.events, ["start a", "start b", "start c", "close c", "close b", "close a"]);
    await hosted.close();
    assert.equal(trace.events.length, 6);
    // Closed connectors answer no more calls.
    await assert.rejects(
      hosted.call("a", "/p", Buffer.from(""), { origin: "prov:440000", deadline: 0 }),
      (e) => e instanceof GatewayError && e.code === "target-unavailable",
    );
  });

  it("gives each connector its outbox overrides over outbox.defaults", async () => {
    const trace = newTrace();
    const c = config({
      outbox: { defaults: { retryBaseMs: 1000, maxAgeSeconds: 60, breakerThreshold: 3 } },
      connectors: {
        a: {
          kind: "fake",
          settings: { party: "x:a", topics: ["a-x"] },
          outbox: { maxAttempts: 7, timeoutMs: 2000, maxAgeSeconds: 120 },
        },
        b: { kind: "fake", settings: { party: "x:b" } },
      },
    });
    const hosted = await startHostedConnectors(options(c, [fakeKind("fake", trace)]));
    assert.deepEqual(trace.hosts.get("a")?.policy, {
      retryBaseMs: 1000,
      retryCapMs: 300_000,
      maxAttempts: 7,
      maxAgeMs: 120_000,
      breakerThreshold: 3,
      breakerCoolDownMs: 30_000,
      timeoutMs: 2000,
    });
    assert.deepEqual(trace.hosts.get("b")?.policy, {
      retryBaseMs: 1000,
      retryCapMs: 300_000,
      maxAttempts: 50,
      maxAgeMs: 60_000,
      breakerThreshold: 3,
      breakerCoolDownMs: 30_000,
      timeoutMs: 10_000,
    });
    assert.deepEqual(hosted.topics[0]?.policy, trace.hosts.get("a")?.policy);
    await hosted.close();
  });

  // "A connector's topics must start with its name, so two connectors never share a topic": but
  // names may prefix each other ("tax", "tax-a" are both valid), and "grant" may claim the
  // gateway's own "grant-revocation". The clash then surfaces later, as the dispatcher's
  // OutboxError("duplicate-topic"), not as a ConfigError naming the connectors.
  it("refuses two connectors registering the same topic", {}, async () => {
    const trace = newTrace();
    const c = config({
      connectors: {
        tax: { kind: "fake", settings: { party: "x:tax", topics: ["tax-a-invoices"] } },
        "tax-a": { kind: "fake", settings: { party: "x:taxa", topics: ["tax-a-invoices"] } },
      },
    });
    const problems = await configProblems(startHostedConnectors(options(c, [fakeKind("fake", trace)])));
    assert.ok(
      problems.some((p) => p.includes("tax-a-invoices")),
      problems.join("\n"),
    );
    assert.deepEqual(trace.events.slice(-2), ["close tax-a", "close tax"]);
    const grant = config({
      connectors: { grant: { kind: "fake", settings: { party: "x:grant", topics: ["grant-revocation"] } } },
    });
    await configProblems(startHostedConnectors(options(grant, [fakeKind("fake", newTrace())])));
  });
});
