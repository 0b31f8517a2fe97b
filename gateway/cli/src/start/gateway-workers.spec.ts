// `hutong start --workers N`: N processes on one port, refusing a replay whichever worker it
// reaches, and refusing to start without a window the workers share.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createGrpcJsTransport, createSessionClient, loadCredentialFiles, type UnaryTransport } from "@hutong/client";
import { parseGatewayConfig } from "@hutong/gateway";
import {
  type DevPki,
  openDevPki,
  type SimulatedBackend,
  sampleTickets,
  startSimulatedBackend,
} from "@hutong/gateway/dev";
import { postgresSkip, postgresUrl } from "@hutong/gateway/testing";
import { Purpose, TicketServiceService, VerifyTicketRequest } from "@hutong/proto";
import { freePort } from "@hutong/service-kit/dev";
import { isWireError, Status } from "@hutong/wire";
import pg from "pg";
import { stringify } from "yaml";
import { UsageError } from "../support/usage-error.js";
import { checkWorkers, workerConfig } from "./gateway-workers.js";

const gw = "prov:510000";
const system = "prov:510000/ticketing";
const bin = new URL("../bin.ts", import.meta.url).pathname;

const base = {
  party: gw,
  role: "province",
  listen: { host: "127.0.0.1", port: 7443 },
  identity: { chain: "chain.pem", key: "key.pem" },
  trust: { anchors: ["root.pem"] },
  session: { ticketKeys: { current: { id: 1, secretEnv: "KEY" } } },
};

describe("gateway workers: the rule", () => {
  it("refuses more than one worker without a shared replay window, saying why", () => {
    for (const extra of [{}, { store: { kind: "postgres", urlEnv: "PG" } }]) {
      const config = parseGatewayConfig({ ...base, ...extra }, "/etc/hutong");
      assert.throws(
        () => checkWorkers(2, config),
        (e: unknown) => e instanceof UsageError && /replayWindow: shared on a PostgreSQL store/.test(e.message),
      );
      checkWorkers(1, config);
    }
    const shared = parseGatewayConfig(
      {
        ...base,
        session: { ...base.session, replayWindow: "shared" },
        store: { kind: "postgres", urlEnv: "PG" },
      },
      "/etc/hutong",
    );
    checkWorkers(2, shared);
    for (const n of [0, -1, 1.5, 65, Number.NaN]) assert.throws(() => checkWorkers(n, shared), UsageError);
  });

  it("gives each worker a metrics port of its own", () => {
    const config = parseGatewayConfig({ ...base, observability: { prometheus: { port: 9464 } } }, "/etc/hutong");
    assert.equal(workerConfig(config, 1).observability.prometheus?.port, 9464);
    assert.equal(workerConfig(config, 3).observability.prometheus?.port, 9466);
    const none = parseGatewayConfig(base, "/etc/hutong");
    assert.equal(workerConfig(none, 2), none);
  });
});

