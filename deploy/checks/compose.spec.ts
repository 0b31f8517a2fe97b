// The one-host compose setup (deploy/compose): docker-compose validates the file without a daemon
// (`config`), and these checks add what it cannot know: every service on the host's network, the
// configs parsed by the gateway's and the e-ticket service's own parsers, every file they read
// mounted read-only from the git-ignored secrets directory, and the services' addresses agreeing
// with each other. The gateways' healthcheck script is run against a real gateway.
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createLogger, type GatewayConfig, loadGatewayConfig, startGateway } from "@hutong/gateway";
import { prepareDevEnvironment } from "@hutong/gateway/dev";
import { parseServiceConfig } from "@hutong/ticketing";
import { parse } from "yaml";
import { missingTool } from "./deploy-tools.js";
import {
  aclMethodProblems,
  type GatewayExpectation,
  gatewayConfigEnv,
  gatewayConfigFiles,
  parseGatewayConfigYaml,
} from "./kubernetes.js";

const composeDir = fileURLToPath(new URL("../compose/", import.meta.url));
const healthScript = fileURLToPath(new URL("../docker/grpc-health-check.mjs", import.meta.url));
const skip = missingTool("docker-compose");

const gateways: Record<string, GatewayExpectation> = {
  "gateway-510000": { role: "province", party: "prov:510000" },
  hub: { role: "hub", party: "mot" },
};

