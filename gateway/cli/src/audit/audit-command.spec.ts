import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  cosignCheckpoint,
  createCosignatureSigner,
  createNoteSigner,
  type ExportRecord,
  encodeExportFile,
  formatCosignatureVerifierKey,
  formatVerifierKey,
  signCheckpoint,
  sm3Hasher,
  writeExportFile,
} from "@hutong/audit";
import { generateSm2PrivateKey, type Sm2PrivateKey } from "@hutong/certs";
import { loadCredentialFiles } from "@hutong/client";
import {
  type AuditEntryInput,
  type AuditLog,
  createAuditEndpoint,
  createAuditLog,
  createSessionEndpoint,
  type HutongStore,
  mapError,
  openStore,
  subjectDigest,
} from "@hutong/gateway";
import { type DevPki, openDevPki } from "@hutong/gateway/dev";
import { AuditDecision, AuditEntry, AuditRole, AuditServiceService, IdType, Purpose, RecordKind } from "@hutong/proto";
import {
  createCallVerifier,
  createHandshakeServer,
  createReplayWindow,
  createStreamDigest,
  createTicketKeyring,
  metadataKeys,
} from "@hutong/session";
import { createWireServer, type Route, Status, type StreamCall, WireError } from "@hutong/wire";
import { CommanderError } from "commander";
import { UsageError } from "../support/usage-error.js";
import { type CliRun as Run, runHutong as run } from "../testing.js";
import { auditCommand } from "./audit-command.js";
import type { AuditCommandIo } from "./audit-io.js";