describe("gateway workers: two processes on one port, sharing PostgreSQL", { skip: postgresSkip }, () => {
  let dir: string;
  let pki: DevPki;
  let backend: SimulatedBackend;
  let child: ChildProcess;
  let address: string;
  let metricsPort: number;
  const schema = `workers_${randomBytes(6).toString("hex")}`;
  const transports: UnaryTransport[] = [];

  const writeConfig = async (path: string, store: Record<string, unknown>, replayWindow: string) =>
    writeFile(
      path,
      stringify({
        party: gw,
        role: "province",
        listen: { host: "127.0.0.1", port: 0 },
        dataDir: join(dir, "data"),
        identity: pki.party(gw),
        trust: { anchors: [pki.rootCert], crls: pki.crls },
        session: {
          ticketKeys: { current: { id: 1, secretFile: await pki.ticketKeyFile("gw") } },
          replayWindow,
        },
        routes: [{ match: gw, local: backend.address, timeoutMs: 5000 }],
        acl: [{ callers: [`${gw}/*`], methods: ["hutong.v1.TicketService/*"] }],
        store,
        observability: { logLevel: "silent", prometheus: { host: "127.0.0.1", port: metricsPort } },
      }),
    );

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-workers-"));
    pki = await openDevPki(join(dir, "pki"), [
      { id: gw, role: "gateway" },
      { id: system, role: "system" },
    ]);
    backend = await startSimulatedBackend("510000");
    metricsPort = await freePort();
    await freePort(); // the second worker's (metrics port + 1) is very likely free too
    const configPath = join(dir, "gateway.yaml");
    await writeConfig(configPath, { kind: "postgres", urlEnv: "HUTONG_TEST_POSTGRES_URL", schema }, "shared");
    child = spawn(
      process.execPath,
      ["--conditions=hutong-source", "--import", "tsx", bin, "start", "--workers", "2", "--config", configPath],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let text = "";
    const listening = new Set<string>();
    await new Promise<void>((resolve, reject) => {
      child.stderr?.on("data", (d: Buffer) => {
        text += d.toString();
        for (const m of text.matchAll(/listening on (\S+) .* worker (\d+) pid/g)) {
          address = m[1] ?? "";
          listening.add(m[2] ?? "");
        }
        if (listening.size === 2) resolve();
      });
      child.once("exit", () => reject(new Error(`exited before two workers listened:\n${text}`)));
    });
  });
  after(async () => {
    for (const t of transports) t.close();
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
    await backend?.close();
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
    await rm(dir, { recursive: true, force: true });
  });

  const request = (n: number) =>
    Buffer.from(
      VerifyTicketRequest.encode({
        context: { targetParty: gw, purpose: Purpose.PURPOSE_BOARDING_CHECK, grantId: "", correlationId: `w-${n}` },
        ticketNo: sampleTickets("510000")[0]?.ticketNo ?? "",
        holderIdType: 0,
        holderIdNo: "",
        holderName: "",
        scheduleNo: "",
      }).finish(),
    );
  /**
   * A fresh connection: node:cluster hands each new one to the next worker. (grpc-js shares one
   * connection between channels to the same address unless told otherwise.)
   */
  const connection = () => {
    const t = createGrpcJsTransport(address, { channelOptions: { "grpc.use_local_subchannel_pool": 1 } });
    transports.push(t);
    return t;
  };
  const handshakes = async (port: number) => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return text
      .split("\n")
      .filter((l) => l.startsWith("hutong_gateway_handshakes_total"))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
  };

  it("spreads connections over both workers, and a call replayed on any connection is refused", async () => {
    const creds = await loadCredentialFiles({ ...pki.party(system), anchors: [pki.rootCert], crls: pki.crls });
    const sent: { body: Buffer; metadata: Record<string, string> }[] = [];
    for (let i = 0; i < 6; i++) {
      const t = connection();
      const s = createSessionClient({
        transport: {
          unary: (path, body, metadata, options) => {
            if (path === TicketServiceService.verifyTicket.path) sent.push({ body, metadata: { ...metadata } });
            return t.unary(path, body, metadata, options);
          },
          close: () => t.close(),
        },
        serverParty: gw,
        privateKey: creds.privateKey,
        chain: creds.chain,
        trust: creds.trust,
        crls: () => creds.crls,
      });
      await s.call(TicketServiceService.verifyTicket.path, request(i));
    }
    assert.ok((await handshakes(metricsPort)) > 0, "worker 1 made handshakes");
    assert.ok((await handshakes(metricsPort + 1)) > 0, "worker 2 made handshakes");
    for (const captured of sent) {
      for (let k = 0; k < 2; k++) {
        await assert.rejects(
          connection().unary(TicketServiceService.verifyTicket.path, captured.body, captured.metadata),
          (e: unknown) => isWireError(e) && e.code === Status.UNAUTHENTICATED && /replay/.test(e.message),
        );
      }
    }
  });

  it("refuses to start two workers on SQLite, saying why, and starts none", async () => {
    const path = join(dir, "sqlite.yaml");
    await writeConfig(path, { kind: "sqlite" }, "local");
    const run = spawn(
      process.execPath,
      ["--conditions=hutong-source", "--import", "tsx", bin, "start", "--workers", "2", "--config", path],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let text = "";
    run.stderr?.on("data", (d: Buffer) => {
      text += d.toString();
    });
    const [code] = await once(run, "exit");
    assert.equal(code, 2);
    assert.match(text, /replayWindow: shared on a PostgreSQL store/);
    assert.doesNotMatch(text, /listening/);
  });

  it("stops every worker on SIGTERM", async () => {
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    assert.equal(code, 0);
  });
});
