// The robustness suite's harness: a real `hutong start --config` process (so its memory is its own
// and can be read from /proc), a simulated backend in this process, a development PKI with a caller
// from the owner's province and one from another, and what every case ends with: the gateway's
// RSS, and a legitimate call that must still succeed.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createHutongClient, type HutongClient, loadCredentialFiles } from "@hutong/client";
import {
  type DevPki,
  openDevPki,
  type SimulatedBackend,
  sampleTickets,
  startSimulatedBackend,
} from "@hutong/gateway/dev";
import { Purpose, TicketServiceService } from "@hutong/proto";
import { stringify } from "yaml";
import { hutongBin } from "../testing.js";

export const owner = "prov:510000";
/** A system of the owner's own province: its calls are not shares (no grant, no audit entry). */
export const localCaller = "prov:510000/ticketing";
/** A system of another province: every call it makes is a share, audited. */
export const remoteCaller = "prov:440000/ticketing";

export interface GatewayProcess {
  readonly dir: string;
  readonly pki: DevPki;
  readonly backend: SimulatedBackend;
  readonly child: ChildProcess;
  /** "127.0.0.1:port" of the gateway. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly configPath: string;
  readonly dbPath: string;
  /** Everything the process wrote to stdout and stderr so far (its logs, JSON lines). */
  output(): string;
  /** The gateway process's resident set size now, in MiB (VmRSS from /proc). */
  rssMiB(): Promise<number>;
  /** A client of `party` (default the local caller) with its own session. */
  client(party?: string): Promise<HutongClient>;
  /** One VerifyTicket boarding check on a fresh session; rejects if it does not come back valid. */
  legitimateCall(party?: string): Promise<void>;
  /** SIGKILL, then start again on the same config and store (new address). */
  restart(): Promise<GatewayProcess>;
  /** SIGTERM (SIGKILL after 5 s) and remove everything. */
  stop(): Promise<void>;
}

export interface GatewayProcessOptions {
  /** Deep-merged over the config this harness writes (limits, observability, ...); a function gets the PKI. */
  readonly config?: Record<string, unknown> | ((pki: DevPki) => Record<string, unknown>);
  /** Extra parties for the PKI (default: the two callers). */
  readonly parties?: readonly { id: string; role: "gateway" | "system" }[];
  /** Extra environment for the process. */
  readonly env?: NodeJS.ProcessEnv;
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v !== null &&
      typeof v === "object" &&
      !Array.isArray(v) &&
      b !== null &&
      typeof b === "object" &&
      !Array.isArray(b)
        ? merge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** Reads VmRSS of a process, in MiB. */
export async function processRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? Number.NaN);
  return kib / 1024;
}

async function spawnGateway(configPath: string, env: NodeJS.ProcessEnv | undefined) {
  const child = spawn(
    process.execPath,
    ["--conditions=hutong-source", "--import", "tsx", hutongBin, "start", "--config", configPath],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } },
  );
  // A test run that dies (timeout, ^C) must not leave gateway processes behind.
  const orphan = () => child.kill("SIGKILL");
  process.once("exit", orphan);
  child.once("exit", () => process.off("exit", orphan));
  let output = "";
  child.stdout?.on("data", (c) => {
    output += c;
  });
  const lines = createInterface({ input: child.stderr as NodeJS.ReadableStream });
  let address: string | undefined;
  for await (const line of lines) {
    output += `${line}\n`;
    const m = /listening on (\S+)/.exec(line);
    if (m?.[1] !== undefined) {
      address = m[1];
      break;
    }
  }
  if (address === undefined) throw new Error(`the gateway process ended before listening:\n${output}`);
  lines.on("line", (line) => {
    output += `${line}\n`;
  });
  return { child, address, output: () => output };
}

