import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { hutongBin, runHutong as run } from "./testing-cli.js";

const nodeArgs = ["--conditions=hutong-source", "--import", "tsx", hutongBin];

/** Starts `hutong start --dev` and resolves with the printed first-call command once it is listening. */
function startDev(dataDir: string): Promise<{ child: ChildProcess; callLine: string; stderr: () => string }> {
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      "start",
      "--dev",
      "--data-dir",
      dataDir,
      "--port",
      "0",
      "--backend-port",
      "0",
      "--ticketing-port",
      "0",
      "--console-port",
      "0",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let err = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no first-call line in time:\n${err}`)), 30_000);
    child.stderr?.on("data", (c) => {
      err += c;
      const line = err.split("\n").find((l) => l.includes("hutong call --profile"));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve({ child, callLine: line.trim(), stderr: () => err });
      }
    });
    child.on("exit", (code) => reject(new Error(`hutong start exited ${code}:\n${err}`)));
  });
}

describe("hutong CLI: start --dev and call", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-cli-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("first run creates the dev state, prints a call that works, stops cleanly on SIGTERM; a second run reuses it", async () => {
    const dataDir = join(dir, "state");
    const first = await startDev(dataDir);
    assert.match(first.stderr(), /first run: created a development PKI/);
    // The printed command, run as printed (minus the npx wrapper).
    const m = /call --profile (\S+) (\S+) '(.*)'$/.exec(first.callLine);
    assert.ok(m, first.callLine);
    const [, profile = "", method = "", request = ""] = m;
    const ok = await run(["call", "--profile", profile, method, request]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).valid, true);
    // The province's e-ticket service answers through the gateway (the second printed call).
    await new Promise((resolve) => setTimeout(resolve, 200));
    const pingLine = first
      .stderr()
      .split("\n")
      .find((l) => l.includes("TicketEventService/Ping"));
    const p = /call --profile (\S+) (\S+) '(.*)'$/.exec(pingLine?.trim() ?? "");
    assert.ok(p, first.stderr());
    const pong = await run(["call", "--profile", p[1] ?? "", p[2] ?? "", p[3] ?? ""]);
    assert.equal(pong.code, 0, pong.stderr);
    assert.deepEqual(
      { nonce: JSON.parse(pong.stdout).nonce, party: JSON.parse(pong.stdout).party },
      { nonce: "hello", party: "prov:510000/ticketing" },
    );

    // JSON from stdin, and a refusal: exit 1 with the status name.
    const denied = await run(
      ["call", "--profile", profile, "hutong.v1.InvoiceService/IssueInvoice", "-"],
      JSON.stringify({ context: { targetParty: "prov:510000", purpose: "PURPOSE_INVOICING" } }),
    );
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /ERROR: PERMISSION_DENIED/);
    // Usage errors exit 2: an unknown method, a request field the contract does not have (refused
    // before anything is sent, naming its path), a missing method.
    assert.equal((await run(["call", "--profile", profile, "No.Such"])).code, 2);
    const typo = await run(["call", "--profile", profile, method, JSON.stringify({ context: { purpse: 1 } })]);
    assert.equal(typo.code, 2, typo.stderr);
    assert.match(typo.stderr, /context\.purpse: unknown field \(hutong\.v1\.RequestContext has targetParty, purpose/);
    // The web console beside it answers: sign in as admin with the password it wrote (mode 0600),
    // the gateway is up, and the grants and audit views answer from it, not around it.
    const consoleUrl = /web console on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(first.stderr())?.[1];
    assert.ok(consoleUrl, first.stderr());
    const passwordFile = join(dataDir, "console", "admin-password");
    assert.equal((await stat(passwordFile)).mode & 0o777, 0o600);
    const signIn = await fetch(new URL("api/session", consoleUrl), {
      method: "POST",
      headers: { "content-type": "application/json", "x-hutong-console": "1" },
      body: JSON.stringify({ username: "admin", password: (await readFile(passwordFile, "utf8")).trim() }),
    });
    assert.equal(signIn.status, 200);
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const get = async (path: string) => {
      const r = await fetch(new URL(path, consoleUrl), { headers: { cookie } });
      assert.equal(r.status, 200, path);
      return (await r.json()) as Record<string, unknown>;
    };
    const federation = (await get("api/federation")).gateways as { party: string; link: { up: boolean } }[];
    assert.deepEqual(
      federation.map((g) => [g.party, g.link.up]),
      [["prov:510000", true]],
    );
    assert.deepEqual((await get("api/grants")).unavailable, [], "the dev console may list its gateway's grants");
    // The profile npm start wrote names its files relative to itself.
    const written = JSON.parse(await readFile(profile, "utf8")) as { chain: string; trust: string[] };
    assert.ok(!written.chain.startsWith("/") && !written.trust[0]?.startsWith("/"), JSON.stringify(written));
    assert.equal((await run(["call", method])).code, 2);

    const exited = new Promise<number | null>((resolve) => first.child.on("exit", resolve));
    first.child.kill("SIGTERM");
    assert.equal(await exited, 0);

    const second = await startDev(dataDir);
    assert.match(second.stderr(), /using the development state/);
    assert.match(await readFile(join(dataDir, "gateway.yaml"), "utf8"), /party: prov:510000/);
    const stopped = new Promise((resolve) => second.child.on("exit", resolve));
    second.child.kill("SIGTERM");
    await stopped;
  });

  it("refuses unknown request fields at any depth before reading credentials or connecting, exit 2", async () => {
    // Nothing listens on port 1 and none of these files exist: the request is checked first.
    const flags = ["--address", "127.0.0.1:1", "--gateway", "prov:510000", "--chain", "/nonexistent/c.pem"];
    const creds = [...flags, "--key", "/nonexistent/k.pem", "--trust", "/nonexistent/t.pem", "--crl", "/nonexistent/r"];
    const request = {
      context: { targetParty: "tax:chinatax" },
      draft: { invoiceNo: "1", lines: [{ lineNo: 1 }, { lineNo: 2, colour: "red" }] },
      idempotencyKy: "k",
    };
    const r = await run(["call", ...creds, "hutong.v1.InvoiceService/IssueInvoice", JSON.stringify(request)]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /request does not fit hutong\.v1\.IssueInvoiceRequest/);
    assert.match(r.stderr, /draft\.lines\[1\]\.colour: unknown field/);
    assert.match(r.stderr, /idempotencyKy: unknown field/);
    assert.equal(r.stdout, "");
    // A well-formed request with those flags gets as far as the missing file: a clear usage error.
    const ok = await run(["call", ...creds, "hutong.v1.TicketService/VerifyTicket", '{"ticketNo":"E1"}']);
    assert.equal(ok.code, 2, ok.stderr);
    assert.match(ok.stderr, /cannot read \/nonexistent\/.* \(ENOENT\)/);
  });

  it("refuses a client profile with an unknown or missing field, naming it, exit 2", async () => {
    const file = join(dir, "typo-profile.json");
    await writeFile(
      file,
      JSON.stringify({
        address: "127.0.0.1:1",
        gateway: "prov:510000",
        chain: "c",
        key: "k",
        trust: ["t"],
        crls: ["r"],
      }),
    );
    const r = await run(["call", "--profile", file, "hutong.v1.TicketService/VerifyTicket"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /unknown field "crls"/);
    assert.match(r.stderr, /crl is missing/);
  });

  it("lists the callable methods", async () => {
    const r = await run(["call", "--list"]);
    assert.equal(r.code, 0);
    assert.ok(r.stdout.split("\n").includes("hutong.v1.TicketService/VerifyTicket"));
    assert.ok(!r.stdout.includes("SessionService"), "the handshake is not called by hand");
  });

  it("refuses an invalid config file with the path of each problem, exit 1", async () => {
    const bad = join(dir, "bad.yaml");
    await writeFile(
      bad,
      "party: prov:999999\nlisten: { port: 70000 }\nroutes:\n  - match: '*'\n    local: localhost\n",
    );
    const r = await run(["start", "--config", bad]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /party/);
    assert.match(r.stderr, /listen\.port/);
    assert.match(r.stderr, /routes\[0\]\.local/);
  });
});
