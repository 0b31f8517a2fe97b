import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { type TaxInvoice, taxCodes, taxPaths } from "../protocol/tax-api.js";
import { postSigned } from "../protocol/tax-client.js";
import { startTaxSimulator } from "./tax-simulator.js";
import { appKeys, blueRequest, tempDir, testChannel } from "./testing-requests.js";

// The store survives what a process does not: a clean restart, and SIGKILL in the middle of traffic.

const simulatorMain = fileURLToPath(new URL("./simulator-main.ts", import.meta.url));

let dir: string;
let remove: () => Promise<void>;
before(async () => {
  ({ dir, remove } = await tempDir());
});
after(async () => {
  await remove?.();
});

interface Child {
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
}

/** Runs simulator-main with `config` written to a file; resolves with the child and its URL, or undefined if it ended first. */
async function runMain(name: string, config: unknown): Promise<{ child: Child; url: string | undefined }> {
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(config));
  const proc = spawn(
    process.execPath,
    ["--conditions=hutong-source", "--import", "tsx", simulatorMain, "--config", file],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const orphan = () => proc.kill("SIGKILL");
  process.once("exit", orphan);
  const exited = new Promise<number | null>((resolve) =>
    proc.once("exit", (code) => {
      process.off("exit", orphan);
      resolve(code);
    }),
  );
  let output = "";
  proc.stderr?.on("data", (c: Buffer) => {
    output += c.toString();
  });
  const url = await new Promise<string | undefined>((resolve) => {
    proc.stdout?.on("data", (c: Buffer) => {
      output += c.toString();
      const m = /^listening (http:\/\/\S+)$/m.exec(output);
      if (m !== null) resolve(m[1]);
    });
    void exited.then(() => resolve(undefined));
  });
  return { child: { process: proc, exited, output: () => output }, url };
}

describe("the store across restarts", () => {
  it("keeps the invoices, continues the number sequence, still knows the serials", async () => {
    const dbPath = join(dir, "restart.db");
    const first = await startTaxSimulator({ dbPath, appKeys });
    const request = blueRequest();
    const a = await postSigned<TaxInvoice>(testChannel(first.url), taxPaths.issueBlue, request);
    const b = await postSigned<TaxInvoice>(testChannel(first.url), taxPaths.issueBlue, blueRequest());
    assert.equal(b.answer?.code, taxCodes.ok);
    const before = first.invoices();
    await first.close();

    const second = await startTaxSimulator({ dbPath, appKeys });
    try {
      assert.deepEqual(second.invoices(), before);
      const again = await postSigned<TaxInvoice>(testChannel(second.url), taxPaths.issueBlue, request);
      assert.equal(again.answer?.code, taxCodes.duplicateSerial);
      assert.equal(again.answer?.data?.fphm, a.answer?.data?.fphm);
      const c = await postSigned<TaxInvoice>(testChannel(second.url), taxPaths.issueBlue, blueRequest());
      const seq = (r: typeof c) => BigInt(r.answer?.data?.fphm.slice(5) ?? "0");
      assert.equal(seq(c), seq(b) + 1n);
    } finally {
      await second.close();
    }
  });
});

describe("simulator-main", () => {
  it("refuses a bad config with every problem and exit 2", async () => {
    const { child, url } = await runMain("bad", { dbPath: "", appKeys: { k: "xyz" }, region: "5", port: -1, extra: 1 });
    assert.equal(url, undefined);
    assert.equal(await child.exited, 2);
    for (const field of ["dbPath", "appKeys.k", "region", "port", "extra"]) {
      assert.ok(child.output().includes(field), `${field} in:\n${child.output()}`);
    }
  });

  it("loses nothing answered and duplicates nothing when SIGKILLed under concurrent load, then stops cleanly on SIGTERM", async () => {
    const dbPath = join(dir, "kill.db");
    const config = { dbPath: "kill.db", appKeys, region: "44", seed: 9 };
    const { child, url } = await runMain("kill", config);
    assert.ok(url !== undefined, child.output());
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const channel = testChannel(url);

    const answered = new Map<string, string>();
    let stop = false;
    let failures = 0;
    const worker = async () => {
      while (!stop) {
        const request = blueRequest();
        try {
          const reply = await postSigned<TaxInvoice>(channel, taxPaths.issueBlue, request);
          if (reply.answer?.code === taxCodes.ok && reply.answer.data !== undefined) {
            answered.set(request.fpqqlsh, reply.answer.data.fphm);
          }
        } catch {
          failures += 1;
          return;
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    while (answered.size < 60) await new Promise((resolve) => setTimeout(resolve, 5));
    child.process.kill("SIGKILL");
    await child.exited;
    stop = true;
    await Promise.all(workers);
    assert.ok(failures > 0, "requests were under way when it was killed");

    const db = new Database(dbPath, { readonly: true });
    try {
      const rows = db
        .prepare(
          `SELECT i.fphm, i.fpqqlsh, r.path, r.serial, r.code FROM invoices i LEFT JOIN requests r ON r.id = i.request_id`,
        )
        .all() as { fphm: string; fpqqlsh: string; path: string | null; serial: string | null; code: string | null }[];
      assert.ok(rows.length >= answered.size);
      for (const row of rows) {
        assert.equal(row.path, taxPaths.issueBlue, `invoice ${row.fphm} has its request`);
        assert.equal(row.serial, row.fpqqlsh);
        assert.equal(row.code, taxCodes.ok);
      }
      assert.equal(new Set(rows.map((r) => r.fphm)).size, rows.length, "no invoice number twice");
      const bySerial = new Map(rows.map((r) => [r.fpqqlsh, r.fphm]));
      for (const [serial, fphm] of answered) assert.equal(bySerial.get(serial), fphm, "every answered invoice is kept");
      const orphans = db
        .prepare(`SELECT count(*) AS n FROM requests r WHERE r.code = '0000' AND r.path = ? AND NOT EXISTS
                    (SELECT 1 FROM invoices i WHERE i.request_id = r.id)`)
        .get(taxPaths.issueBlue) as { n: number };
      assert.equal(orphans.n, 0, "no request marked issued without its invoice");
    } finally {
      db.close();
    }

    // Started again on the same file: the sequence goes on past every number given.
    const again = await runMain("kill", config);
    assert.ok(again.url !== undefined, again.child.output());
    const next = await postSigned<TaxInvoice>(testChannel(again.url), taxPaths.issueBlue, blueRequest());
    assert.equal(next.answer?.code, taxCodes.ok);
    const max = [...answered.values()].reduce((m, f) => (f > m ? f : m), "");
    assert.ok((next.answer?.data?.fphm ?? "") > max);
    assert.equal(next.answer?.data?.fphm.slice(2, 5), "441");
    again.child.process.kill("SIGTERM");
    assert.equal(await again.child.exited, 0);
  });
});