/** `hutong audit ...` in this process, with bin.ts's exit statuses (2 for usage errors). */
async function runIn(args: string[], options: { input?: string; tty?: boolean } = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  let code = 0;
  const io: AuditCommandIo = {
    stdout: {
      write: (t: string) => {
        stdout += t;
      },
    },
    stderr: {
      write: (t: string) => {
        stderr += t;
      },
      isTTY: options.tty === true,
    },
    stdin: (async function* () {
      yield options.input ?? "";
    })(),
    exitCode: (c) => {
      code = c;
    },
  };
  try {
    await auditCommand(io).parseAsync(args, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 2;
    else if (e instanceof UsageError) {
      stderr += `hutong: ${e.message}\n`;
      code = 2;
    } else throw e;
  }
  return { code, stdout, stderr };
}

const gw = "prov:510000";
const client = "prov:510000/audit";
const origin = "hutong.example/audit/prov:510000/sm3";
const witnessA = "hutong.example/witness/mot";
const witnessB = "hutong.example/witness/440000";
const size = 40;
// A made-up resident ID number: it must never appear in any output.
const idNo = "11010519491231002X";
const subjectKey = new Uint8Array(32).fill(0x5c);
const personDigest = subjectDigest(subjectKey, IdType.ID_TYPE_RESIDENT_ID_CARD, idNo);

/** A realistic entry: every seventh is about the person above, every fifth a denial. */
function entryInput(i: number): AuditEntryInput {
  const timeMs = 1_780_000_000_000 + i * 60_000;
  const subject = i % 7 === 3 ? personDigest : new Uint8Array(32).fill(i % 3);
  const requester = i % 2 === 0 ? "prov:440000" : "rail:cr";
  const deny = i % 5 === 4;
  const grantId = i % 4 === 0 ? "g1-aaaa" : "";
  const bytes = AuditEntry.encode({
    version: 1,
    time: new Date(timeMs),
    gatewayParty: gw,
    role: AuditRole.AUDIT_ROLE_OWNER,
    method: "hutong.v1.TicketService/VerifyTicket",
    requesterParty: requester,
    peerParty: requester,
    peerCertSerial: "0a1b",
    ownerParty: gw,
    recordKind: RecordKind.RECORD_KIND_E_TICKET,
    recordDigest: Buffer.alloc(32, 7),
    subjectDigest: Buffer.from(subject),
    grantId,
    purpose: Purpose.PURPOSE_BOARDING_CHECK,
    decision: deny ? AuditDecision.AUDIT_DECISION_DENY : AuditDecision.AUDIT_DECISION_ALLOW,
    reason: deny ? "acl-denied" : "allowed",
    hops: [],
    releasedSm3: Buffer.alloc(deny ? 0 : 32, 9),
    fieldsReleased: [],
    traceId: i.toString(16).padStart(32, "0"),
    correlationId: `corr-${i}`,
  }).finish();
  return {
    bytes,
    timeMs,
    requesterParty: requester,
    ownerParty: gw,
    subjectDigest: subject,
    grantId: grantId === "" ? null : grantId,
    decision: deny ? "deny" : "allow",
    reason: deny ? "acl-denied" : null,
    correlationId: `corr-${i}`,
    traceId: i.toString(16).padStart(32, "0"),
  };
}

interface Keys {
  log: Sm2PrivateKey;
  otherLog: Sm2PrivateKey;
  witnessA: Sm2PrivateKey;
  witnessB: Sm2PrivateKey;
}

/** The last signature line of a note, with one byte of its signature changed (key id and timestamp kept). */
function forgeLastSignature(note: string): string {
  const lines = note.split("\n");
  const i = lines.length - 2;
  const [dash, name, payload] = (lines[i] as string).split(" ") as [string, string, string];
  const bytes = Buffer.from(payload, "base64");
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
  lines[i] = `${dash} ${name} ${bytes.toString("base64")}`;
  return lines.join("\n");
}

/** A wire server answering SessionService and AuditService (createAuditEndpoint) as a gateway would. */
/** `searches`: the log a search by subject is recorded in, as the gateway records it in its own. */
async function startAuditServer(pki: DevPki, log: AuditLog, options: { macStreams: boolean; searches?: AuditLog }) {
  const creds = await loadCredentialFiles({ ...pki.party(gw), anchors: [pki.rootCert], crls: pki.crls });
  const keyring = createTicketKeyring({ current: { id: 1, secret: new Uint8Array(randomBytes(32)) } });
  const verifier = createCallVerifier({ keyring, replayWindow: createReplayWindow({ clockSkewMs: 60_000 }) });
  const handshake = createHandshakeServer({
    partyId: gw,
    privateKey: creds.privateKey,
    chain: creds.chain,
    trust: creds.trust,
    keyring,
  });
  const crls = () => creds.crls;
  const routes = new Map<string, Route>();
  for (const [path, handler] of createSessionEndpoint({ server: handshake, crls })) {
    routes.set(path, {
      kind: "unary",
      handler: (call) => handler(call).catch((e: unknown) => Promise.reject(mapError(e).wire)),
    });
  }
  const verify = (path: string, metadata: Record<string, string>, body: Buffer) =>
    verifier.verify({ method: path, metadata, requestBytes: body, now: Date.now(), crls: crls() });
  const queryAudit = options.searches === undefined ? {} : { queryAudit: { self: gw, sink: options.searches } };
  for (const [path, method] of createAuditEndpoint({ reader: log, witness: undefined, now: Date.now, ...queryAudit })) {
    if (method.kind === "unary") {
      routes.set(path, {
        kind: "unary",
        async handler(call) {
          try {
            const verified = verify(call.path, call.metadata, call.body);
            const answer = await method.answer(Buffer.from(verified.request), { party: verified.clientParty });
            const { body, mac } = verified.protectResponse(answer);
            return { body: Buffer.from(body), trailers: { [metadataKeys.mac]: Buffer.from(mac).toString("hex") } };
          } catch (e) {
            throw mapError(e).wire;
          }
        },
      });
      continue;
    }
    routes.set(path, {
      kind: "stream",
      async handler(call: StreamCall) {
        try {
          let body: Buffer | undefined;
          for await (const m of call.messages) body = m;
          if (body === undefined) throw new WireError(Status.UNIMPLEMENTED, "no request message");
          const verified = verify(call.path, call.metadata, body);
          // Each message protected for the caller, the stream MAC over all of them (session-methods.ts).
          const responses = verified.responseStream();
          await method.answer(
            Buffer.from(verified.request),
            { party: verified.clientParty },
            {
              signal: call.signal,
              send(message) {
                call.send(Buffer.from(responses.next(message)));
              },
            },
          );
          if (!options.macStreams) return;
          return { trailers: { [metadataKeys.mac]: Buffer.from(responses.mac()).toString("hex") } };
        } catch (e) {
          throw mapError(e).wire;
        }
      },
    });
  }
  const server = createWireServer({ resolve: (path) => routes.get(path) });
  const address = await server.listen("127.0.0.1", 0);
  return { address: `127.0.0.1:${address.port}`, close: () => server.close(100) };
}

describe("hutong audit", () => {
  let dir: string;
  let store: HutongStore;
  let log: AuditLog;
  let keys: Keys;
  let note: string;
  let records: ExportRecord[];
  let logVkey: string;
  let witnessAVkey: string;
  let witnessBVkey: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-audit-cli-"));
    store = await openStore({ kind: "sqlite", path: join(dir, "hutong.db"), thread: "main" }, { hash: "sm3" });
    log = createAuditLog({ store, hasher: sm3Hasher });
    await Promise.all(Array.from({ length: size }, (_, i) => log.append(entryInput(i))));
    keys = {
      log: generateSm2PrivateKey(),
      otherLog: generateSm2PrivateKey(),
      witnessA: generateSm2PrivateKey(),
      witnessB: generateSm2PrivateKey(),
    };
    const head = await log.head();
    assert.equal(head.size, size);
    const signed = signCheckpoint(createNoteSigner(origin, keys.log), { origin, size, root: head.root });
    // Witness A cosigns; witness B never saw this checkpoint.
    note =
      signed +
      cosignCheckpoint(createCosignatureSigner(witnessA, keys.witnessA), signed, Date.parse("2026-06-01T00:00:00Z"));
    await log.saveCheckpoint({ size, root: head.root, note });
    logVkey = formatVerifierKey(origin, keys.log.publicKey);
    witnessAVkey = formatCosignatureVerifierKey(witnessA, keys.witnessA.publicKey);
    witnessBVkey = formatCosignatureVerifierKey(witnessB, keys.witnessB.publicKey);
    records = [];
    for await (const e of log.export()) records.push({ index: e.index, bytes: e.bytes });
    await writeExportFile(join(dir, "good.export"), records);
    await writeFile(join(dir, "good.export.checkpoint"), note);
  });

  after(async () => {
    await log.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe("verify (the CLI)", () => {
    it("as a child process: ok (text), the first bad index (--json, exit 1), a usage mistake (exit 2)", async () => {
      const good = join(dir, "good.export");
      const deleted = join(dir, "cli-deleted.export");
      await writeFile(deleted, encodeExportFile(records.filter((r) => r.index !== 17)));
      await writeFile(`${deleted}.checkpoint`, note);
      const logKeyFile = join(dir, "log.vkey");
      await writeFile(logKeyFile, `${logVkey}\n`);
      const [text, tampered, usage] = await Promise.all([
        run(["audit", "verify", good, "--log-key", `@${logKeyFile}`, "--witness-key", witnessAVkey]),
        run(["audit", "verify", deleted, "--log-key", logVkey, "--json"]),
        run(["audit", "verify", good]),
      ]);
      assert.equal(text.code, 0, text.stderr + text.stdout);
      assert.match(text.stdout, new RegExp(`checkpoint  ${origin}  size ${size}`));
      assert.match(text.stdout, /witness {5}hutong\.example\/witness\/mot {2}cosigned 2026-06-01T00:00:00\.000Z/);
      assert.match(text.stdout, /entries {5}40 verified/);
      assert.match(text.stdout, /^OK$/m);
      assert.equal(text.stderr, "", "no progress line when stderr is not a terminal");

      assert.equal(tampered.code, 1, tampered.stderr);
      const bad = JSON.parse(tampered.stdout);
      assert.equal(bad.ok, false);
      assert.deepEqual(bad.firstBad, { index: 17, problem: "missing", offset: bad.firstBad.offset });
      assert.equal(typeof bad.firstBad.offset, "number");

      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /required option '--log-key/);
    });

    it("--json is one object with the brief's fields; failures exit 1 with the reason", async () => {
      const good = join(dir, "good.export");
      const forged = join(dir, "forged.checkpoint");
      await writeFile(forged, forgeLastSignature(note));
      const base = ["verify", "--log-key", logVkey];

      const json = await runIn([...base, good, "--witness-key", witnessAVkey, "--json"]);
      assert.equal(json.code, 0, json.stderr);
      const ok = JSON.parse(json.stdout);
      assert.deepEqual(Object.keys(ok).sort(), [
        "entries",
        "ok",
        "origin",
        "reasons",
        "root",
        "seconds",
        "size",
        "witnesses",
      ]);
      assert.deepEqual(
        { ok: ok.ok, origin: ok.origin, size: ok.size, entries: ok.entries, witnesses: ok.witnesses },
        { ok: true, origin, size, entries: size, witnesses: [{ name: witnessA, ok: true, timestamp: 1780272000 }] },
      );
      assert.equal(ok.root, Buffer.from((await log.head()).root).toString("hex"));
      assert.equal(typeof ok.seconds, "number");

      const forgedWitness = await runIn([...base, good, "--checkpoint", forged, "--witness-key", witnessAVkey]);
      assert.equal(forgedWitness.code, 1);
      assert.match(forgedWitness.stdout, /BAD cosignature/);
      assert.match(forgedWitness.stdout, /FAILED: witness hutong\.example\/witness\/mot/);

      const few = await runIn([...base, good, "--witness-key", witnessAVkey, "--witness-key", witnessBVkey]);
      assert.equal(few.code, 1);
      assert.match(few.stdout, /hutong\.example\/witness\/440000 {2}no cosignature/);
      assert.match(few.stdout, /FAILED: witnesses: 1 of the 2 required/);
      const enough = await runIn([
        ...base,
        good,
        "--witness-key",
        witnessAVkey,
        "--witness-key",
        witnessBVkey,
        "--min-witnesses",
        "1",
      ]);
      assert.equal(enough.code, 0, enough.stdout);

      const otherKey = await runIn([
        "verify",
        good,
        "--log-key",
        formatVerifierKey(origin, keys.otherLog.publicKey),
        "--json",
      ]);
      assert.equal(otherKey.code, 1);
      assert.match(JSON.parse(otherKey.stdout).reasons[0], /no signature by the log key/);
    });

    it("usage mistakes exit 2: missing files, a key of the wrong kind, impossible witness counts", async () => {
      const good = join(dir, "good.export");
      const base = ["verify", "--log-key", logVkey];
      const cases: [string[], RegExp][] = [
        [[...base, join(dir, "nope.export")], /cannot read export/],
        [[...base, good, "--checkpoint", join(dir, "nope.checkpoint")], /cannot read checkpoint/],
        [["verify", good, "--log-key", witnessAVkey], /--log-key: verifier key .* is a cosignature key/],
        [[...base, good, "--witness-key", logVkey], /--witness-key: verifier key .* is a note key/],
        [["verify", good, "--log-key", "not a key"], /--log-key: malformed verifier key/],
        [
          ["verify", good, "--log-key", formatVerifierKey("hutong.example/audit/sha256", keys.log.publicKey)],
          /not an origin ending in "\/sm3"/,
        ],
        [[...base, good, "--witness-key", witnessAVkey, "--min-witnesses", "2"], /needs at least that many/],
        [[...base, good, "--witness-key", witnessAVkey, "--witness-key", witnessAVkey], /named twice/],
        [[...base, good, "--min-witnesses", "-1"], /--min-witnesses must be a non-negative integer/],
        [["verify", "--log-key", logVkey], /missing required argument/],
      ];
      for (const [args, message] of cases) {
        const r = await runIn(args);
        assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}${r.stdout}`);
        assert.match(r.stderr, message);
      }
    });
  });

  describe("export, prove and query against the audit endpoint", () => {
    let pki: DevPki;
    let server: Awaited<ReturnType<typeof startAuditServer>>;
    let unmaced: Awaited<ReturnType<typeof startAuditServer>>;
    let profile: string;
    let unmacedProfile: string;
    let searchStore: HutongStore;
    let searches: AuditLog;

    before(async () => {
      pki = await openDevPki(join(dir, "pki"), [
        { id: gw, role: "gateway" },
        { id: client, role: "system" },
      ]);
      // Searches by subject go to a log of their own, so the searched log keeps its indices.
      searchStore = await openStore(
        { kind: "sqlite", path: join(dir, "searches.db"), thread: "main" },
        { hash: "sm3" },
      );
      searches = createAuditLog({ store: searchStore, hasher: sm3Hasher });
      server = await startAuditServer(pki, log, { macStreams: true, searches });
      unmaced = await startAuditServer(pki, log, { macStreams: false });
      const files = pki.party(client);
      const write = async (name: string, address: string) => {
        const path = join(dir, name);
        await writeFile(
          path,
          JSON.stringify({
            address,
            gateway: gw,
            chain: files.chain,
            key: files.key,
            trust: [pki.rootCert],
            crl: pki.crls,
          }),
        );
        return path;
      };
      profile = await write("profile.json", server.address);
      unmacedProfile = await write("unmaced-profile.json", unmaced.address);
    });

    after(async () => {
      await server.close();
      await unmaced.close();
      await searches.close();
      await searchStore.close();
    });

    const recordedSearches = async () => {
      const out: AuditEntry[] = [];
      for await (const e of searches.export()) out.push(AuditEntry.decode(e.bytes));
      return out;
    };

    it("export (child process) writes the entries and the checkpoint, which verify", async () => {
      const out = join(dir, "exported.export");
      const exported = await run(["audit", "export", "--profile", profile, "--out", out]);
      assert.equal(exported.code, 0, exported.stderr);
      assert.match(exported.stdout, new RegExp(`wrote ${size} entries \\[0, ${size}\\)`));
      assert.deepEqual(await readFile(out), encodeExportFile(records));
      assert.equal(await readFile(`${out}.checkpoint`, "utf8"), note);
      assert.ok(!existsSync(`${out}.partial`) && !existsSync(`${out}.checkpoint.partial`));
      const verified = await runIn(["verify", out, "--log-key", logVkey, "--witness-key", witnessAVkey, "--json"]);
      assert.equal(verified.code, 0, verified.stdout);
      assert.equal(JSON.parse(verified.stdout).entries, size);
    });

    it("export: ranges, a progress line on a terminal, and a stream without its MAC leaves no file", async () => {
      const ranged = join(dir, "ranged.export");
      const cp = join(dir, "ranged.cp");
      const r = await runIn(
        ["export", "--profile", profile, "--from", "5", "--to", "9", "--out", ranged, "--checkpoint-out", cp],
        {
          tty: true,
        },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await readFile(ranged), encodeExportFile(records.slice(5, 9)));
      assert.equal(await readFile(cp, "utf8"), note);
      // One "\r" line, redrawn in place, then cleared: "\r<text>ESC[K" ... "\rESC[K".
      const clear = "\u001b[K";
      assert.ok(
        r.stderr.startsWith("\rexporting 100.0%  4/4 entries  ") && r.stderr.endsWith(`ETA 0s${clear}\r${clear}`),
        r.stderr,
      );
      assert.match(r.stderr, / [\d,]+ entries\/s {2}ETA/);
      const quiet = await runIn(["export", "--profile", profile, "--to", "2", "--out", ranged, "--no-progress"], {
        tty: true,
      });
      assert.equal(quiet.stderr, "");
      assert.deepEqual(await readFile(ranged), encodeExportFile(records.slice(0, 2)));

      const partial = await runIn(["verify", ranged, "--log-key", logVkey, "--checkpoint", cp, "--json"]);
      assert.equal(partial.code, 1);
      assert.deepEqual(JSON.parse(partial.stdout).firstBad, { index: 2, problem: "truncated" });

      const noMac = join(dir, "nomac.export");
      const refused = await runIn(["export", "--profile", unmacedProfile, "--out", noMac]);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, /ERROR: UNAUTHENTICATED: bad-mac: response carries no hutong-mac trailer/);
      assert.ok(!existsSync(noMac) && !existsSync(`${noMac}.partial`) && !existsSync(`${noMac}.checkpoint`));

      const beyond = await runIn(["export", "--profile", profile, "--to", String(size + 1), "--out", noMac]);
      assert.equal(beyond.code, 1);
      assert.match(beyond.stderr, /ERROR: OUT_OF_RANGE/);
      assert.ok(!existsSync(noMac) && !existsSync(`${noMac}.partial`));

      for (const args of [
        ["export", "--profile", profile, "--from", "9", "--to", "5", "--out", noMac],
        ["export", "--profile", profile, "--from", "x", "--out", noMac],
        ["export", "--profile", join(dir, "nope.json"), "--out", noMac],
        ["export", "--profile", profile],
      ]) {
        const u = await runIn(args);
        assert.equal(u.code, 2, `${args.join(" ")}: ${u.stderr}`);
      }
      assert.ok(!existsSync(noMac));
    });

    it("prove checks the proof against the returned checkpoint (and its signature with --log-key)", async () => {
      const json = await runIn(["prove", "--profile", profile, "--index", "17", "--log-key", logVkey, "--json"]);
      assert.equal(json.code, 0, json.stderr);
      const p = JSON.parse(json.stdout);
      assert.equal(p.ok, true);
      assert.equal(p.treeSize, size);
      assert.equal(p.checkpointSignatureVerified, true);
      assert.equal(p.leafHash, Buffer.from(sm3Hasher.hashLeaf((records[17] as ExportRecord).bytes)).toString("hex"));
      assert.equal(p.proof.length, 6, "a proof for leaf 17 of 40 has 6 hashes");
      assert.equal(p.entry.correlationId, "corr-17");
      assert.equal(p.entry.decision, "AUDIT_DECISION_ALLOW");
      assert.equal(p.checkpoint, note);

      const text = await runIn(["prove", "--profile", profile, "--index", "3"]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, new RegExp(`entry 3 is in ${origin} at size ${size}`));
      assert.match(text.stdout, /signature NOT checked/);

      const wrongKey = await runIn([
        "prove",
        "--profile",
        profile,
        "--index",
        "3",
        "--log-key",
        formatVerifierKey(origin, keys.otherLog.publicKey),
      ]);
      assert.equal(wrongKey.code, 1);
      assert.match(wrongKey.stderr, /the returned checkpoint does not verify/);

      // Size 20 has no signed checkpoint: nothing to check the proof against.
      const unsigned = await runIn(["prove", "--profile", profile, "--index", "3", "--size", "20"]);
      assert.equal(unsigned.code, 1);
      assert.match(unsigned.stderr, /no signed checkpoint of size 20/);

      const beyond = await runIn(["prove", "--profile", profile, "--index", String(size)]);
      assert.equal(beyond.code, 1);
      assert.match(beyond.stderr, /ERROR: OUT_OF_RANGE/);
      assert.equal((await runIn(["prove", "--profile", profile, "--index", "5", "--size", "5"])).code, 2);
    });

    it("query by party, grant and time, and by a subject computed from an id number that is never echoed", async () => {
      const keyFile = join(dir, "subject.key");
      await writeFile(keyFile, Buffer.from(subjectKey).toString("hex"));
      const q = ["query", "--profile", profile];

      const byParty = await runIn([...q, "--party", "rail:cr", "--json", "--all"]);
      assert.equal(byParty.code, 0, byParty.stderr);
      const odd = JSON.parse(byParty.stdout).entries as { index: number; entry: Record<string, unknown> }[];
      assert.deepEqual(
        odd.map((e) => e.index),
        Array.from({ length: size / 2 }, (_, i) => size - 1 - 2 * i),
        "rail:cr asked for every odd entry; newest first",
      );
      assert.equal(odd[0]?.entry.requesterParty, "rail:cr");

      const paged = await runIn([...q, "--party", "rail:cr", "--page-size", "5"]);
      assert.equal(paged.code, 0, paged.stderr);
      const lines = paged.stdout.split("\n").filter((l) => l.startsWith("#"));
      assert.equal(lines.length, 5);
      assert.match(
        lines[0] ?? "",
        /^#39 {2}2026-05-28T21:05:40\.000Z {2}DENY acl-denied {2}hutong\.v1\.TicketService\/VerifyTicket {2}rail:cr -> prov:510000 {2}purpose BOARDING_CHECK/,
      );
      const token = /more: --page-token (\S+) \(or --all\)/.exec(paged.stdout)?.[1];
      assert.ok(token !== undefined, paged.stdout);
      const next = await runIn([...q, "--party", "rail:cr", "--page-size", "5", "--page-token", token, "--json"]);
      assert.deepEqual(
        JSON.parse(next.stdout).entries.map((e: { index: number }) => e.index),
        [29, 27, 25, 23, 21],
      );

      const byGrant = await runIn([...q, "--grant", "g1-aaaa", "--page-size", "3", "--all", "--json"]);
      assert.deepEqual(
        JSON.parse(byGrant.stdout).entries.map((e: { index: number }) => e.index),
        [36, 32, 28, 24, 20, 16, 12, 8, 4, 0],
        "--all follows the pages",
      );
      const inTime = await runIn([
        ...q,
        "--grant",
        "g1-aaaa",
        "--from",
        new Date(1_780_000_000_000 + 8 * 60_000).toISOString(),
        "--to",
        new Date(1_780_000_000_000 + 20 * 60_000).toISOString(),
        "--json",
      ]);
      assert.deepEqual(
        JSON.parse(inTime.stdout).entries.map((e: { index: number }) => e.index),
        [16, 12, 8],
      );

      const bySubject = [...q, "--subject-id-type", "RESIDENT_ID_CARD", "--subject-key-file", keyFile];
      const expected = [38, 31, 24, 17, 10, 3];
      const viaFlag = await runIn([...bySubject, "--subject-id-no", idNo, "--json"]);
      assert.equal(viaFlag.code, 0, viaFlag.stderr);
      const hits = JSON.parse(viaFlag.stdout).entries as { index: number; entry: Record<string, unknown> }[];
      assert.deepEqual(
        hits.map((e) => e.index),
        expected,
      );
      assert.equal(hits[0]?.entry.subjectDigest, Buffer.from(personDigest).toString("hex"));
      const viaDigest = await runIn([...q, "--subject-digest", Buffer.from(personDigest).toString("hex"), "--json"]);
      assert.equal(viaDigest.stdout, viaFlag.stdout);
      // From stdin, lower-case check letter and spaces: the same person after normalization.
      const viaStdin = await runIn([...bySubject, "--subject-id-no", "-"], {
        input: `${idNo.slice(0, 6)} ${idNo.slice(6).toLowerCase()}\n`,
      });
      assert.equal(viaStdin.code, 0, viaStdin.stderr);
      assert.deepEqual(
        viaStdin.stdout
          .split("\n")
          .filter((l) => l.startsWith("#"))
          .map((l) => Number(l.slice(1, l.indexOf(" ")))),
        expected,
      );
      const bad = await runIn([...bySubject, "--subject-id-no", "１１０"]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--subject-id-no: an id number must be 1-64 printable ASCII/);
      for (const r of [viaFlag, viaStdin, bad]) {
        const all = `${r.stdout}${r.stderr}`;
        assert.ok(!all.includes(idNo) && !all.includes(idNo.toLowerCase().slice(6)) && !all.includes("１１０"));
      }

      // Each search by subject that reached the gateway was recorded there (the one refused here
      // never left), with the auditor's reference when one was given; searches by party, grant or
      // time were not.
      const withCase = await runIn([...bySubject, "--subject-id-no", idNo, "--correlation-id", "case-2026-0042"]);
      assert.equal(withCase.code, 0, withCase.stderr);
      const recorded = await recordedSearches();
      assert.deepEqual(
        recorded.map((e) => [
          e.reason,
          e.requesterParty,
          Buffer.from(e.subjectDigest).toString("hex"),
          e.correlationId,
        ]),
        [
          ...Array.from({ length: 3 }, () => ["audit-query", client, Buffer.from(personDigest).toString("hex"), ""]),
          ["audit-query", client, Buffer.from(personDigest).toString("hex"), "case-2026-0042"],
        ],
      );

      const usage: [string[], RegExp][] = [
        [q, /query needs a subject, --party or --grant/],
        [[...q, "--subject-digest", "abcd"], /64 hex digits/],
        [
          [...q, "--subject-id-type", "RESIDENT_ID_CARD", "--subject-id-no", "1"],
          /needs --subject-id-type, --subject-id-no and --subject-key-file/,
        ],
        [[...bySubject, "--subject-id-no", "1", "--subject-digest", "00".repeat(32)], /not both/],
        [
          [...q, "--subject-id-type", "SHOE_SIZE", "--subject-id-no", "1", "--subject-key-file", keyFile],
          /not an id type/,
        ],
        [[...q, "--party", "rail:cr", "--from", "yesterday"], /ISO 8601/],
        [[...q, "--party", "rail:cr", "--correlation-id", "case 42"], /--correlation-id: .*printable ASCII/],
        [[...q, "--party", "rail:cr", "--correlation-id", "x".repeat(129)], /at most 128/],
      ];
      for (const [args, message] of usage) {
        const r = await runIn(args);
        assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stderr, message);
      }
    });
  });

  it("the stream digest frames every message, so moving bytes between messages changes it", () => {
    const d = (messages: string[]) => {
      const s = createStreamDigest();
      for (const m of messages) s.update(Buffer.from(m));
      return Buffer.from(s.digest()).toString("hex");
    };
    assert.notEqual(d(["ab", "c"]), d(["a", "bc"]));
    assert.notEqual(d(["abc"]), d(["abc", ""]));
    assert.equal(d([]), "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b", "SM3 of nothing");
    assert.equal(AuditServiceService.exportEntries.responseStream, true);
  });
});
