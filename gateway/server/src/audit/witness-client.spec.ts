import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  createNoteSigner,
  formatAddCheckpointRequest,
  type NoteVerifier,
  noteVerifierFromPublicKey,
  openCheckpoint,
  parseNote,
  signCheckpoint,
  sm3Hasher,
  verifyCosignature,
} from "@hutong/audit";
import type { StreamingHutongClient } from "@hutong/client";
import { AuditServiceService } from "@hutong/proto";
import { isWireError, Status } from "@hutong/wire";
import type { DevPki } from "../dev/dev-pki.js";
import { type HutongStore, openStore } from "../store/index.js";
import {
  type AuditGateway,
  auditClient,
  auditEntry,
  auditor,
  credentialsOf,
  gatewayA,
  gatewayB,
  openAuditPki,
  originOf,
  startAuditGateway,
  tempDir,
} from "../testing.js";
import { witnessSizeTrailer } from "./audit-error.js";
import { type PublisherLogger, startCheckpointPublisher } from "./checkpoint-publisher.js";
import { type AuditLog, createAuditLog } from "./index.js";
import { createWitnessClient, type WitnessClient } from "./witness-client.js";

function rejectsWith(code: number, text?: RegExp) {
  return (e: unknown) => {
    assert.ok(isWireError(e), `expected a WireError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (text !== undefined) assert.match(e.message, text);
    return true;
  };
}

function captureLogger() {
  const lines: { level: string; facts: Record<string, unknown>; message: string }[] = [];
  const logger: PublisherLogger = {
    warn: (facts, message) => lines.push({ level: "warn", facts, message }),
    error: (facts, message) => lines.push({ level: "error", facts, message }),
  };
  return { logger, lines };
}

/** The note as the log signed it (its first signature line only): what a witness stores. */
function logSignedPart(note: string): string {
  const { text } = parseNote(note);
  return note.slice(0, note.indexOf("\n", text.length + 1) + 1);
}

describe("witnessing between two gateways: A's publisher, B's AuditService AddCheckpoint", () => {
  let dir: string;
  let pki: DevPki;
  let a: AuditGateway;
  let b: AuditGateway;
  let aLogVerifier: NoteVerifier;
  let toB: WitnessClient;
  let auditorOfA: StreamingHutongClient;
  const origin = originOf(gatewayA);
  const closers: (() => Promise<void>)[] = [];

  before(async () => {
    dir = await tempDir();
    pki = await openAuditPki(dir);
    const aCreds = await credentialsOf(pki, gatewayA);
    aLogVerifier = noteVerifierFromPublicKey(origin, aCreds.privateKey.publicKey);
    [a, b] = await Promise.all([
      startAuditGateway({ dir, pki, party: gatewayA }),
      startAuditGateway({ dir, pki, party: gatewayB, witnessing: [{ origin, verifier: aLogVerifier }] }),
    ]);
    toB = createWitnessClient({
      party: gatewayB,
      address: b.address,
      self: a.credentials,
      crls: () => a.credentials.crls,
      verifier: b.cosignatureVerifier,
    });
    auditorOfA = await auditClient(pki, auditor, a);
  });
  after(async () => {
    for (const close of closers.splice(0)) await close();
    toB.close();
    auditorOfA.close();
    await Promise.all([a.close(), b.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  function publisherFor(log: AuditLog, witnesses: Parameters<typeof startCheckpointPublisher>[0]["witnesses"]) {
    const captured = captureLogger();
    const publisher = startCheckpointPublisher({
      reader: log,
      signer: a.logSigner,
      origin,
      intervalMs: 3_600_000,
      witnesses,
      logger: captured.logger,
    });
    closers.push(() => publisher.close());
    return { publisher, lines: captured.lines };
  }

  const appendTo = (log: AuditLog, from: number, to: number, tag = "") =>
    Promise.all(Array.from({ length: to - from }, (_, i) => log.append(auditEntry(from + i, gatewayA, tag))));

  const signedAt = async (log: AuditLog, size: number) =>
    signCheckpoint(a.logSigner, { origin, size, root: await log.rootAt(size) });

  it("B cosigns A's checkpoints; A saves and serves them with B's cosignature, B stores what it cosigned", async () => {
    const { publisher, lines } = publisherFor(a.log, [toB]);
    await appendTo(a.log, 0, 10);
    const first = await publisher.publishNow();
    assert.equal(first.size, 10);
    openCheckpoint(first.note, aLogVerifier, origin);
    const { timestamp } = verifyCosignature(first.note, b.cosignatureVerifier);
    assert.ok(Math.abs(timestamp - Date.now() / 1000) < 60);
    const stored = await b.store.witnessState(origin);
    assert.equal(stored?.size, 10);
    assert.deepEqual(stored?.root, first.root);
    assert.equal(stored?.note, logSignedPart(first.note));

    // A serves the cosigned note to anyone who asks.
    const served = await auditorOfA.unary(AuditServiceService.getCheckpoint, {});
    assert.equal(served.checkpoint, first.note);

    await appendTo(a.log, 10, 15);
    const second = await publisher.publishNow();
    verifyCosignature(second.note, b.cosignatureVerifier);
    assert.equal((await b.store.witnessState(origin))?.size, 15);
    assert.deepEqual(lines, []);
    // A cosignature is over the checkpoint it came with: B's line moved onto another note fails.
    const bLine = second.note.split("\n").find((l) => l.startsWith("\u2014 hutong/mot/witness "));
    assert.throws(() => verifyCosignature(`${logSignedPart(first.note)}${bLine}\n`, b.cosignatureVerifier));
  });

  it("submit answers a size conflict with the witness's size (FAILED_PRECONDITION + trailer)", async () => {
    const note = logSignedPart((await a.log.latestCheckpoint())?.note ?? "");
    const answer = await toB.submit(formatAddCheckpointRequest({ oldSize: 0, proof: [], checkpointNote: note }));
    assert.deepEqual(answer, { conflictSize: 15 });
  });

  it("B refuses an untrusted signature, an origin it does not witness and a malformed body", async () => {
    const head = await a.log.head();
    const bKey = (await credentialsOf(pki, gatewayB)).privateKey;
    const forged = signCheckpoint(createNoteSigner(origin, bKey), { origin, size: head.size, root: head.root });
    await assert.rejects(
      toB.submit(formatAddCheckpointRequest({ oldSize: 15, proof: [], checkpointNote: forged })),
      rejectsWith(Status.PERMISSION_DENIED, /no signature by a key trusted/),
    );
    const other = "hutong/prov:440000/audit/sm3";
    const foreign = signCheckpoint(createNoteSigner(other, bKey), {
      origin: other,
      size: 0,
      root: sm3Hasher.emptyRoot(),
    });
    await assert.rejects(
      toB.submit(formatAddCheckpointRequest({ oldSize: 0, proof: [], checkpointNote: foreign })),
      rejectsWith(Status.NOT_FOUND, /does not witness hutong\/prov:440000\/audit\/sm3/),
    );
    await assert.rejects(toB.submit("old 01\n\n"), rejectsWith(Status.INVALID_ARGUMENT, /malformed add-checkpoint/));
    assert.equal((await b.store.witnessState(origin))?.size, 15);
  });

  it("two submissions racing from the same old size: one is cosigned, the other told the winner's size", async () => {
    await appendTo(a.log, 15, 19);
    const requests = await Promise.all(
      [17, 19].map(async (size) =>
        formatAddCheckpointRequest({
          oldSize: 15,
          proof: (await a.log.consistencyProof(15, size)).hashes,
          checkpointNote: await signedAt(a.log, size),
        }),
      ),
    );
    const answers = await Promise.all(requests.map((r) => toB.submit(r)));
    const won = answers.filter((x) => "cosignature" in x);
    const lost = answers.filter((x) => "conflictSize" in x);
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    const state = await b.store.witnessState(origin);
    assert.ok(state !== undefined);
    assert.deepEqual(lost[0], { conflictSize: state.size });
    assert.ok(state.size === 17 || state.size === 19);

    // The publisher catches up from whatever B holds.
    const { publisher } = publisherFor(a.log, [toB]);
    const latest = await publisher.publishNow();
    assert.equal(latest.size, 19);
    verifyCosignature(latest.note, b.cosignatureVerifier);
    assert.equal((await b.store.witnessState(origin))?.size, 19);
  });

  describe("a forked log of A (another store, same origin and key)", () => {
    let forkStore: HutongStore;
    let fork: AuditLog;
    before(async () => {
      forkStore = await openStore({ kind: "sqlite", path: join(dir, "fork.db"), thread: "main" }, { hash: "sm3" });
      fork = createAuditLog({ store: forkStore, hasher: sm3Hasher });
      // The same first 17 entries as A, then two others at indices 17 and 18.
      for (let i = 0; i < 17; i++) await fork.append(auditEntry(i, gatewayA));
      await appendTo(fork, 17, 19, "-fork");
    });
    after(async () => {
      await fork.close();
      await forkStore.close();
    });

    it("B refuses the fork's checkpoint at the size it cosigned with ABORTED, logs it, keeps its state", async () => {
      const before = await b.store.witnessState(origin);
      assert.equal(before?.size, 19);
      assert.notDeepEqual(await fork.rootAt(19), before?.root);
      const forked = await signedAt(fork, 19);
      await assert.rejects(
        toB.submit(formatAddCheckpointRequest({ oldSize: 19, proof: [], checkpointNote: forked })),
        (e: unknown) => {
          rejectsWith(Status.ABORTED, /size 19 with another root/)(e);
          assert.equal(isWireError(e) && e.trailers[witnessSizeTrailer], "19");
          return true;
        },
      );
      assert.deepEqual(await b.store.witnessState(origin), before);
      const alarm = b.alarms.at(-1);
      assert.equal(alarm?.outcome, "same-size-different-root");
      assert.equal(alarm?.checkpoint, forked);
      assert.equal(alarm?.submittedBy, gatewayA);
    });

    it("B refuses a larger fork whose proof starts from the fork's own history; A' publishes without B", async () => {
      const before = await b.store.witnessState(origin);
      await appendTo(fork, 19, 25, "-fork");
      const alarms = b.alarms.length;
      const { publisher, lines } = publisherFor(fork, [toB]);
      const saved = await publisher.publishNow();
      assert.equal(saved.size, 25);
      assert.equal(parseNote(saved.note).signatures.length, 1, "no cosignature on the fork");
      assert.throws(() => verifyCosignature(saved.note, b.cosignatureVerifier));
      assert.equal(lines.length, 1);
      assert.equal(lines[0]?.level, "warn");
      assert.equal(lines[0]?.facts.witness, gatewayB);
      const err = lines[0]?.facts.err;
      assert.ok(isWireError(err) && err.code === Status.INVALID_ARGUMENT, String(err));
      assert.match(err.message, /does not show the checkpoint extends size 19/);
      assert.deepEqual(await b.store.witnessState(origin), before);
      assert.equal(b.alarms.length, alarms + 1);
      assert.equal(b.alarms.at(-1)?.outcome, "bad-proof");
    });
  });

  it("a witness that is down: A still publishes, with the others' cosignatures, and logs a warning", async () => {
    const down = createWitnessClient({
      party: "prov:440000",
      address: "127.0.0.1:1",
      self: a.credentials,
      crls: () => a.credentials.crls,
      timeoutMs: 2000,
    });
    closers.push(async () => down.close());
    await appendTo(a.log, 19, 21);
    const { publisher, lines } = publisherFor(a.log, [down, toB]);
    const saved = await publisher.publishNow();
    assert.equal(saved.size, 21);
    verifyCosignature(saved.note, b.cosignatureVerifier);
    assert.deepEqual(await a.log.latestCheckpoint(), saved);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.level, "warn");
    assert.equal(lines[0]?.facts.witness, "prov:440000");
    const err = lines[0]?.facts.err;
    assert.ok(isWireError(err) && err.code === Status.UNAVAILABLE, String(err));
  });
});