const scratch = mkdtempSync(join(tmpdir(), "hutong-compose-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
// An empty env file instead of deploy/compose/.env, and no inherited variables: the result must
// not depend on a developer's environment.
const emptyEnv = join(scratch, "empty.env");
writeFileSync(emptyEnv, "");

function dockerCompose(file: string, args: readonly string[], env: Record<string, string> = {}) {
  const r = spawnSync("docker-compose", ["--env-file", emptyEnv, "-f", file, ...args], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: scratch, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Service {
  readonly image?: string;
  readonly network_mode?: string;
  readonly networks?: unknown;
  readonly ports?: unknown;
  readonly entrypoint?: readonly string[];
  readonly command?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
  readonly volumes?: readonly string[];
  readonly healthcheck?: { readonly test?: readonly string[] };
  readonly restart?: string;
  readonly user?: string;
  readonly read_only?: boolean;
}

interface ComposeConfig {
  readonly services: Readonly<Record<string, Service>>;
  readonly networks?: unknown;
}

/** `docker-compose config`: the file as docker-compose understood it (anchors merged, paths absolute). */
function normalizedConfig(file: string, env: Record<string, string> = { HUTONG_PG_PASSWORD: "check" }): ComposeConfig {
  const r = dockerCompose(file, ["config"], env);
  assert.equal(r.status, 0, r.stderr);
  const value: unknown = parse(r.stdout);
  assert.ok(typeof value === "object" && value !== null && "services" in value, r.stdout);
  return value as ComposeConfig;
}

interface Mount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

const mountsOf = (s: Service): Mount[] =>
  (s.volumes ?? []).map((v) => {
    const [source = "", target = "", mode = "rw"] = v.split(":");
    return { source, target, readOnly: mode.split(",").includes("ro") };
  });

/** The mount that serves a container path, and the path on its source side. */
function hostPathOf(s: Service, file: string): { mount: Mount; source: string } | undefined {
  const mount = mountsOf(s)
    .filter((m) => file === m.target || file.startsWith(`${m.target}/`))
    .sort((a, b) => b.target.length - a.target.length)[0];
  if (mount === undefined) return undefined;
  return { mount, source: mount.source + file.slice(mount.target.length) };
}

function configArg(s: Service): string | undefined {
  const args = [...(s.entrypoint ?? []), ...(s.command ?? [])];
  const i = args.indexOf("--config");
  return i < 0 ? undefined : args[i + 1];
}

/** Everything the compose file gets wrong that docker-compose itself accepts. */
function composeProblems(config: ComposeConfig, dir: string): string[] {
  const problems: string[] = [];
  const secrets = join(dir, "secrets");
  if (config.networks !== undefined)
    problems.push("top level: networks are declared (bridge networks are forbidden here)");
  for (const [name, s] of Object.entries(config.services)) {
    if (s.network_mode !== "host") problems.push(`${name}: network_mode is ${s.network_mode ?? "unset"}, not host`);
    if (s.networks !== undefined || s.ports !== undefined)
      problems.push(`${name}: networks or ports with host networking`);
    if ((s.healthcheck?.test ?? []).length === 0) problems.push(`${name}: no healthcheck`);
    if (s.restart === undefined || s.restart === "no") problems.push(`${name}: no restart policy`);
    if (s.image?.startsWith("hutong/") === true) {
      if (s.user === undefined || s.user.startsWith("0") || s.user.startsWith("root"))
        problems.push(`${name}: runs as root`);
      if (s.read_only !== true) problems.push(`${name}: root filesystem not read-only`);
    }
  }
  const listens = new Map<string, string>(); // "host:port" -> who
  const claim = (address: string, who: string) => {
    const port = address.split(":").pop() ?? "";
    const holder = [...listens].find(([a]) => a.split(":").pop() === port);
    if (holder !== undefined) problems.push(`${who} and ${holder[1]} both listen on port ${port} of the host`);
    listens.set(address, who);
  };
  const postgres = config.services.postgres;
  const pgPort = (postgres?.command ?? []).find((a) => a.startsWith("port="))?.slice("port=".length) ?? "5432";
  claim(`127.0.0.1:${pgPort}`, "postgres");

  const parsed = new Map<string, GatewayConfig>();
  for (const [name, expect] of Object.entries(gateways)) {
    const s = config.services[name];
    const path = s === undefined ? undefined : configArg(s);
    if (s === undefined || path === undefined) {
      problems.push(`${name}: no such gateway service, or no --config`);
      continue;
    }
    const file = hostPathOf(s, path);
    if (file === undefined || !file.source.startsWith(join(dir, "config"))) {
      problems.push(`${name}: ${path} is not mounted from ${dir}/config`);
      continue;
    }
    let gw: GatewayConfig;
    try {
      gw = parseGatewayConfigYaml(readFileSync(file.source, "utf8"), path);
    } catch (error) {
      // A ConfigError's message lists every problem with its path.
      problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    parsed.set(name, gw);
    if (gw.role !== expect.role || gw.party !== expect.party) {
      problems.push(`${name}: ${gw.role} ${gw.party}, expected ${expect.role} ${expect.party}`);
    }
    problems.push(...aclMethodProblems(gw).map((p) => `${name}: ${p}`));
    claim(`${gw.listen.host}:${gw.listen.port}`, `${name} (gRPC)`);
    const prometheus = gw.observability.prometheus;
    if (prometheus !== undefined) claim(`${prometheus.host}:${prometheus.port}`, `${name} (metrics)`);
    if (!(s.healthcheck?.test ?? []).includes(`${gw.listen.host}:${gw.listen.port}`)) {
      problems.push(`${name}: the healthcheck does not probe ${gw.listen.host}:${gw.listen.port}`);
    }
    for (const { at, file: needed } of gatewayConfigFiles(gw)) {
      const from = hostPathOf(s, needed);
      if (from === undefined) problems.push(`${name}: ${at} ${needed} is not mounted`);
      else if (!from.source.startsWith(`${secrets}/`) || !from.mount.readOnly) {
        problems.push(`${name}: ${at} ${needed} must come read-only from ${secrets}/`);
      }
    }
    for (const { at, name: variable } of gatewayConfigEnv(gw)) {
      const value = s.environment?.[variable];
      if (value === undefined) problems.push(`${name}: ${at} names ${variable}, which the service does not set`);
      else if (at === "store.urlEnv" && new URL(value).port !== pgPort)
        problems.push(`${name}: ${variable} is not postgres's port`);
    }
  }

  // The e-ticket service: its own parser, its mounts, and the addresses it shares with its gateway.
  const ticketing = config.services["ticketing-510000"];
  const ticketingPath = ticketing === undefined ? undefined : configArg(ticketing);
  const ticketingFile =
    ticketing === undefined || ticketingPath === undefined ? undefined : hostPathOf(ticketing, ticketingPath);
  const province = parsed.get("gateway-510000");
  const hub = parsed.get("hub");
  if (ticketing === undefined || ticketingPath === undefined || ticketingFile === undefined) {
    problems.push("ticketing-510000: no such service, or its --config is not mounted");
  } else {
    try {
      const svc = parseServiceConfig(
        JSON.parse(readFileSync(ticketingFile.source, "utf8")),
        posix.dirname(ticketingPath),
      );
      if (svc.service !== "province") throw new Error(`a ${svc.service} service, expected province`);
      claim(`${svc.listen.host}:${svc.listen.port}`, "ticketing-510000");
      const files = [svc.sealKeyFile, svc.gateway.chain, svc.gateway.key, ...svc.gateway.anchors, ...svc.gateway.crls];
      for (const needed of files) {
        const from = hostPathOf(ticketing, needed);
        if (from === undefined || !from.source.startsWith(`${secrets}/`) || !from.mount.readOnly) {
          problems.push(`ticketing-510000: ${needed} must come read-only from ${secrets}/`);
        }
      }
      // A named volume's source is its name; a bind mount's is an absolute host path.
      const store = typeof svc.store === "string" ? hostPathOf(ticketing, svc.store) : undefined;
      if (typeof svc.store === "string" && (store === undefined || store.mount.source.startsWith("/"))) {
        problems.push(`ticketing-510000: its store ${svc.store} is not on a named volume`);
      }
      if (province !== undefined) {
        const route = province.routeTable.resolve(svc.party);
        const served = route?.target.kind === "local" ? route.target.address : undefined;
        if (served !== `${svc.listen.host}:${svc.listen.port}`) {
          problems.push(
            `gateway-510000 routes ${svc.party} to ${served ?? "nowhere"}, the service listens on ${svc.listen.host}:${svc.listen.port}`,
          );
        }
        if (
          svc.gateway.address !== `${province.listen.host}:${province.listen.port}` ||
          svc.gateway.party !== province.party
        ) {
          problems.push(`ticketing-510000 calls ${svc.gateway.party} at ${svc.gateway.address}, not its gateway`);
        }
      }
    } catch (error) {
      problems.push(`ticketing-510000: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  // The province and the hub reach each other where the other listens.
  if (province !== undefined && hub !== undefined) {
    const toHub = province.routeTable.resolve("prov:440000");
    const toProvince = hub.routeTable.resolve(province.party);
    const at = (c: GatewayConfig) => `${c.listen.host}:${c.listen.port}`;
    if (toHub?.target.kind !== "peer" || toHub.target.address !== at(hub) || toHub.target.peerParty !== hub.party) {
      problems.push(`gateway-510000 does not route other provinces to the hub at ${at(hub)}`);
    }
    if (toProvince?.target.kind !== "peer" || toProvince.target.address !== at(province)) {
      problems.push(`hub does not route ${province.party} to ${at(province)}`);
    }
  }
  return problems;
}

describe("the compose setup", () => {
  const file = join(composeDir, "compose.yaml");

  it("docker-compose accepts it, given the PostgreSQL password, and refuses it without", { skip }, () => {
    const ok = dockerCompose(file, ["config", "-q"], { HUTONG_PG_PASSWORD: "check" });
    assert.equal(ok.status, 0, ok.stderr);
    const missing = dockerCompose(file, ["config", "-q"]);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /set HUTONG_PG_PASSWORD/);
  });

  it("host networking, healthchecks, restarts; configs valid and consistent with each other", { skip }, () => {
    const config = normalizedConfig(file);
    assert.deepEqual(Object.keys(config.services).sort(), ["gateway-510000", "hub", "postgres", "ticketing-510000"]);
    assert.deepEqual(composeProblems(config, composeDir), []);
  });

  it("an invalid compose file is refused by docker-compose", { skip }, () => {
    const dir = mkdtempSync(join(scratch, "invalid-"));
    const bad = join(dir, "compose.yaml");
    writeFileSync(
      bad,
      'version: "2.4"\nservices:\n  gw:\n    image: hutong/gateway:0.1.0\n    network_mod: host\n    restart: 3\n',
    );
    const r = dockerCompose(bad, ["config", "-q"]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /network_mod/);
  });

  it("what docker-compose accepts but the checks refuse: a bridge network, a bad role, a wrong peer", { skip }, () => {
    const dir = mkdtempSync(join(scratch, "copy-"));
    cpSync(composeDir, dir, { recursive: true, filter: (src) => !src.includes(`${composeDir}secrets`) });
    const edit = (name: string, from: string | RegExp, to: string) => {
      const path = join(dir, name);
      const text = readFileSync(path, "utf8");
      assert.notEqual(text.replace(from, to), text, `${name}: ${String(from)}`);
      writeFileSync(path, text.replace(from, to));
    };
    edit(
      "compose.yaml",
      /( {2}postgres:\n {4}image: postgres:16-bookworm\n) {4}network_mode: host\n/,
      "$1    networks: [db]\n",
    );
    edit("compose.yaml", /\nvolumes:\n/, "\nnetworks:\n  db: {}\nvolumes:\n");
    edit("config/gateway-hub.yaml", "role: hub", "role: relay");
    edit("config/gateway-510000.yaml", "address: 127.0.0.1:7444", "address: 127.0.0.1:7445");
    edit("config/ticketing-510000.json", '"port": 7450', '"port": 7451');
    const config = normalizedConfig(join(dir, "compose.yaml"));
    const problems = composeProblems(config, dir);
    assert.deepEqual(problems, [
      "top level: networks are declared (bridge networks are forbidden here)",
      "postgres: network_mode is unset, not host",
      "postgres: networks or ports with host networking",
      'hub: invalid gateway config:\n  role: expected one of "province", "hub", "all-in-one", got "relay"',
      "gateway-510000 routes prov:510000/ticketing to 127.0.0.1:7450, the service listens on 127.0.0.1:7451",
    ]);
    // With the hub's role mended, the wrong peer address shows too.
    edit("config/gateway-hub.yaml", "role: relay", "role: hub");
    assert.ok(
      composeProblems(config, dir).includes(
        "gateway-510000 does not route other provinces to the hub at 127.0.0.1:7444",
      ),
    );
  });
});

describe("the gateways' compose healthcheck (deploy/docker/grpc-health-check.mjs)", () => {
  it("passes against a serving gateway and fails once it is gone", async () => {
    const dir = mkdtempSync(join(scratch, "gateway-"));
    const dev = await prepareDevEnvironment(dir, { port: 0 });
    const config = await loadGatewayConfig(dev.configPath);
    const logger = createLogger({ level: "silent", party: config.party });
    const gateway = await startGateway({ config, logger });
    // Asynchronously: the gateway answers from this very process.
    const probe = () =>
      promisify(execFile)(process.execPath, [healthScript, `127.0.0.1:${gateway.address.port}`]).then(
        () => "exit 0",
        (e: { code?: number; stderr?: string }) => `exit ${e.code ?? "?"}: ${e.stderr ?? ""}`,
      );
    try {
      assert.equal(await probe(), "exit 0");
    } finally {
      await gateway.close();
    }
    assert.match(await probe(), /^exit 1: grpc-health-check 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  });

  it("is in the image where compose.yaml calls it", () => {
    const dockerfile = readFileSync(join(dirname(healthScript), "Dockerfile"), "utf8");
    assert.match(dockerfile, /^WORKDIR \/opt\/hutong$/m);
    assert.match(
      dockerfile,
      /^COPY deploy\/docker\/grpc-health-check\.mjs \.\/deploy\/docker\/grpc-health-check\.mjs$/m,
    );
    const compose = readFileSync(join(composeDir, "compose.yaml"), "utf8");
    assert.equal(compose.match(/\/opt\/hutong\/deploy\/docker\/grpc-health-check\.mjs/g)?.length, 2);
  });
});
