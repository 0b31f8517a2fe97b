// Offline checks of the Kubernetes manifests (deploy/k8s): there is no cluster here, so an overlay
// is rendered with `kubectl kustomize` and each object is checked three ways:
//   1. schema: kubernetes-models' JSON schemas (types, required fields, enums; the first problem of
//      each object, as its validators stop there);
//   2. unknown fields: @kubernetes/client-node's model attribute lists, walked recursively (what
//      the API server's strict field validation would refuse, and what kubernetes-models lets by);
//   3. the project's own rules: probes, security context, limits, references between objects, the
//      gateway's config parsed by the gateway's own parser and tied to the pod's mounts and env,
//      network policies, no private key anywhere.
import { execFileSync } from "node:child_process";
import { BlockList, isIP } from "node:net";
import { dirname, posix } from "node:path";
import { type GatewayConfig, parseGatewayConfig } from "@hutong/gateway";
import { contractServices } from "@hutong/proto";
// Only the models' module: the package's main entry crashes on Node 20 (deploy-components.md).
import * as clientModels from "@kubernetes/client-node/dist/gen/models/ObjectSerializer.js";
import { Deployment, type IDeployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler, type IHorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { type INetworkPolicy, NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { type IPodDisruptionBudget, PodDisruptionBudget } from "kubernetes-models/policy/v1";
import {
  ConfigMap,
  type IConfigMap,
  type IContainer,
  type ISecret,
  type IService,
  type IServiceAccount,
  type IVolume,
  Namespace,
  Secret,
  Service,
  ServiceAccount,
} from "kubernetes-models/v1";
import { parseAllDocuments, parseDocument } from "yaml";

/** One rendered object: what every Kubernetes object has; the rest is checked, not assumed. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

export interface Finding {
  /** "Kind namespace/name", or "rendered output" for the text scan. */
  readonly object: string;
  /** Where in the object, as "spec.template.spec.containers[0].image"; "" for the whole object. */
  readonly path: string;
  readonly message: string;
}

/** What an overlay must deploy: the gateway's declared role and party. */
export interface GatewayExpectation {
  readonly role: GatewayConfig["role"];
  readonly party: string;
}

export const describeObject = (o: K8sObject) =>
  `${o.kind} ${o.metadata.namespace === undefined ? "" : `${o.metadata.namespace}/`}${o.metadata.name}`;

export function formatFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.object}${f.path === "" ? "" : ` ${f.path}`}: ${f.message}`).join("\n");
}

/** `kubectl kustomize DIR`; kubectl's own message on failure. */
export function renderKustomization(dir: string): string {
  try {
    return execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    throw new Error(`kubectl kustomize ${dir} failed: ${typeof stderr === "string" ? stderr.trim() : String(error)}`);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Splits a YAML stream into objects; a syntax error or a document that is not an object throws. */
export function parseManifests(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const [i, doc] of parseAllDocuments(text).entries()) {
    if (doc.errors.length > 0) throw new Error(`document ${i}: ${doc.errors.map((e) => e.message).join("; ")}`);
    const value: unknown = doc.toJS();
    if (value === null) continue;
    const meta = isRecord(value) ? value.metadata : undefined;
    if (
      !isRecord(value) ||
      typeof value.apiVersion !== "string" ||
      typeof value.kind !== "string" ||
      !isRecord(meta) ||
      typeof meta.name !== "string"
    ) {
      throw new Error(`document ${i} is not a Kubernetes object (apiVersion, kind, metadata.name)`);
    }
    objects.push(value as unknown as K8sObject);
  }
  return objects;
}

// ---------------------------------------------------------------------------------------------
// 1 and 2: schema and unknown fields

interface KindModel {
  /** kubernetes-models' class: validate() throws its ajv errors. */
  readonly model: new (
    data: never,
  ) => { validate(): void };
  /** @kubernetes/client-node's model name (its attribute list is the set of known fields). */
  readonly clientType: string;
}

/** Every kind an overlay may render; anything else is a finding rather than an unchecked object. */
const kindModels: ReadonlyMap<string, KindModel> = new Map<string, KindModel>([
  ["v1/Namespace", { model: Namespace, clientType: "V1Namespace" }],
  ["v1/ServiceAccount", { model: ServiceAccount, clientType: "V1ServiceAccount" }],
  ["v1/Secret", { model: Secret, clientType: "V1Secret" }],
  ["v1/ConfigMap", { model: ConfigMap, clientType: "V1ConfigMap" }],
  ["v1/Service", { model: Service, clientType: "V1Service" }],
  ["apps/v1/Deployment", { model: Deployment, clientType: "V1Deployment" }],
  ["policy/v1/PodDisruptionBudget", { model: PodDisruptionBudget, clientType: "V1PodDisruptionBudget" }],
  [
    "autoscaling/v2/HorizontalPodAutoscaler",
    { model: HorizontalPodAutoscaler, clientType: "V2HorizontalPodAutoscaler" },
  ],
  ["networking.k8s.io/v1/NetworkPolicy", { model: NetworkPolicy, clientType: "V1NetworkPolicy" }],
]);

/** "a.b[0]", quoting keys that are not identifiers (labels such as app.kubernetes.io/name). */
function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  if (!/^[A-Za-z_$][\w$-]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === "" ? key : `${path}.${key}`;
}

/** "/spec/template/0" (JSON pointer) to "spec.template[0]". */
function pointerToPath(pointer: string): string {
  let path = "";
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    path = childPath(path, /^\d+$/.test(key) ? Number(key) : key);
  }
  return path;
}

interface AjvError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message?: string;
  readonly params: Record<string, unknown>;
}

const isAjvError = (e: unknown): e is AjvError =>
  isRecord(e) && typeof e.instancePath === "string" && typeof e.keyword === "string" && isRecord(e.params);

export function schemaFindings(object: K8sObject): Finding[] {
  const at = describeObject(object);
  const kind = kindModels.get(`${object.apiVersion}/${object.kind}`);
  if (kind === undefined) {
    return [
      { object: at, path: "", message: `no model for ${object.apiVersion} ${object.kind}: add it to the checks` },
    ];
  }
  try {
    new kind.model(object as never).validate();
    return [];
  } catch (error) {
    const errors = isRecord(error) && Array.isArray(error.errors) ? error.errors.filter(isAjvError) : [];
    if (errors.length === 0) return [{ object: at, path: "", message: String(error) }];
    return errors.map((e) => {
      const path = pointerToPath(e.instancePath);
      if (e.keyword === "required" && typeof e.params.missingProperty === "string") {
        return { object: at, path: childPath(path, e.params.missingProperty), message: "required field missing" };
      }
      const allowed = Array.isArray(e.params.allowedValues) ? `: ${e.params.allowedValues.join(", ")}` : "";
      return { object: at, path, message: `${e.message ?? e.keyword}${allowed}` };
    });
  }
}

interface Attribute {
  readonly baseName: string;
  readonly type: string;
}

function attributesOf(type: string): readonly Attribute[] | undefined {
  const model: unknown = (clientModels as Record<string, unknown>)[type];
  if (typeof model !== "function" || !("getAttributeTypeMap" in model)) return undefined;
  const map: unknown = (model as { getAttributeTypeMap: () => unknown }).getAttributeTypeMap();
  return Array.isArray(map) ? (map as Attribute[]) : undefined;
}

function walkUnknownFields(
  value: unknown,
  type: string,
  path: string,
  report: (path: string, message: string) => void,
) {
  const array = /^Array<(.+)>$/.exec(type);
  if (array?.[1] !== undefined) {
    const element = array[1];
    if (Array.isArray(value))
      for (const [i, v] of value.entries()) walkUnknownFields(v, element, childPath(path, i), report);
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map?.[1] !== undefined) {
    const entry = map[1];
    if (isRecord(value))
      for (const [k, v] of Object.entries(value)) walkUnknownFields(v, entry, childPath(path, k), report);
    return;
  }
  // Primitives, IntOrString, enums and "any" have no fields; their types are the schema's to check.
  const attributes = attributesOf(type);
  if (attributes === undefined || !isRecord(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const attribute = attributes.find((a) => a.baseName === key);
    if (attribute === undefined) report(childPath(path, key), `unknown field "${key}" (${type} has no such field)`);
    else walkUnknownFields(child, attribute.type, childPath(path, key), report);
  }
}

export function unknownFieldFindings(object: K8sObject): Finding[] {
  const kind = kindModels.get(`${object.apiVersion}/${object.kind}`);
  if (kind === undefined) return []; // already a schema finding
  const findings: Finding[] = [];
  const at = describeObject(object);
  walkUnknownFields(object, kind.clientType, "", (path, message) => findings.push({ object: at, path, message }));
  return findings;
}

// ---------------------------------------------------------------------------------------------
// 3: the project's rules

const privateKeyPem = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;

/** Private keys in the rendered text, and in Secrets' base64 data and ConfigMaps' binaryData. */
export function privateKeyFindings(text: string, objects: readonly K8sObject[]): Finding[] {
  const findings: Finding[] = [];
  if (privateKeyPem.test(text)) {
    findings.push({ object: "rendered output", path: "", message: "contains a PEM private key" });
  }
  for (const o of objects) {
    const encoded = o.kind === "Secret" ? o.data : o.kind === "ConfigMap" ? o.binaryData : undefined;
    if (!isRecord(encoded)) continue;
    for (const [key, value] of Object.entries(encoded)) {
      if (typeof value === "string" && privateKeyPem.test(Buffer.from(value, "base64").toString("latin1"))) {
        const field = o.kind === "Secret" ? "data" : "binaryData";
        findings.push({ object: describeObject(o), path: childPath(field, key), message: "holds a PEM private key" });
      }
    }
  }
  return findings;
}

// IPv4 and IPv6 ranges that must never be a traffic target or peer here: RFC 1918, shared address
// space, loopback, link-local, unique local.
const privateRanges: readonly (readonly [string, number])[] = [
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["fc00::", 7],
  ["fe80::", 10],
  ["::1", 128],
];

/** Why a CIDR is unacceptable, or undefined: malformed, or overlapping a private range. */
export function explainCidr(cidr: string): string | undefined {
  const [address = "", bitsText = ""] = cidr.split("/");
  const family = isIP(address);
  const bits = Number(bitsText);
  if (family === 0 || !/^\d+$/.test(bitsText) || bits > (family === 4 ? 32 : 128)) return `not a CIDR: ${cidr}`;
  const type = family === 4 ? "ipv4" : "ipv6";
  const block = new BlockList();
  block.addSubnet(address, bits, type);
  for (const [base, prefix] of privateRanges) {
    if (isIP(base) !== family) continue;
    const range = new BlockList();
    range.addSubnet(base, prefix, type);
    // Two prefixes overlap exactly when one contains the other's first address.
    if (range.check(address, type) || block.check(base, type))
      return `${cidr} overlaps the private range ${base}/${prefix}`;
  }
  return undefined;
}

/** The documentation ranges (RFC 5737, RFC 3849) that committed placeholders must use. */
export function isDocumentationCidr(cidr: string): boolean {
  const [address = "", bitsText = "0"] = cidr.split("/");
  const docs = new BlockList();
  docs.addSubnet("192.0.2.0", 24, "ipv4");
  docs.addSubnet("198.51.100.0", 24, "ipv4");
  docs.addSubnet("203.0.113.0", 24, "ipv4");
  docs.addSubnet("2001:db8::", 32, "ipv6");
  const family = isIP(address);
  const minBits = family === 4 ? 24 : 32;
  return family !== 0 && Number(bitsText) >= minBits && docs.check(address, family === 4 ? "ipv4" : "ipv6");
}

/**
 * Parses a gateway config file's text as `hutong start --config PATH` would: one YAML document
 * (duplicate keys are errors), then the gateway's own schema, paths relative to PATH's directory.
 * The same steps as the server's parseGatewayConfigText, which @hutong/gateway does not export;
 * parseGatewayConfig is pure (reads no file), so keys and certificates need not exist here.
 */
export function parseGatewayConfigYaml(text: string, path: string): GatewayConfig {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new Error(
      `gateway config ${path} is not valid YAML: ${doc.errors.map((e) => e.message.split("\n")[0]).join("; ")}`,
    );
  }
  return parseGatewayConfig(doc.toJS(), dirname(path));
}

/** Every file a gateway config reads, with where it is named (absolute after parsing). */
export function gatewayConfigFiles(config: GatewayConfig): { readonly at: string; readonly file: string }[] {
  const files: { at: string; file: string }[] = [
    { at: "identity.chain", file: config.identity.chain },
    { at: "identity.key", file: config.identity.key },
    ...config.trust.anchors.map((file, i) => ({ at: `trust.anchors[${i}]`, file })),
    ...config.trust.intermediates.map((file, i) => ({ at: `trust.intermediates[${i}]`, file })),
    ...config.trust.crls.map((file, i) => ({ at: `trust.crls[${i}]`, file })),
    ...config.grants.holderAnchors.map((file, i) => ({ at: `grants.holderAnchors[${i}]`, file })),
  ];
  const { current, previous } = config.session.ticketKeys;
  if (current.secretFile !== undefined) files.push({ at: "session.ticketKeys.current", file: current.secretFile });
  if (previous?.secretFile !== undefined) files.push({ at: "session.ticketKeys.previous", file: previous.secretFile });
  if (config.grants.subjectKeyFile !== undefined)
    files.push({ at: "grants.subjectKeyFile", file: config.grants.subjectKeyFile });
  if (config.listen.tls !== undefined) {
    files.push(
      { at: "listen.tls.certFile", file: config.listen.tls.certFile },
      { at: "listen.tls.keyFile", file: config.listen.tls.keyFile },
    );
  }
  config.routes.forEach((r, i) => {
    const caFile = r.peer?.tls?.caFile;
    if (caFile !== undefined) files.push({ at: `routes[${i}].peer.tls.caFile`, file: caFile });
  });
  config.audit.witnesses.forEach((w, i) => {
    if (w.tls?.caFile !== undefined) files.push({ at: `audit.witnesses[${i}].tls.caFile`, file: w.tls.caFile });
  });
  return files;
}

/** Environment variables a gateway config names (URL, keys, passphrase). */
export function gatewayConfigEnv(config: GatewayConfig): { readonly at: string; readonly name: string }[] {
  const names: { at: string; name: string }[] = [];
  if (config.store.kind === "postgres") names.push({ at: "store.urlEnv", name: config.store.urlEnv });
  const { current, previous } = config.session.ticketKeys;
  if (current.secretEnv !== undefined)
    names.push({ at: "session.ticketKeys.current.secretEnv", name: current.secretEnv });
  if (previous?.secretEnv !== undefined)
    names.push({ at: "session.ticketKeys.previous.secretEnv", name: previous.secretEnv });
  if (config.identity.passphraseEnv !== undefined)
    names.push({ at: "identity.passphraseEnv", name: config.identity.passphraseEnv });
  return names;
}

/**
 * ACL method patterns that name no method of the contract: the parser checks their form only, and
 * a misspelt method denies in silence.
 */
export function aclMethodProblems(config: GatewayConfig): string[] {
  const problems: string[] = [];
  config.aclRules.forEach((rule, i) => {
    rule.methods.forEach((pattern, j) => {
      if (pattern === "*") return;
      const [service = "", method = ""] = pattern.split("/");
      const known = contractServices.find((s) => s.name === service);
      if (known === undefined) problems.push(`acl[${i}].methods[${j}]: no service ${service} in the contract`);
      else if (method !== "*" && !known.methods.some((m) => m.name === method)) {
        problems.push(`acl[${i}].methods[${j}]: ${service} has no method ${method}`);
      }
    });
  });
  return problems;
}

const loopbackHosts = new Set(["127.0.0.1", "::1", "localhost"]);

function labelsMatch(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>) {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/** A label selector (matchLabels and matchExpressions) against a set of labels. */
function selectorMatches(
  selector:
    | {
        matchLabels?: Record<string, string>;
        matchExpressions?: { key: string; operator: string; values?: string[] }[];
      }
    | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (selector === undefined) return false;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e) => {
    const value = labels[e.key];
    switch (e.operator) {
      case "In":
        return value !== undefined && (e.values ?? []).includes(value);
      case "NotIn":
        return value === undefined || !(e.values ?? []).includes(value);
      case "Exists":
        return value !== undefined;
      case "DoesNotExist":
        return value === undefined;
      default:
        return false;
    }
  });
  return byLabels && byExpressions;
}

interface Rendered {
  readonly objects: readonly K8sObject[];
  find<T>(kind: string, namespace: string | undefined, name: string): T | undefined;
  all<T>(kind: string): (T & K8sObject)[];
}

function index(objects: readonly K8sObject[]): Rendered {
  return {
    objects,
    find: <T>(kind: string, namespace: string | undefined, name: string) =>
      objects.find((o) => o.kind === kind && o.metadata.namespace === namespace && o.metadata.name === name) as
        | T
        | undefined,
    all: <T>(kind: string) => objects.filter((o) => o.kind === kind) as (T & K8sObject)[],
  };
}

/** The keys a ConfigMap or Secret holds, whatever field they are in. */
function keysOf(source: IConfigMap | ISecret): Set<string> {
  const s = source as { data?: object; binaryData?: object; stringData?: object };
  return new Set([s.data, s.binaryData, s.stringData].flatMap((f) => Object.keys(f ?? {})));
}

interface Mounted {
  /** The file's key in its ConfigMap or Secret, after any `items` mapping. */
  readonly key: string;
  readonly volume: IVolume;
}

/** Which volume and key serve `file` in `container`, or why none does. */
function mountedFile(file: string, container: IContainer, volumes: readonly IVolume[]): Mounted | string {
  const mounts = (container.volumeMounts ?? [])
    // A directory mount holds the file, or a subPath mount is the file itself.
    .filter((m) => file === m.mountPath || file.startsWith(m.mountPath.endsWith("/") ? m.mountPath : `${m.mountPath}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length);
  const mount = mounts[0];
  if (mount === undefined) return "is not under any volume mount (the image has no such file)";
  const volume = volumes.find((v) => v.name === mount.name);
  if (volume === undefined) return `is mounted from volume ${mount.name}, which the pod does not define`;
  const relative = posix.relative(mount.mountPath, file);
  const inSubPath = mount.subPath === undefined ? relative : posix.join(mount.subPath, relative);
  const items = volume.configMap?.items ?? volume.secret?.items;
  const key = items === undefined ? inSubPath : items.find((i) => i.path === inSubPath)?.key;
  if (key === undefined) return `is not among the items of volume ${volume.name}`;
  return { key, volume };
}

