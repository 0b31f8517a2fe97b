// The durability check: SIGKILL the data owner's gateway under load and lose no audit entry
// for any response a client received. The gateway is a real `hutong start --config` process with
// its SQLite store on disk; clients are systems of another province, so every call is a share.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { merkleHasher } from "@hutong/audit";
import { createHutongClient, type HutongClient, loadCredentialFiles } from "@hutong/client";
import { createAuditReader, openStore, verifyStoredLog } from "@hutong/gateway";
import {
  type DevPki,
  openDevPki,
  type SimulatedBackend,
  sampleTickets,
  startSimulatedBackend,
} from "@hutong/gateway/dev";
import { AuditEntry, Purpose, TicketServiceService } from "@hutong/proto";
import { stringify } from "yaml";

const owner = "prov:510000";
const caller = "prov:440000/ticketing";
const bin = new URL("../bin.ts", import.meta.url).pathname;

/** Starts `hutong start --config` and resolves with its listening address. */
async function startGatewayProcess(configPath: string): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(
    process.execPath,
    ["--conditions=hutong-source", "--import", "tsx", bin, "start", "--config", configPath],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  const lines = createInterface({ input: child.stderr as NodeJS.ReadableStream });
  for await (const line of lines) {
    const m = /listening on (\S+)/.exec(line);
    if (m?.[1] !== undefined) return { child, address: m[1] };
  }
  throw new Error("the gateway process ended before listening");
}

describe("durability: SIGKILL under load loses no acknowledged share's audit entry", () => {
  let dir: string;
  let pki: DevPki;
  let backend: SimulatedBackend;
  let configPath: string;
  let dbPath: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-kill-"));
    pki = await openDevPki(join(dir, "pki"), [
      { id: owner, role: "gateway" },
      { id: caller, role: "system" },
    ]);
    backend = await startSimulatedBackend("510000");
    dbPath = join(dir, "data", "audit.db");
    configPath = join(dir, "gateway.yaml");
    await writeFile(
      configPath,
      stringify({
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
            callers: ["prov:440000/*"],
            methods: ["hutong.v1.TicketService/VerifyTicket"],
            purposes: ["BOARDING_CHECK"],
          },
        ],
        store: { kind: "sqlite", path: dbPath },
        grants: { subjectKeyFile: await pki.subjectKeyFile() },
        observability: { logLevel: "silent" },
      }),
    );
  });
  after(async () => {
    await backend?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("finds every acknowledged response's entry after a restart, and the log verifies", async () => {
    const { child, address } = await startGatewayProcess(configPath);
    const creds = await loadCredentialFiles({ ...pki.party(caller), anchors: [pki.rootCert], crls: pki.crls });
    const client: HutongClient = createHutongClient({
      address,
      gatewayParty: owner,
      privateKey: creds.privateKey,
      chain: creds.chain,
      trust: creds.trust,
      crls: () => creds.crls,
    });
    const ticketNo = sampleTickets("510000")[0]?.ticketNo ?? "";
    const acknowledged: string[] = [];
    let killed = false;
    let n = 0;
    const loop = async () => {
      while (!killed) {
        const id = `kill-${n++}`;
        try {
          await client.unary(TicketServiceService.verifyTicket, {
            context: { targetParty: owner, purpose: Purpose.PURPOSE_BOARDING_CHECK, grantId: "", correlationId: id },
            ticketNo,
            holderIdType: 0,
            holderIdNo: "",
            holderName: "",
            scheduleNo: "",
          });
          acknowledged.push(id);
          // Kill the moment an answer arrives: its entry must already be on disk. (An entry appended
          // after answering would still be in its group commit now: the test fails on such code.)
          if (acknowledged.length === 300) child.kill("SIGKILL");
        } catch {
          // Calls in flight when the process dies fail; they were never acknowledged.
        }
      }
    };
    const loops = Array.from({ length: 16 }, loop);
    await once(child, "exit");
    killed = true;
    await Promise.all(loops);
    client.close();
    assert.ok(acknowledged.length >= 300);

    // Restart on the same store: it must open (recovering the WAL) and serve.
    const again = await startGatewayProcess(configPath);
    again.child.kill("SIGTERM");
    await once(again.child, "exit");

    const store = await openStore({ kind: "sqlite", path: dbPath }, { hash: "sm3" });
    try {
      const reader = createAuditReader(store, merkleHasher("sm3"));
      const head = await reader.head();
      const logged = new Set<string>();
      for await (const e of reader.export({ fromIndex: 0, toIndex: head.size })) {
        logged.add(AuditEntry.decode(e.bytes).correlationId);
      }
      const missing = acknowledged.filter((id) => !logged.has(id));
      assert.deepEqual(missing, [], `${missing.length} acknowledged shares have no audit entry`);
      const verified = await verifyStoredLog(store, head);
      assert.equal(verified.ok, true, JSON.stringify(verified));
    } finally {
      await store.close();
    }
  });
});
