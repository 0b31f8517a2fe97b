import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { parse } from "yaml";
import {
  type ConfigProblem,
  checkEnvoyBootstrap,
  checkEnvoyBootstrapYaml,
  checkEnvoyMessage,
  EnvoyApi,
  formatProblems,
} from "./envoy-bootstrap.js";

const envoyYaml = readFileSync(new URL("../envoy/envoy.yaml", import.meta.url), "utf8");
const config: unknown = parse(envoyYaml);

type Key = string | number;

/** The value at a path of keys, failing the test when a step is missing. */
function get(value: unknown, ...keys: Key[]): unknown {
  let v = value;
  for (const key of keys) {
    assert.ok(typeof v === "object" && v !== null, `no ${String(key)} under a non-object`);
    v = (v as Record<Key, unknown>)[key];
    assert.notEqual(v, undefined, `missing ${keys.join(".")}`);
  }
  return v;
}

function list(value: unknown, ...keys: Key[]): unknown[] {
  const v = get(value, ...keys);
  assert.ok(Array.isArray(v), `${keys.join(".")} is not a list`);
  return v;
}

function record(value: unknown, ...keys: Key[]): Record<string, unknown> {
  const v = get(value, ...keys);
  assert.ok(typeof v === "object" && v !== null && !Array.isArray(v), `${keys.join(".")} is not an object`);
  return v as Record<string, unknown>;
}

/** A copy of the committed config with one value replaced (or removed, for undefined). */
function withChange(keys: Key[], value: unknown): unknown {
  const copy: unknown = structuredClone(config);
  const parent = record(copy, ...keys.slice(0, -1)) as Record<Key, unknown>;
  const last = keys.at(-1);
  assert.notEqual(last, undefined);
  if (last === undefined) return copy;
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return copy;
}

const listener = ["static_resources", "listeners", 0];
const hcm = [...listener, "filter_chains", 0, "filters", 0, "typed_config"];
const hcmPath = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config";
const routes = [...hcm, "route_config", "virtual_hosts", 0, "routes"];
const routesPath = `${hcmPath}.route_config.virtual_hosts[0].routes`;
const cluster = ["static_resources", "clusters", 0];

function paths(problems: readonly ConfigProblem[]): string[] {
  return problems.map((p) => p.path);
}

test("the committed envoy.yaml satisfies the Envoy v3 API, strictly", () => {
  const problems = checkEnvoyBootstrapYaml(envoyYaml);
  assert.deepEqual(problems, [], formatProblems(problems));
});

test("admin listens on loopback only; the listener terminates TLS 1.3 with the proxy's certificate, h2 only", () => {
  assert.equal(get(config, "admin", "address", "socket_address", "address"), "127.0.0.1");
  const tls = record(config, ...listener, "filter_chains", 0, "transport_socket", "typed_config");
  assert.equal(tls["@type"], "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext");
  assert.equal(get(tls, "common_tls_context", "tls_params", "tls_minimum_protocol_version"), "TLSv1_3");
  assert.equal(
    get(tls, "common_tls_context", "tls_certificates", 0, "certificate_chain", "filename"),
    "/etc/hutong/proxy/tls.crt",
  );
  assert.equal(
    get(tls, "common_tls_context", "tls_certificates", 0, "private_key", "filename"),
    "/etc/hutong/proxy/tls.key",
  );
  assert.deepEqual(get(tls, "common_tls_context", "alpn_protocols"), ["h2"]);
});

test("the connection manager speaks HTTP/2, takes 64 KiB tickets, and rate-limits before routing", () => {
  const m = record(config, ...hcm);
  assert.equal(
    m["@type"],
    "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
  );
  assert.equal(m.codec_type, "HTTP2");
  assert.ok(
    typeof m.max_request_headers_kb === "number" && m.max_request_headers_kb >= 64,
    "header limit below 64 KiB",
  );
  assert.equal(m.use_remote_address, true);
  assert.equal(m.generate_request_id, true);
  assert.match(String(m.stream_idle_timeout), /^\d+s$/);
  const filters = list(m, "http_filters").map((f) => get(f, "name"));
  assert.deepEqual(filters, ["envoy.filters.http.local_ratelimit", "envoy.filters.http.router"]);
  const rateLimit = record(m, "http_filters", 0, "typed_config");
  assert.equal(rateLimit.local_rate_limit_per_downstream_connection, false, "one bucket for the listener");
  assert.ok(Number(get(rateLimit, "token_bucket", "max_tokens")) > 0);
});

