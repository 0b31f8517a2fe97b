// A structural check of an OpenTelemetry Collector configuration (deploy/otel/collector.yaml). No
// collector binary exists on these machines (deploy-components.md), so what a collector would
// refuse at start-up, and what our deployment requires on top, is checked here instead: every
// component a pipeline names is defined and every defined one used; component types are ones the
// contrib distribution has; memory_limiter first and batch last in each pipeline; a processor that
// strips personal data in each pipeline; no plaintext or unverified TLS to a non-local endpoint.
import { parse } from "yaml";

type Kind = "receivers" | "processors" | "exporters" | "extensions" | "connectors";

/**
 * Component type names (each component's metadata.yaml `type:`) of the contrib distribution,
 * otelcol-contrib v0.135/0.136, as listed in open-telemetry/opentelemetry-collector-releases,
 * distributions/otelcol-contrib/manifest.yaml. A subset: the components a gateway deployment may
 * plausibly use. A type missing here is refused: add it deliberately, from that manifest.
 */
export const knownComponentTypes: Readonly<Record<Kind, ReadonlySet<string>>> = {
  receivers: new Set([
    "otlp",
    "nop",
    "prometheus",
    "prometheus_simple",
    "hostmetrics",
    "filelog",
    "journald",
    "syslog",
    "tcplog",
    "udplog",
    "jaeger",
    "zipkin",
    "kafka",
    "kafkametrics",
    "k8s_cluster",
    "k8s_events",
    "k8sobjects",
    "kubeletstats",
    "docker_stats",
    "statsd",
    "carbon",
    "collectd",
    "fluentforward",
    "httpcheck",
    "haproxy",
    "nginx",
    "postgresql",
    "mysql",
    "redis",
    "sqlquery",
    "otlpjsonfile",
    "receiver_creator",
  ]),
  processors: new Set([
    "batch",
    "memory_limiter",
    "attributes",
    "resource",
    "resourcedetection",
    "redaction",
    "filter",
    "transform",
    "probabilistic_sampler",
    "tail_sampling",
    "k8sattributes",
    "span",
    "groupbyattrs",
    "groupbytrace",
    "cumulativetodelta",
    "deltatocumulative",
    "deltatorate",
    "metricstransform",
    "metricsgeneration",
    "interval",
    "logdedup",
    "remotetap",
  ]),
  exporters: new Set([
    "debug",
    "nop",
    "otlp",
    "otlphttp",
    "file",
    "kafka",
    "loadbalancing",
    "prometheus",
    "prometheusremotewrite",
    "zipkin",
    "elasticsearch",
    "opensearch",
    "clickhouse",
    "influxdb",
    "carbon",
    "syslog",
    "splunk_hec",
  ]),
  extensions: new Set([
    "health_check",
    "pprof",
    "zpages",
    "file_storage",
    "db_storage",
    "basicauth",
    "bearertokenauth",
    "oauth2client",
    "oidc",
    "headers_setter",
    "k8s_observer",
    "docker_observer",
    "host_observer",
  ]),
  connectors: new Set([
    "forward",
    "count",
    "sum",
    "spanmetrics",
    "servicegraph",
    "routing",
    "roundrobin",
    "failover",
    "exceptions",
    "signaltometrics",
  ]),
};

const kinds: readonly Kind[] = ["receivers", "processors", "exporters", "extensions", "connectors"];
const signals = new Set(["traces", "metrics", "logs", "profiles"]);
/** Processor types that drop or mask attributes: each pipeline needs one (personal data never leaves). */
const redactingTypes = new Set(["attributes", "redaction"]);

type Node = Record<string, unknown>;

const isMapping = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);

/** The type of a component id `type` or `type/name`. */
export function componentType(id: string): string {
  return id.split("/", 1)[0] ?? id;
}

/** Loopback names and addresses, where plaintext never crosses a network. */
function isLocalHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Host of an endpoint `host:port`, `[v6]:port` or `scheme://host[:port]/…`; env references stay as written. */
function endpointParts(endpoint: string): { readonly scheme: string | undefined; readonly host: string } {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(endpoint);
  const rest = m?.[2] ?? endpoint;
  const authority = rest.split("/", 1)[0] ?? rest;
  const host = authority.startsWith("[")
    ? authority.slice(1, authority.indexOf("]"))
    : (authority.split(":", 1)[0] ?? authority);
  return { scheme: m?.[1]?.toLowerCase(), host };
}

/** Problems with one exporter's transport security: none when its endpoint is local. */
function tlsProblems(path: string, config: Node): string[] {
  const endpoint = config.endpoint;
  if (typeof endpoint !== "string") return [];
  const { scheme, host } = endpointParts(endpoint);
  if (isLocalHost(host)) return [];
  const problems: string[] = [];
  const tls = isMapping(config.tls) ? config.tls : {};
  if (scheme === "http") problems.push(`${path}.endpoint: plaintext http:// to non-local ${host}`);
  if (tls.insecure === true) problems.push(`${path}.tls.insecure: true for non-local endpoint ${host}`);
  if (tls.insecure_skip_verify === true) {
    problems.push(`${path}.tls.insecure_skip_verify: true for non-local endpoint ${host}`);
  }
  return problems;
}

