import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { isConfigError } from "./config-error.js";
import { parseGatewayConfig } from "./gateway-config.js";
import { minimalConfig } from "./testing-config.js";

// `connectors:` and routes to them (docs/connectors.md): the config's part; the kinds check their
// own settings when the gateway starts (hosted-connectors.spec.ts).

const taxSettings = {
  party: "tax:chinatax",
  baseUrl: "https://tax.example:8443",
  appKey: "hutong",
  appSecretFile: "secrets/tax-app.hex",
  sealKeyFile: "secrets/tax-seal.hex",
  sellers: { "prov:510000": ["91510100MA61234567"] },
};

const withConnectors = (connectors: unknown, routes: unknown[] = []) => ({ ...minimalConfig(), connectors, routes });
const taxConnector = { tax: { kind: "tax-einvoice", settings: taxSettings } };

/** The problem lines of the ConfigError that parsing `value` throws. */
function problems(value: unknown): readonly string[] {
  try {
    parseGatewayConfig(value, "/etc/hutong");
  } catch (error) {
    assert.ok(isConfigError(error, "invalid"), String(error));
    return error.problems;
  }
  return assert.fail("expected a ConfigError");
}

describe("connector routes", () => {
  it("parses a route to a hosted connector", () => {
    const c = parseGatewayConfig(
      withConnectors(taxConnector, [{ match: "tax:chinatax", connector: "tax" }]),
      "/etc/hutong",
    );
    assert.deepEqual(c.routeTable.entries, [
      {
        match: "tax:chinatax",
        target: { kind: "connector", connector: "tax" },
        name: "tax:chinatax via connector tax",
        timeoutMs: 10_000,
        maxInFlight: 256,
        maxQueued: 1024,
      },
    ]);
    assert.deepEqual(c.routeTable.resolve("tax:chinatax")?.target, { kind: "connector", connector: "tax" });
    assert.equal(c.routeTable.resolve("tax:other"), undefined);
  });

  it("keeps a connector's settings as written, for its kind to check against baseDir", () => {
    const c = parseGatewayConfig(withConnectors(taxConnector), "/etc/hutong");
    assert.deepEqual(c.connectors, { tax: { kind: "tax-einvoice", settings: taxSettings } });
    // Relative paths stay relative here: the kind resolves them against baseDir.
    assert.equal(c.connectors.tax?.settings.appSecretFile, "secrets/tax-app.hex");
    assert.equal(c.baseDir, "/etc/hutong");
    assert.deepEqual(parseGatewayConfig(minimalConfig(), "/etc/hutong").connectors, {});
    assert.deepEqual(
      parseGatewayConfig(withConnectors({ t: { kind: "tax-einvoice" } }), "/etc/hutong").connectors.t?.settings,
      {},
    );
  });

  it("reads the same from YAML, with a route's own limits", () => {
    const c = parseGatewayConfig(
      {
        ...minimalConfig(),
        ...parse(`
connectors:
  tax:
    kind: tax-einvoice
    settings:
      party: tax:chinatax
      baseUrl: https://tax.example:8443
    outbox: { maxAttempts: 20 }
routes:
  - match: "tax:*"
    connector: tax
    timeoutMs: 3000
`),
      },
      "/etc/hutong",
    );
    const entry = c.routeTable.resolve("tax:chinatax");
    assert.equal(entry?.name, "tax:* via connector tax");
    assert.equal(entry?.timeoutMs, 3000);
    assert.deepEqual(c.connectors.tax?.outbox, { maxAttempts: 20 });
  });

  it("refuses a route to a connector not under connectors:", () => {
    assert.deepEqual(problems(withConnectors(taxConnector, [{ match: "rail:12306", connector: "rail" }])), [
      'routes[0].connector: no connector "rail" under connectors:',
    ]);
    assert.deepEqual(
      problems(
        withConnectors({}, [
          { match: "prov:440000", local: "127.0.0.1:9001" },
          { match: "tax:chinatax", connector: "tax" },
        ]),
      ),
      ['routes[1].connector: no connector "tax" under connectors:'],
    );
  });

  it("wants exactly one of local, peer or connector", () => {
    const one = "routes[0]: give exactly one of local, peer or connector";
    assert.deepEqual(
      problems(withConnectors(taxConnector, [{ match: "tax:chinatax", connector: "tax", local: "127.0.0.1:9000" }])),
      [one],
    );
    assert.deepEqual(
      problems(
        withConnectors(taxConnector, [
          { match: "tax:chinatax", connector: "tax", peer: { address: "127.0.0.1:7444", party: "mot" } },
        ]),
      ),
      [one],
    );
    assert.deepEqual(problems(withConnectors(taxConnector, [{ match: "tax:chinatax" }])), [one]);
  });

  it("refuses connector names that are not lowercase, short words from a letter", () => {
    for (const name of ["Tax", "TAX", "t".repeat(33), "1tax", "-tax", "tax_a", "tax.a", "税务", ""]) {
      const p = problems(withConnectors({ [name]: { kind: "tax-einvoice" } }));
      assert.equal(p.length, 1, `${name}: ${p.join("; ")}`);
      assert.ok(p[0]?.startsWith("connectors"), p[0]);
    }
    // 32 characters is the limit, and digits and '-' are fine after the first letter.
    const longest = `t${"a".repeat(31)}`;
    assert.ok(parseGatewayConfig(withConnectors({ [longest]: { kind: "k" }, "tax-2": { kind: "k" } }), "/x"));
    // A route names a connector by the same rule.
    const p = problems(withConnectors(taxConnector, [{ match: "tax:chinatax", connector: "Tax" }]));
    assert.ok(
      p.some((l) => l.startsWith("routes[0].connector: lowercase letters")),
      p.join("\n"),
    );
  });

  it("refuses a bad kind, settings that are not a mapping, and unknown keys", () => {
    assert.deepEqual(problems(withConnectors({ tax: { kind: "Tax_Einvoice" } })), [
      "connectors.tax.kind: a connector kind such as tax-einvoice",
    ]);
    assert.deepEqual(problems(withConnectors({ tax: { settings: {} } })), ["connectors.tax.kind: required"]);
    // (zod's "record" is not in formatConfigIssues' type names: the line says "expected record".)
    const settings = problems(withConnectors({ tax: { kind: "tax-einvoice", settings: ["a"] } }));
    assert.equal(settings.length, 1);
    assert.match(settings[0] ?? "", /^connectors\.tax\.settings: expected .*, got a list$/);
    assert.deepEqual(problems(withConnectors({ tax: { kind: "tax-einvoice", setting: {} } })), [
      "connectors.tax.setting: unknown key",
    ]);
  });

  it("validates a connector's outbox overrides as a topic's", () => {
    const c = parseGatewayConfig(
      withConnectors({ tax: { kind: "tax-einvoice", outbox: { maxAttempts: 20, timeoutMs: 5000 } } }),
      "/x",
    );
    assert.deepEqual(c.connectors.tax?.outbox, { maxAttempts: 20, timeoutMs: 5000 });
    const bad = problems(
      withConnectors({
        tax: { kind: "tax-einvoice", outbox: { retryBaseMs: 0, maxAttempts: 1.5, timeoutMs: 600_001, retries: 3 } },
      }),
    );
    assert.deepEqual(bad, [
      "connectors.tax.outbox.retryBaseMs: must be >= 1, got 0",
      "connectors.tax.outbox.maxAttempts: expected an integer, got 1.5",
      "connectors.tax.outbox.timeoutMs: must be <= 600000, got 600001",
      "connectors.tax.outbox.retries: unknown key",
    ]);
  });

  // outbox.topics.<t> gets "retryCapMs must be ≥ retryBaseMs" against the defaults; a connector's
  // override does not, so the config loads and the gateway fails later, in the dispatcher's
  // checkTopicPolicy (an OutboxError without the config path).
  it("refuses a connector's retry cap below its retry base, counting the defaults", {}, () => {
    const capBelowDefaultBase = withConnectors({ tax: { kind: "tax-einvoice", outbox: { retryCapMs: 100 } } });
    assert.ok(problems(capBelowDefaultBase).some((p) => p.startsWith("connectors.tax.outbox.retryCapMs")));
    assert.ok(
      problems(withConnectors({ tax: { kind: "tax-einvoice", outbox: { retryBaseMs: 600_000 } } })).some((p) =>
        p.startsWith("connectors.tax.outbox.retryBaseMs"),
      ),
    );
  });
});