function deploymentFindings(
  d: IDeployment & K8sObject,
  rendered: Rendered,
  out: (path: string, message: string) => void,
) {
  const ns = d.metadata.namespace;
  const pod = d.spec?.template.spec;
  if (pod === undefined) return out("spec.template.spec", "no pod spec");
  const podSecurity = pod.securityContext;
  const volumes = pod.volumes ?? [];
  const sa = rendered.find<IServiceAccount>("ServiceAccount", ns, pod.serviceAccountName ?? "default");
  if (sa === undefined)
    out(
      "spec.template.spec.serviceAccountName",
      `ServiceAccount ${pod.serviceAccountName ?? "default"} is not rendered`,
    );
  if (pod.automountServiceAccountToken !== false && sa?.automountServiceAccountToken !== false) {
    out("spec.template.spec.automountServiceAccountToken", "the gateway needs no API token: set false");
  }
  volumes.forEach((v, i) => {
    const at = `spec.template.spec.volumes[${i}]`;
    const cm = v.configMap;
    if (cm !== undefined && cm.optional !== true) {
      const found = rendered.find<IConfigMap>("ConfigMap", ns, cm.name ?? "");
      if (found === undefined) out(`${at}.configMap.name`, `ConfigMap ${cm.name ?? ""} is not rendered`);
      for (const item of cm.items ?? []) {
        if (found !== undefined && !keysOf(found).has(item.key))
          out(`${at}.configMap.items`, `ConfigMap ${cm.name ?? ""} has no key ${item.key}`);
      }
    }
    const secret = v.secret;
    if (secret !== undefined && secret.optional !== true) {
      const found = rendered.find<ISecret>("Secret", ns, secret.secretName ?? "");
      if (found === undefined) out(`${at}.secret.secretName`, `Secret ${secret.secretName ?? ""} is not rendered`);
      for (const item of secret.items ?? []) {
        if (found !== undefined && !keysOf(found).has(item.key))
          out(`${at}.secret.items`, `Secret ${secret.secretName ?? ""} has no key ${item.key}`);
      }
    }
  });
  (pod.containers ?? []).forEach((c, i) => {
    const at = `spec.template.spec.containers[${i}]`;
    const ports = c.ports ?? [];
    for (const kind of ["readinessProbe", "livenessProbe"] as const) {
      const grpc = c[kind]?.grpc;
      if (grpc === undefined) out(`${at}.${kind}`, "needs a grpc probe (grpc.health.v1 answers without a session)");
      else {
        if (!ports.some((p) => p.containerPort === grpc.port))
          out(`${at}.${kind}.grpc.port`, `${grpc.port} is not a container port`);
        if ((grpc.service ?? "") !== "")
          out(`${at}.${kind}.grpc.service`, 'the gateway reports the whole server as service ""');
      }
    }
    const security = c.securityContext;
    if ((security?.runAsNonRoot ?? podSecurity?.runAsNonRoot) !== true)
      out(`${at}.securityContext.runAsNonRoot`, "must be true");
    if (security?.readOnlyRootFilesystem !== true) out(`${at}.securityContext.readOnlyRootFilesystem`, "must be true");
    if (security?.allowPrivilegeEscalation !== false)
      out(`${at}.securityContext.allowPrivilegeEscalation`, "must be false");
    for (const bound of ["requests", "limits"] as const) {
      for (const resource of ["cpu", "memory"]) {
        if (c.resources?.[bound]?.[resource] === undefined) out(`${at}.resources.${bound}.${resource}`, "must be set");
      }
    }
    (c.volumeMounts ?? []).forEach((m, j) => {
      if (!volumes.some((v) => v.name === m.name)) out(`${at}.volumeMounts[${j}]`, `no volume ${m.name}`);
    });
    (c.env ?? []).forEach((e, j) => {
      const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
      if (ref === undefined || ref.optional === true) return;
      const kind = e.valueFrom?.secretKeyRef === undefined ? "ConfigMap" : "Secret";
      const found = rendered.find<IConfigMap | ISecret>(kind, ns, ref.name ?? "");
      if (found === undefined) out(`${at}.env[${j}]`, `${kind} ${ref.name ?? ""} is not rendered`);
      else if (!keysOf(found).has(ref.key)) out(`${at}.env[${j}]`, `${kind} ${ref.name ?? ""} has no key ${ref.key}`);
    });
    (c.envFrom ?? []).forEach((e, j) => {
      const ref = e.secretRef ?? e.configMapRef;
      if (ref === undefined || ref.optional === true) return;
      const kind = e.secretRef === undefined ? "ConfigMap" : "Secret";
      if (rendered.find(kind, ns, ref.name ?? "") === undefined)
        out(`${at}.envFrom[${j}]`, `${kind} ${ref.name ?? ""} is not rendered`);
    });
  });
}