/** Starts a gateway process for `owner` in a fresh directory; `stop()` removes it again. */
export async function startGatewayProcess(options: GatewayProcessOptions = {}): Promise<GatewayProcess> {
  const dir = await mkdtemp(join(tmpdir(), "hutong-robust-"));
  const pki = await openDevPki(join(dir, "pki"), [
    { id: owner, role: "gateway" },
    { id: localCaller, role: "system" },
    { id: remoteCaller, role: "system" },
    ...(options.parties ?? []),
  ]);
  const backend = await startSimulatedBackend("510000");
  const dbPath = join(dir, "data", "hutong.db");
  const configPath = join(dir, "gateway.yaml");
  const config = merge(
    {
      party: owner,
      role: "province",
      listen: { host: "127.0.0.1", port: 0 },
      dataDir: join(dir, "data"),
      identity: pki.party(owner),
      trust: { anchors: [pki.rootCert], crls: pki.crls },
      session: { ticketKeys: { current: { id: 1, secretFile: await pki.ticketKeyFile("gw") } } },
      routes: [{ match: owner, local: backend.address, timeoutMs: 5000 }],
      acl: [
        {
          callers: ["prov:510000/*", "prov:440000/*"],
          methods: ["hutong.v1.TicketService/VerifyTicket"],
          purposes: ["BOARDING_CHECK"],
        },
      ],
      store: { kind: "sqlite", path: dbPath },
      grants: { subjectKeyFile: await pki.subjectKeyFile() },
      observability: { logLevel: "info" },
    },
    typeof options.config === "function" ? options.config(pki) : (options.config ?? {}),
  );
  await writeFile(configPath, stringify(config));

  const clients: HutongClient[] = [];
  // The newest gateway process: stop() ends whichever is running after restarts.
  let current: ChildProcess;
  const open = async (
    spawned: Awaited<ReturnType<typeof spawnGateway>>,
    cleanup: () => Promise<void>,
  ): Promise<GatewayProcess> => {
    const [host = "127.0.0.1", port = "0"] = spawned.address.split(/:(?=\d+$)/);
    const self: GatewayProcess = {
      dir,
      pki,
      backend,
      child: spawned.child,
      address: spawned.address,
      host,
      port: Number(port),
      configPath,
      dbPath,
      output: spawned.output,
      rssMiB: () => processRssMiB(spawned.child.pid ?? -1),
      async client(party = localCaller) {
        const creds = await loadCredentialFiles({ ...pki.party(party), anchors: [pki.rootCert], crls: pki.crls });
        const client = createHutongClient({
          address: spawned.address,
          gatewayParty: owner,
          privateKey: creds.privateKey,
          chain: creds.chain,
          trust: creds.trust,
          crls: () => creds.crls,
        });
        clients.push(client);
        return client;
      },
      async legitimateCall(party = localCaller) {
        const client = await self.client(party);
        try {
          const answer = await client.unary(TicketServiceService.verifyTicket, {
            context: {
              targetParty: owner,
              purpose: Purpose.PURPOSE_BOARDING_CHECK,
              grantId: "",
              correlationId: "legitimate",
            },
            ticketNo: sampleTickets("510000")[0]?.ticketNo ?? "",
            holderIdType: 0,
            holderIdNo: "",
            holderName: "",
            scheduleNo: "",
          });
          if (!answer.valid) throw new Error("the legitimate call came back not valid");
        } finally {
          client.close();
        }
      },
      async restart() {
        // The case may have killed it already (at the moment an answer arrived): then it is not waited for.
        if (spawned.child.exitCode === null && spawned.child.signalCode === null) {
          const exited = once(spawned.child, "exit").catch(() => {});
          spawned.child.kill("SIGKILL");
          await exited;
        }
        const next = await spawnGateway(configPath, options.env);
        current = next.child;
        return open(next, cleanup);
      },
      stop: cleanup,
    };
    return self;
  };
  const spawned = await spawnGateway(configPath, options.env);
  const cleanup = async () => {
    for (const c of clients) c.close();
    if (current.exitCode === null && current.signalCode === null) {
      current.kill("SIGTERM");
      const timer = setTimeout(() => current.kill("SIGKILL"), 5000);
      await once(current, "exit").catch(() => {});
      clearTimeout(timer);
    }
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  };
  current = spawned.child;
  return open(spawned, cleanup);
}