/** "/package.Service/Method" of every method in the contract. */
function contractMethods(): Set<string> {
  const dir = new URL("../../proto/hutong/v1/", import.meta.url);
  const methods = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".proto"))) {
    const text = readFileSync(new URL(file, dir), "utf8");
    const pkg = /^package\s+([\w.]+);/m.exec(text)?.[1];
    for (const block of text.split(/^service\s+/m).slice(1)) {
      const service = /^(\w+)/.exec(block)?.[1];
      for (const rpc of block.matchAll(/^\s*rpc\s+(\w+)\s*\(/gm)) methods.add(`/${pkg}.${service}/${rpc[1]}`);
    }
  }
  return methods;
}

test("every gRPC path goes to hutong_gateway; only the handshake's Hello is retried; deadlines propagate", () => {
  const hello = "/hutong.v1.SessionService/Hello";
  const methods = contractMethods();
  assert.ok(methods.has(hello), "the contract has no SessionService/Hello");
  const vhost = record(config, ...hcm, "route_config", "virtual_hosts", 0);
  assert.deepEqual(vhost.domains, ["*"]);
  assert.equal(vhost.retry_policy, undefined, "no virtual-host retry policy");
  assert.equal(vhost.hedge_policy, undefined);
  const all = list(config, ...routes);
  assert.deepEqual(get(all.at(-1), "match"), { prefix: "/", grpc: {} }, "the last route catches every gRPC path");
  for (const [i, route] of all.entries()) {
    const match = record(route, "match");
    const exact = typeof match.path === "string" ? match.path : undefined;
    if (exact !== undefined) assert.ok(methods.has(exact), `routes[${i}] names no contract method: ${exact}`);
    const action = record(route, "route");
    assert.equal(action.cluster, "hutong_gateway");
    assert.match(String(action.timeout), /^\d+s$/, `routes[${i}] has no timeout`);
    assert.match(String(get(action, "max_stream_duration", "grpc_timeout_header_max")), /^\d+s$/);
    if (exact === hello) {
      const retry = record(action, "retry_policy");
      assert.ok(Number(retry.num_retries) <= 1);
      for (const on of String(retry.retry_on).split(",")) {
        assert.ok(["reset", "connect-failure", "refused-stream"].includes(on), `Hello retried on ${on}`);
      }
    } else {
      assert.equal(action.retry_policy, undefined, `routes[${i}] (${JSON.stringify(match)}) must not retry`);
    }
  }
});

test("the cluster: h2c to hutong-gateway:7443, round robin, gRPC health checks, outlier detection, breakers", () => {
  const c = record(config, ...cluster);
  assert.equal(c.name, "hutong_gateway");
  assert.equal(c.type, "STRICT_DNS");
  assert.equal(c.lb_policy, "ROUND_ROBIN");
  const address = record(
    c,
    "load_assignment",
    "endpoints",
    0,
    "lb_endpoints",
    0,
    "endpoint",
    "address",
    "socket_address",
  );
  assert.deepEqual(address, { address: "hutong-gateway", port_value: 7443 });
  const options = record(
    c,
    "typed_extension_protocol_options",
    "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
  );
  assert.equal(options["@type"], "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
  record(options, "explicit_http_config", "http2_protocol_options");
  const check = record(c, "health_checks", 0);
  assert.equal(check.interval, "2s");
  assert.equal(check.unhealthy_threshold, 2);
  assert.equal(check.healthy_threshold, 2);
  record(check, "grpc_health_check");
  record(c, "outlier_detection");
  list(c, "circuit_breakers", "thresholds");
});

test("the access log is JSON on stdout with only fields that cannot carry personal data", () => {
  const log = record(config, ...hcm, "access_log", 0, "typed_config");
  assert.equal(log["@type"], "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog");
  assert.equal(log.path, "/dev/stdout");
  const format = record(log, "log_format", "json_format");
  for (const key of ["start_time", "method", "path", "response_code", "grpc_status", "upstream_host", "request_id"]) {
    assert.ok(key in format, `access log lacks ${key}`);
  }
  const allowed = new Set([
    "%START_TIME%",
    "%REQ(:METHOD)%",
    "%REQ(:PATH)%",
    "%REQ(X-REQUEST-ID)%",
    "%RESPONSE_CODE%",
    "%GRPC_STATUS(NUMBER)%",
    "%TRAILER(GRPC-STATUS)%",
    "%RESPONSE_FLAGS%",
    "%DURATION%",
    "%UPSTREAM_HOST%",
    "%BYTES_RECEIVED%",
    "%BYTES_SENT%",
  ]);
  for (const [key, value] of Object.entries(format)) {
    assert.equal(typeof value, "string", key);
    const text = String(value);
    assert.doesNotMatch(text, /hutong-/i, `${key} logs a hutong-* header`);
    for (const req of text.matchAll(/%REQ\(([^)]*)\)/gi)) {
      assert.ok([":method", ":path", "x-request-id"].includes((req[1] ?? "").toLowerCase()), `${key} logs ${req[0]}`);
    }
    for (const operator of text.match(/%[^%]*%/g) ?? []) {
      assert.ok(allowed.has(operator.toUpperCase()), `${key} logs ${operator}, not on the list of safe fields`);
    }
  }
});