/** The gateway's config as the container reads it: `--config FILE` from a ConfigMap mount. */
function gatewayConfigFindings(
  d: IDeployment & K8sObject,
  rendered: Rendered,
  expect: GatewayExpectation,
  out: (path: string, message: string) => void,
) {
  const ns = d.metadata.namespace;
  const pod = d.spec?.template.spec;
  const volumes = pod?.volumes ?? [];
  const hpa = rendered
    .all<IHorizontalPodAutoscaler>("HorizontalPodAutoscaler")
    .find((h) => h.metadata.namespace === ns && h.spec?.scaleTargetRef.name === d.metadata.name);
  const replicas = Math.max(d.spec?.replicas ?? 1, hpa?.spec?.maxReplicas ?? 1);
  for (const [i, c] of (pod?.containers ?? []).entries()) {
    const at = `spec.template.spec.containers[${i}]`;
    const args = [...(c.command ?? []), ...(c.args ?? [])];
    const flag = args.indexOf("--config");
    const configPath = flag < 0 ? undefined : args[flag + 1];
    if (configPath === undefined) {
      out(`${at}.args`, "no --config FILE: which gateway config does it run?");
      continue;
    }
    const mounted = mountedFile(configPath, c, volumes);
    if (typeof mounted === "string") {
      out(`${at}.args`, `the config ${configPath} ${mounted}`);
      continue;
    }
    const cmName = mounted.volume.configMap?.name;
    const cm = cmName === undefined ? undefined : rendered.find<IConfigMap>("ConfigMap", ns, cmName);
    const text = cm?.data?.[mounted.key];
    if (text === undefined) {
      out(`${at}.args`, `the config ${configPath} is not a key of a rendered ConfigMap`);
      continue;
    }
    const cfgAt = `ConfigMap ${cmName ?? ""} ${mounted.key}`;
    let config: GatewayConfig;
    try {
      config = parseGatewayConfigYaml(text, configPath);
    } catch (error) {
      // A ConfigError's message lists every problem with its path.
      out(`${at}.args`, `${cfgAt}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    if (config.role !== expect.role) out(`${at}.args`, `${cfgAt}: role ${config.role}, expected ${expect.role}`);
    if (config.party !== expect.party) out(`${at}.args`, `${cfgAt}: party ${config.party}, expected ${expect.party}`);
    for (const problem of aclMethodProblems(config)) out(`${at}.args`, `${cfgAt}: ${problem}`);
    const ports = c.ports ?? [];
    const grpcPort = ports.find((p) => p.name === "grpc");
    if (grpcPort?.containerPort !== config.listen.port) {
      out(`${at}.ports`, `${cfgAt}: listen.port ${config.listen.port} is not the container port named grpc`);
    }
    if (loopbackHosts.has(config.listen.host))
      out(`${at}.args`, `${cfgAt}: listen.host ${config.listen.host} is unreachable from outside the pod`);
    const prometheus = config.observability.prometheus;
    if (prometheus !== undefined) {
      if (ports.find((p) => p.name === "metrics")?.containerPort !== prometheus.port) {
        out(
          `${at}.ports`,
          `${cfgAt}: observability.prometheus.port ${prometheus.port} is not the container port named metrics`,
        );
      }
      if (loopbackHosts.has(prometheus.host))
        out(`${at}.args`, `${cfgAt}: the metrics listener on ${prometheus.host} cannot be scraped`);
    }
    for (const { at: field, file } of gatewayConfigFiles(config)) {
      const source = mountedFile(file, c, volumes);
      if (typeof source === "string") {
        out(`${at}.volumeMounts`, `${cfgAt}: ${field} ${file} ${source}`);
        continue;
      }
      const kind =
        source.volume.configMap !== undefined ? "ConfigMap" : source.volume.secret !== undefined ? "Secret" : undefined;
      const name = source.volume.configMap?.name ?? source.volume.secret?.secretName ?? "";
      const holder = kind === undefined ? undefined : rendered.find<IConfigMap | ISecret>(kind, ns, name);
      if (kind === undefined)
        out(
          `${at}.volumeMounts`,
          `${cfgAt}: ${field} ${file} is on volume ${source.volume.name}, neither a ConfigMap nor a Secret`,
        );
      else if (holder !== undefined && !keysOf(holder).has(source.key))
        out(`${at}.volumeMounts`, `${cfgAt}: ${field} ${file}: ${kind} ${name} has no key ${source.key}`);
      if (kind === "ConfigMap" && /key|secret/i.test(field))
        out(`${at}.volumeMounts`, `${cfgAt}: ${field} is secret: mount it from a Secret`);
    }
    for (const { at: field, name } of gatewayConfigEnv(config)) {
      if (!(c.env ?? []).some((e) => e.name === name))
        out(`${at}.env`, `${cfgAt}: ${field} names ${name}, which the container does not set`);
    }
    // Replicas share one audit log and see every client through the proxy (docs/gateway.md).
    if (replicas > 1 && config.store.kind !== "postgres")
      out(`${at}.args`, `${cfgAt}: ${replicas} replicas need the PostgreSQL store they share`);
    if (replicas > 1 && config.session.handshake.perAddress !== null) {
      out(`${at}.args`, `${cfgAt}: behind the front proxy session.handshake.perAddress must be null`);
    }
  }
}

// Defensive readers for objects that may have failed the schema check.
const listOf = <T>(value: readonly T[] | undefined): readonly T[] => (Array.isArray(value) ? value : []);
const containersOf = (d: IDeployment) => listOf(d.spec?.template?.spec?.containers).filter(isRecord) as IContainer[];
const portsOf = (d: IDeployment) => containersOf(d).flatMap((c) => listOf(c.ports).filter(isRecord));
function podLabels(d: IDeployment): Record<string, string> {
  const labels = d.spec?.template?.metadata?.labels;
  return isRecord(labels) ? (labels as Record<string, string>) : {};
}

function findingsOf(object: K8sObject, collect: (out: (path: string, message: string) => void) => void): Finding[] {
  const findings: Finding[] = [];
  collect((path, message) => findings.push({ object: describeObject(object), path, message }));
  return findings;
}

/**
 * The project's rules. They read fields by their types, so they judge only `sound` objects (those
 * that passed the schema and field checks); references are looked up among all `objects`.
 */
export function projectFindings(
  objects: readonly K8sObject[],
  expect: GatewayExpectation,
  sound: readonly K8sObject[] = objects,
): Finding[] {
  const rendered = index(objects);
  const judged = index(sound);
  // Judged: the sound ones. Looked up (by Services, PDBs, HPAs, policies): all of them, read
  // defensively, so that one malformed Deployment is one finding rather than a cascade.
  const deployments = judged.all<IDeployment>("Deployment");
  const anyDeployments = rendered.all<IDeployment>("Deployment");
  const findings: Finding[] = [];
  if (anyDeployments.length === 0) findings.push({ object: "rendered output", path: "", message: "no Deployment" });
  for (const d of deployments) {
    findings.push(...findingsOf(d, (out) => deploymentFindings(d, rendered, out)));
    findings.push(...findingsOf(d, (out) => gatewayConfigFindings(d, rendered, expect, out)));
  }
  const sameNs = (o: K8sObject, d: K8sObject) => o.metadata.namespace === d.metadata.namespace;
  for (const s of judged.all<IService>("Service")) {
    findings.push(
      ...findingsOf(s, (out) => {
        const target = anyDeployments.find((d) => sameNs(s, d) && labelsMatch(s.spec?.selector, podLabels(d)));
        if (target === undefined) return out("spec.selector", "selects no Deployment's pods");
        const ports = portsOf(target);
        (s.spec?.ports ?? []).forEach((p, i) => {
          const t = p.targetPort ?? p.port;
          const port = ports.find((c) => (typeof t === "number" ? c.containerPort === t : c.name === t));
          if (port === undefined)
            out(`spec.ports[${i}].targetPort`, `${t} is no container port of ${target.metadata.name}`);
          if (port?.name === "grpc" && p.appProtocol !== "kubernetes.io/h2c")
            out(`spec.ports[${i}].appProtocol`, "gRPC without TLS: kubernetes.io/h2c");
        });
      }),
    );
  }
  const hpas = judged.all<IHorizontalPodAutoscaler>("HorizontalPodAutoscaler");
  for (const p of judged.all<IPodDisruptionBudget>("PodDisruptionBudget")) {
    findings.push(
      ...findingsOf(p, (out) => {
        const target = anyDeployments.find((d) => sameNs(p, d) && selectorMatches(p.spec?.selector, podLabels(d)));
        if (target === undefined) return out("spec.selector", "selects no Deployment's pods");
        const min = p.spec?.minAvailable;
        // An unset count is 1; a malformed one is already a finding of its own.
        const replicas: unknown = target.spec?.replicas;
        const own = replicas === undefined ? 1 : typeof replicas === "number" ? replicas : Number.POSITIVE_INFINITY;
        const hpaMin = hpas.find((h) => h.spec?.scaleTargetRef.name === target.metadata.name)?.spec?.minReplicas;
        const floor = Math.min(own, hpaMin ?? Number.POSITIVE_INFINITY);
        if (typeof min === "number" && min >= floor)
          out("spec.minAvailable", `${min} of ${floor} replicas: no node could ever be drained`);
      }),
    );
  }
  for (const h of hpas) {
    findings.push(
      ...findingsOf(h, (out) => {
        const ref = h.spec?.scaleTargetRef;
        const target = anyDeployments.find(
          (d) => sameNs(h, d) && ref?.kind === "Deployment" && d.metadata.name === ref.name,
        );
        if (target === undefined) return out("spec.scaleTargetRef", `no Deployment ${ref?.name ?? ""} is rendered`);
        if ((h.spec?.minReplicas ?? 1) > (h.spec?.maxReplicas ?? 0)) out("spec.minReplicas", "above maxReplicas");
        const usesCpu = (h.spec?.metrics ?? []).some(
          (m) => m.resource?.name === "cpu" && m.resource.target.type === "Utilization",
        );
        const requests = containersOf(target).every((c) => c.resources?.requests?.cpu !== undefined);
        if (usesCpu && !requests) out("spec.metrics", "CPU utilization needs a CPU request on every container");
      }),
    );
  }
  const policies = judged.all<INetworkPolicy>("NetworkPolicy");
  for (const n of policies) {
    findings.push(
      ...findingsOf(n, (out) => {
        const selected = anyDeployments.filter(
          (d) => sameNs(n, d) && selectorMatches(n.spec?.podSelector, podLabels(d)),
        );
        if (selected.length === 0) out("spec.podSelector", "selects no Deployment's pods");
        const ports = selected.flatMap(portsOf);
        (n.spec?.ingress ?? []).forEach((rule, i) => {
          (rule.ports ?? []).forEach((p, j) => {
            const known = ports.some((c) =>
              typeof p.port === "number" ? c.containerPort === p.port : c.name === p.port,
            );
            if (p.port !== undefined && !known)
              out(`spec.ingress[${i}].ports[${j}]`, `${p.port} is no port of the selected pods`);
          });
        });
        const peers = [
          ...(n.spec?.ingress ?? []).flatMap((r, i) =>
            (r.from ?? []).map((p, j) => ({ at: `spec.ingress[${i}].from[${j}]`, p })),
          ),
          ...(n.spec?.egress ?? []).flatMap((r, i) =>
            (r.to ?? []).map((p, j) => ({ at: `spec.egress[${i}].to[${j}]`, p })),
          ),
        ];
        for (const { at, p } of peers) {
          const why = p.ipBlock === undefined ? undefined : explainCidr(p.ipBlock.cidr);
          if (why !== undefined) out(`${at}.ipBlock.cidr`, why);
        }
      }),
    );
  }
  for (const d of deployments) {
    const mine = policies.filter((n) => sameNs(n, d) && selectorMatches(n.spec?.podSelector, podLabels(d)));
    const denies = (type: "Ingress" | "Egress") =>
      mine.some(
        (n) =>
          n.spec?.policyTypes?.includes(type) && (type === "Ingress" ? n.spec.ingress : n.spec.egress) === undefined,
      );
    if (!denies("Ingress") || !denies("Egress")) {
      findings.push({
        object: describeObject(d),
        path: "",
        message: "no default-deny NetworkPolicy (Ingress and Egress) selects its pods",
      });
    }
    const grpc = portsOf(d).find((p) => p.name === "grpc");
    const reachable = mine.some((n) =>
      (n.spec?.ingress ?? []).some((r) =>
        (r.ports ?? []).some((p) => p.port === grpc?.containerPort || p.port === "grpc"),
      ),
    );
    if (!reachable)
      findings.push({
        object: describeObject(d),
        path: "",
        message: "no NetworkPolicy lets anything reach its gRPC port",
      });
  }
  return findings;
}

/** Every check over a rendered stream: schema, unknown fields, private keys, the project's rules. */
export function checkManifests(text: string, objects: readonly K8sObject[], expect: GatewayExpectation): Finding[] {
  const structural = objects.map((o) => ({ o, findings: [...schemaFindings(o), ...unknownFieldFindings(o)] }));
  const sound = structural.filter((s) => s.findings.length === 0).map((s) => s.o);
  return [
    ...structural.flatMap((s) => s.findings),
    ...privateKeyFindings(text, objects),
    ...projectFindings(objects, expect, sound),
  ];
}

/** Renders `dir` and checks it. */
export function checkKustomization(
  dir: string,
  expect: GatewayExpectation,
): { text: string; objects: K8sObject[]; findings: Finding[] } {
  const text = renderKustomization(dir);
  const objects = parseManifests(text);
  return { text, objects, findings: checkManifests(text, objects, expect) };
}