function stringList(value: unknown, path: string, problems: string[]): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    problems.push(`${path}: expected a list of component ids`);
    return [];
  }
  const seen = new Set<string>();
  for (const id of value) {
    if (seen.has(id)) problems.push(`${path}: ${id} listed twice`);
    seen.add(id);
  }
  return value;
}

/** Every problem found, each prefixed with its path; empty when the configuration passes. */
export function checkCollectorConfig(config: unknown): string[] {
  const problems: string[] = [];
  if (!isMapping(config)) return ["(root): expected a mapping"];
  for (const key of Object.keys(config)) {
    if (key !== "service" && !(kinds as readonly string[]).includes(key))
      problems.push(`${key}: unknown top-level key`);
  }

  const defined: Record<Kind, Map<string, Node>> = {
    receivers: new Map(),
    processors: new Map(),
    exporters: new Map(),
    extensions: new Map(),
    connectors: new Map(),
  };
  for (const kind of kinds) {
    const section = config[kind];
    if (section === undefined || section === null) continue;
    if (!isMapping(section)) {
      problems.push(`${kind}: expected a mapping of component ids`);
      continue;
    }
    for (const [id, body] of Object.entries(section)) {
      const type = componentType(id);
      if (!/^[a-z][a-z0-9_]*(\/[^/\s]+)?$/.test(id)) problems.push(`${kind}.${id}: not a component id (type[/name])`);
      else if (!knownComponentTypes[kind].has(type))
        problems.push(`${kind}.${id}: unknown ${kind.slice(0, -1)} type "${type}"`);
      if (body !== null && !isMapping(body)) problems.push(`${kind}.${id}: expected a mapping or nothing`);
      defined[kind].set(id, isMapping(body) ? body : {});
    }
  }
  for (const [id, body] of defined.exporters) problems.push(...tlsProblems(`exporters.${id}`, body));

  const service = config.service;
  if (!isMapping(service)) {
    problems.push("service: missing");
    return problems;
  }
  for (const key of Object.keys(service)) {
    if (!["extensions", "pipelines", "telemetry"].includes(key)) problems.push(`service.${key}: unknown key`);
  }
  for (const id of stringList(service.extensions, "service.extensions", problems)) {
    if (!defined.extensions.has(id)) problems.push(`service.extensions: ${id} is not defined under extensions`);
  }

  const used: Record<Kind, Set<string>> = {
    receivers: new Set(),
    processors: new Set(),
    exporters: new Set(),
    extensions: new Set(stringList(service.extensions, "service.extensions", [])),
    connectors: new Set(),
  };
  const pipelines = service.pipelines;
  if (!isMapping(pipelines) || Object.keys(pipelines).length === 0) {
    problems.push("service.pipelines: expected at least one pipeline");
    return problems;
  }
  for (const [name, pipeline] of Object.entries(pipelines)) {
    const at = `service.pipelines.${name}`;
    if (!signals.has(componentType(name))) problems.push(`${at}: not a signal (traces, metrics, logs, profiles)`);
    if (!isMapping(pipeline)) {
      problems.push(`${at}: expected a mapping`);
      continue;
    }
    for (const key of Object.keys(pipeline)) {
      if (!["receivers", "processors", "exporters"].includes(key)) problems.push(`${at}.${key}: unknown key`);
    }
    const receivers = stringList(pipeline.receivers, `${at}.receivers`, problems);
    const processors = stringList(pipeline.processors, `${at}.processors`, problems);
    const exporters = stringList(pipeline.exporters, `${at}.exporters`, problems);
    if (receivers.length === 0) problems.push(`${at}.receivers: at least one is needed`);
    if (exporters.length === 0) problems.push(`${at}.exporters: at least one is needed`);
    // A connector is an exporter of one pipeline and a receiver of another.
    for (const id of receivers) {
      if (defined.connectors.has(id)) used.connectors.add(id);
      else if (defined.receivers.has(id)) used.receivers.add(id);
      else problems.push(`${at}.receivers: ${id} is not defined under receivers or connectors`);
    }
    for (const id of exporters) {
      if (defined.connectors.has(id)) used.connectors.add(id);
      else if (defined.exporters.has(id)) used.exporters.add(id);
      else problems.push(`${at}.exporters: ${id} is not defined under exporters or connectors`);
    }
    for (const id of processors) {
      if (defined.processors.has(id)) used.processors.add(id);
      else problems.push(`${at}.processors: ${id} is not defined under processors`);
    }
    const types = processors.map(componentType);
    if (types[0] !== "memory_limiter") problems.push(`${at}.processors: memory_limiter must come first`);
    if (types.at(-1) !== "batch") problems.push(`${at}.processors: batch must come last`);
    if (!types.some((t) => redactingTypes.has(t))) {
      problems.push(`${at}.processors: no attributes or redaction processor to strip personal data`);
    }
  }
  for (const kind of kinds) {
    for (const id of defined[kind].keys()) {
      if (!used[kind].has(id)) problems.push(`${kind}.${id}: defined but used by no pipeline`);
    }
  }
  return problems;
}

/** Parses the YAML (a syntax error is a problem too) and checks it. */
export function checkCollectorConfigText(text: string): string[] {
  let config: unknown;
  try {
    config = parse(text);
  } catch (e) {
    return [`(yaml): ${(e as Error).message}`];
  }
  return checkCollectorConfig(config);
}