// Each mistake in a copy of the committed config is reported once, at its path.
const mistakes: { name: string; keys: Key[]; value: unknown; path: string; message: RegExp }[] = [
  {
    name: "an unknown field",
    keys: [...cluster, "conect_timeout"],
    value: "2s",
    path: "static_resources.clusters[0].conect_timeout",
    message:
      /unknown field "conect_timeout" in envoy\.config\.cluster\.v3\.Cluster \(did you mean "connect_timeout"\?\)/,
  },
  {
    name: "a string where an integer belongs",
    keys: ["admin", "address", "socket_address", "port_value"],
    value: "ninety-nine-oh-one",
    path: "admin.address.socket_address.port_value",
    message: /expected an integer \(uint32\)/,
  },
  {
    name: "a number where a string belongs",
    keys: [...cluster, "name"],
    value: 7,
    path: "static_resources.clusters[0].name",
    message: /expected a string, got number 7/,
  },
  {
    name: "an integer out of its PGV range",
    keys: [...hcm, "max_request_headers_kb"],
    value: 10000,
    path: `${hcmPath}.max_request_headers_kb`,
    message: /10000 must be <= 8192/,
  },
  {
    name: "an unknown enum name",
    keys: [...cluster, "lb_policy"],
    value: "ROUND_ROBBIN",
    path: "static_resources.clusters[0].lb_policy",
    message: /"ROUND_ROBBIN" is not a value of envoy\.config\.cluster\.v3\.Cluster\.LbPolicy/,
  },
  {
    name: "an @type that does not resolve",
    keys: [...hcm, "http_filters", 0, "typed_config", "@type"],
    value: "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimiter",
    path: `${hcmPath}.http_filters[0].typed_config["@type"]`,
    message: /cannot resolve .*LocalRateLimiter/,
  },
  {
    name: "an Any whose body has an unknown field",
    keys: [...hcm, "max_request_header_kb"],
    value: 96,
    path: `${hcmPath}.max_request_header_kb`,
    message:
      /unknown field "max_request_header_kb" in .*HttpConnectionManager \(did you mean "max_request_headers_kb"\?\)/,
  },
  {
    name: "two members of one oneof",
    keys: [...routes, 2, "match", "path"],
    value: "/grpc.health.v1.Health/Check",
    path: `${routesPath}[2].match.path`,
    message: /"path" and "prefix" are both set, but only one member of oneof path_specifier may be/,
  },
  {
    name: "a Duration without its unit",
    keys: [...cluster, "health_checks", 0, "interval"],
    value: "2",
    path: "static_resources.clusters[0].health_checks[0].interval",
    message: /expected a duration string/,
  },
  {
    name: "a Duration as a bare number",
    keys: [...cluster, "connect_timeout"],
    value: 2,
    path: "static_resources.clusters[0].connect_timeout",
    message: /expected a duration string .*got number 2/,
  },
  {
    name: "a deprecated field",
    keys: [...hcm, "access_log", 0, "typed_config"],
    value: {
      "@type": "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog",
      path: "/dev/stdout",
      json_format: { path: "%REQ(:PATH)%" }, // FileAccessLog's own, before log_format
    },
    path: `${hcmPath}.access_log[0].typed_config.json_format`,
    message: /json_format is deprecated/,
  },
  {
    name: "a missing required field (PGV)",
    keys: [...hcm, "stat_prefix"],
    value: undefined,
    path: `${hcmPath}.stat_prefix`,
    message: /must not be empty/,
  },
  {
    name: "a missing required message (PGV)",
    keys: [...cluster, "health_checks", 0, "healthy_threshold"],
    value: undefined,
    path: "static_resources.clusters[0].health_checks[0].healthy_threshold",
    message: /healthy_threshold is required/,
  },
  {
    name: "a scalar where a list belongs",
    keys: [...listener, "filter_chains", 0, "transport_socket", "typed_config", "common_tls_context", "alpn_protocols"],
    value: "h2",
    path: `static_resources.listeners[0].filter_chains[0].transport_socket.typed_config.common_tls_context.alpn_protocols`,
    message: /expected a list/,
  },
  {
    name: "an empty YAML value",
    keys: [...cluster, "outlier_detection"],
    value: null,
    path: "static_resources.clusters[0].outlier_detection",
    message: /null/,
  },
];

for (const mistake of mistakes) {
  test(`reports ${mistake.name} at its path`, () => {
    const problems = checkEnvoyBootstrap(withChange(mistake.keys, mistake.value));
    assert.deepEqual(paths(problems), [mistake.path], formatProblems(problems));
    assert.match(problems[0]?.message ?? "", mistake.message);
  });
}

test("reports every problem, not just the first", () => {
  const broken = withChange([...cluster, "lb_policy"], "FASTEST");
  (record(broken, "admin") as Record<string, unknown>).address = { socket_address: { address: "127.0.0.1" } };
  assert.deepEqual(paths(checkEnvoyBootstrap(broken)), [
    "admin.address.socket_address",
    "static_resources.clusters[0].lb_policy",
  ]);
});

test("accepts json_name (camelCase) keys as Envoy does, but not both spellings of one field", () => {
  const camel = {
    staticResources: {
      clusters: [
        {
          name: "c",
          connectTimeout: "0.25s",
          lbPolicy: "LEAST_REQUEST",
          loadAssignment: {
            clusterName: "c",
            endpoints: [
              { lbEndpoints: [{ endpoint: { address: { socketAddress: { address: "h", portValue: 1 } } } }] },
            ],
          },
        },
      ],
    },
  };
  assert.deepEqual(checkEnvoyBootstrap(camel), []);
  const twice = { admin: { address: { socket_address: { address: "a", port_value: 1, portValue: 2 } } } };
  assert.deepEqual(paths(checkEnvoyBootstrap(twice)), ["admin.address.socket_address.portValue"]);
});

test("checks well-known types in their proto3 JSON forms", () => {
  const ok = {
    stats_server_version_override: "18446744073709551615", // uint64 wrapper, as a string
    stats_flush_interval: "0.5s",
    node: { id: "n", metadata: { any: ["json", 1, true, null, { nested: "ok" }] } }, // Struct
  };
  assert.deepEqual(checkEnvoyBootstrap(ok), []);
  const bad = {
    stats_server_version_override: "18446744073709551616",
    stats_flush_interval: "0.5 s",
    node: { metadata: "not an object" },
  };
  assert.deepEqual(paths(checkEnvoyBootstrap(bad)), [
    "stats_server_version_override",
    "stats_flush_interval",
    "node.metadata",
  ]);
  // An Any of a well-known type carries its JSON under "value"; a TypedStruct's value is checked
  // as the message its type_url names.
  const filter = (typed_config: unknown) => ({ name: "f", typed_config });
  assert.deepEqual(
    checkEnvoyMessage(
      {
        stat_prefix: "s",
        route_config: {},
        http_filters: [filter({ "@type": "type.googleapis.com/google.protobuf.Duration", value: "1s" })],
      },
      "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
    ),
    [],
  );
  const typedStruct = {
    "@type": "type.googleapis.com/xds.type.v3.TypedStruct",
    type_url: "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
    value: { suppress_envoy_headers: "yes" },
  };
  const problems = checkEnvoyMessage(
    { stat_prefix: "s", route_config: {}, http_filters: [filter(typedStruct)] },
    "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
  );
  assert.deepEqual(
    paths(problems),
    ["http_filters[0].typed_config.value.suppress_envoy_headers"],
    formatProblems(problems),
  );
});

test("an Any without @type, and YAML that does not parse, are problems too", () => {
  const noType = withChange([...hcm, "http_filters", 1, "typed_config"], { start_child_span: true });
  assert.deepEqual(paths(checkEnvoyBootstrap(noType)), [`${hcmPath}.http_filters[1].typed_config`]);
  const problems = checkEnvoyBootstrapYaml("admin:\n  address: {\n");
  assert.equal(problems.length > 0 && problems.every((p) => p.path === "" && p.message.startsWith("YAML")), true);
  assert.deepEqual(paths(checkEnvoyBootstrapYaml("admin: {}\nadmin: {}\n")), [""], "duplicate keys");
});

test("loads the bootstrap's protos eagerly and an extension's package only when a config names it", () => {
  const started = performance.now();
  const api = new EnvoyApi();
  const name = "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit";
  assert.equal(api.root.lookup(name), null);
  assert.equal(api.type(name)?.fullName, `.${name}`);
  assert.equal(api.type("envoy.extensions.filters.http.no_such_filter.v3.Config"), undefined);
  assert.deepEqual(checkEnvoyBootstrapYaml(envoyYaml, api), []);
  assert.ok(performance.now() - started < 5000, "loading the Envoy API took more than 5 s");
});
