import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  cosignatureVerifierFromPublicKey,
  createCosignatureSigner,
  createNoteSigner,
  createWitnessConfig,
  decideAddCheckpoint,
  formatSignatureLine,
  noteVerifierFromPublicKey,
  openCheckpoint,
  parseAddCheckpointRequest,
  parseNote,
  sm3Hasher,
  verifyCosignature,
  type WitnessState,
} from "@hutong/audit";
import { generateSm2PrivateKey } from "@hutong/certs";
import { openStore } from "../store/index.js";
import type { HutongStore } from "../store/port/store.js";
import { sampleEntry } from "../testing.js";
import { type CheckpointWitness, type PublisherLogger, startCheckpointPublisher } from "./checkpoint-publisher.js";
import { type AuditLog, type AuditReader, createAuditLog } from "./index.js";

const origin = "hutong/prov:510000/audit/sm3";
const logKey = generateSm2PrivateKey();
const signer = createNoteSigner(origin, logKey);
const logVerifier = noteVerifierFromPublicKey(origin, logKey.publicKey);

/** A witness in memory, deciding with the real tlog-witness core; records what it was sent. */
function memoryWitness(party: string) {
  const key = generateSm2PrivateKey();
  const name = `hutong/${party}/witness`;
  const config = createWitnessConfig({
    signer: createCosignatureSigner(name, key),
    logs: [{ origin, verifiers: [logVerifier] }],
  });
  const w = {
    party,
    verifier: cosignatureVerifierFromPublicKey(name, key.publicKey),
    state: undefined as WitnessState | undefined,
    oldSizes: [] as number[],
    async submit(body: string) {
      const request = parseAddCheckpointRequest(body);
      w.oldSizes.push(request.oldSize);
      const outcome = decideAddCheckpoint({ config, request, state: w.state, now: Date.now() });
      if (outcome.kind === "cosigned") {
        w.state = outcome.newState;
        return { cosignature: outcome.cosignature };
      }
      if (outcome.kind === "size-conflict") return { conflictSize: outcome.size };
      throw new Error(`witness refused: ${outcome.kind}`);
    },
  };
  return w;
}

function captureLogger() {
  const lines: { level: string; facts: Record<string, unknown>; message: string }[] = [];
  const logger: PublisherLogger = {
    warn: (facts, message) => lines.push({ level: "warn", facts, message }),
    error: (facts, message) => lines.push({ level: "error", facts, message }),
  };
  return { logger, lines };
}

describe("checkpoint publisher", () => {
  let dir: string;
  let store: HutongStore;
  let log: AuditLog;
  const closers: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-publisher-"));
    store = await openStore({ kind: "sqlite", path: join(dir, "hutong.db"), thread: "main" }, { hash: "sm3" });
    log = createAuditLog({ store, hasher: sm3Hasher });
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await log.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const append = (from: number, to: number) =>
    Promise.all(Array.from({ length: to - from }, (_, i) => log.append(sampleEntry(from + i))));

  function start(options: {
    witnesses?: readonly CheckpointWitness[];
    intervalMs?: number;
    reader?: AuditReader;
    logger?: PublisherLogger;
  }) {
    const publisher = startCheckpointPublisher({
      reader: options.reader ?? log,
      signer,
      origin,
      intervalMs: options.intervalMs ?? 3_600_000,
      witnesses: options.witnesses ?? [],
      logger: options.logger ?? captureLogger().logger,
    });
    closers.push(() => publisher.close());
    return publisher;
  }

  it("signs the head, collects each witness's cosignature and saves the note with them", async () => {
    await append(0, 9);
    const b = memoryWitness("mot");
    const c = memoryWitness("prov:440000");
    const saved = await start({ witnesses: [b, c] }).publishNow();
    assert.equal(saved.size, 9);
    assert.deepEqual(saved.root, (await log.head()).root);
    assert.deepEqual(await log.latestCheckpoint(), saved);
    const opened = openCheckpoint(saved.note, logVerifier, origin);
    assert.equal(opened.checkpoint.size, 9);
    assert.equal(opened.otherSignatures.length, 2);
    verifyCosignature(saved.note, b.verifier);
    verifyCosignature(saved.note, c.verifier);
    assert.deepEqual(b.oldSizes, [0]);
    assert.equal(b.state?.size, 9);
  });

  it("tells what it knows of each witness: the size it cosigned, when, and the failures since", async () => {
    const b = memoryWitness("mot");
    const inner = memoryWitness("prov:440000");
    let down = true;
    const c = {
      party: "prov:440000",
      submit: (body: string) => (down ? Promise.reject(new Error("connection refused")) : inner.submit(body)),
    };
    const publisher = start({ witnesses: [b, c] });
    assert.deepEqual(publisher.witnesses(), [
      { party: "mot", cosignedSize: undefined, cosignedAtMs: undefined, failures: 0, retryAtMs: undefined },
      { party: "prov:440000", cosignedSize: undefined, cosignedAtMs: undefined, failures: 0, retryAtMs: undefined },
    ]);
    const before = Date.now();
    await append(0, 3);
    await publisher.publishNow();
    const [mot, failing] = publisher.witnesses();
    assert.equal(mot?.cosignedSize, 3);
    assert.ok((mot?.cosignedAtMs ?? 0) >= before);
    assert.equal(mot?.failures, 0);
    assert.equal(failing?.cosignedSize, undefined, "what it never cosigned for this publisher stays unknown");
    assert.equal(failing?.failures, 1);
    assert.ok((failing?.retryAtMs ?? 0) > before);
    down = false;
    await append(3, 5);
    await publisher.publishNow();
    const [, back] = publisher.witnesses();
    assert.deepEqual([back?.cosignedSize, back?.failures, back?.retryAtMs], [5, 0, undefined]);
  });

  it("signs an empty log at size 0 when there is no checkpoint yet, and nothing new while the head stands", async () => {
    const publisher = start({});
    const first = await publisher.publishNow();
    assert.equal(first.size, 0);
    assert.deepEqual(first.root, sm3Hasher.emptyRoot());
    const again = await publisher.publishNow();
    assert.equal(again.note, first.note, "same head: the same checkpoint, not a new signature");
  });

  it("sends each witness a proof from the size it last cosigned", async () => {
    const b = memoryWitness("mot");
    const publisher = start({ witnesses: [b] });
    await append(0, 5);
    await publisher.publishNow();
    await append(5, 12);
    const saved = await publisher.publishNow();
    assert.deepEqual(b.oldSizes, [0, 5]);
    assert.equal(b.state?.size, 12);
    verifyCosignature(saved.note, b.verifier);
  });

  it("on a size conflict, resubmits once from the size the witness reports", async () => {
    const b = memoryWitness("mot");
    await append(0, 6);
    await start({ witnesses: [b] }).publishNow();
    await append(6, 10);
    // A restarted publisher knows nothing of what b cosigned: it starts from 0 and is corrected.
    const saved = await start({ witnesses: [b] }).publishNow();
    assert.deepEqual(b.oldSizes, [0, 0, 6]);
    assert.equal(b.state?.size, 10);
    verifyCosignature(saved.note, b.verifier);
  });

  it("a witness that conflicts twice is skipped with a warning, and asked from its size next time", async () => {
    const b = memoryWitness("mot");
    const { logger, lines } = captureLogger();
    const stubborn: CheckpointWitness = { party: "mot", submit: async () => ({ conflictSize: 3 }) };
    await append(0, 8);
    const publisher = start({ witnesses: [stubborn], logger });
    const saved = await publisher.publishNow();
    assert.equal(parseNote(saved.note).signatures.length, 1, "published without a cosignature");
    assert.deepEqual(
      lines.map((l) => [l.level, l.facts.witness, l.facts.witnessSize]),
      [["warn", "mot", 3]],
    );
    // A witness claiming a size above anything signed is an alarm, not a retry.
    const bigger: CheckpointWitness = { party: "rail:cr", submit: async () => ({ conflictSize: 99 }) };
    const { logger: l2, lines: lines2 } = captureLogger();
    await append(8, 9);
    await start({ witnesses: [bigger], logger: l2 }).publishNow();
    assert.equal(lines2[0]?.level, "error");
    assert.match(lines2[0]?.message ?? "", /larger checkpoint/);
    assert.ok(b.oldSizes.length === 0);
  });

  it("a witness that is down or answers garbage does not stop publication or the other witnesses", async () => {
    const b = memoryWitness("mot");
    const { logger, lines } = captureLogger();
    const down: CheckpointWitness = {
      party: "prov:440000",
      submit: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:1")),
    };
    const garbage: CheckpointWitness = { party: "rail:cr", submit: async () => ({ cosignature: "not a line\n" }) };
    // A line under the log's own key would make every verifier reject the whole note.
    const impostor: CheckpointWitness = {
      party: "air:caac",
      submit: async () => ({
        cosignature: formatSignatureLine({ name: origin, keyId: signer.keyId, signature: new Uint8Array(64).fill(7) }),
      }),
    };
    await append(0, 4);
    const saved = await start({ witnesses: [down, b, garbage, impostor], logger }).publishNow();
    assert.equal(saved.size, 4);
    verifyCosignature(saved.note, b.verifier);
    openCheckpoint(saved.note, logVerifier, origin);
    assert.equal(parseNote(saved.note).signatures.length, 2, "the log's signature and b's, nothing else");
    assert.deepEqual(lines.map((l) => [l.level, l.facts.witness]).sort(), [
      ["warn", "air:caac"],
      ["warn", "prov:440000"],
      ["warn", "rail:cr"],
    ]);
  });

  it("verifies a witness's line with its key when one is configured", async () => {
    const b = memoryWitness("mot");
    const c = memoryWitness("prov:440000");
    const { logger, lines } = captureLogger();
    await append(0, 3);
    // b's answers checked against c's key: refused; c's against its own: kept.
    const saved = await start({
      witnesses: [
        { party: b.party, submit: b.submit, verifier: c.verifier },
        { party: c.party, submit: c.submit, verifier: c.verifier },
      ],
      logger,
    }).publishNow();
    assert.equal(parseNote(saved.note).signatures.length, 2);
    verifyCosignature(saved.note, c.verifier);
    assert.throws(() => verifyCosignature(saved.note, b.verifier));
    assert.deepEqual(
      lines.map((l) => [l.level, l.facts.witness]),
      [["warn", "mot"]],
    );
  });

  it("asks a witness that missed the latest checkpoint again, and keeps one line per witness key", async () => {
    const b = memoryWitness("mot");
    let up = false;
    const flaky: CheckpointWitness = {
      party: "mot",
      submit: (body) => (up ? b.submit(body) : Promise.reject(new Error("down"))),
    };
    await append(0, 5);
    const publisher = start({ witnesses: [flaky] });
    const withoutB = await publisher.publishNow();
    assert.equal(parseNote(withoutB.note).signatures.length, 1);
    up = true;
    const withB = await publisher.publishNow();
    assert.equal(withB.size, 5);
    assert.equal(parseNote(withB.note).signatures.length, 2);
    assert.equal(
      parseNote(withB.note).signatures[0]?.signature.length,
      parseNote(withoutB.note).signatures[0]?.signature.length,
    );
    verifyCosignature(withB.note, b.verifier);
    assert.deepEqual(await log.latestCheckpoint(), withB);
    // Cosigned now: nothing more to ask at this size.
    await publisher.publishNow();
    assert.deepEqual(b.oldSizes, [0]);
    // After a restart the publisher asks again; b's fresh line replaces its old one.
    const restarted = await start({ witnesses: [b] }).publishNow();
    assert.deepEqual(b.oldSizes, [0, 0, 5]);
    const lines = (note: string) => note.split("\n").filter((l) => l.startsWith("\u2014 hutong/mot/witness "));
    assert.equal(parseNote(restarted.note).signatures.length, 2);
    assert.equal(lines(restarted.note).length, 1);
    assert.notEqual(lines(restarted.note)[0], lines(withB.note)[0]);
    verifyCosignature(restarted.note, b.verifier);
  });

  it("refuses to sign when the store no longer extends the latest checkpoint", async () => {
    await append(0, 6);
    const b = memoryWitness("mot");
    await start({ witnesses: [b] }).publishNow();
    await append(6, 8);
    const before = await log.latestCheckpoint();
    const rewritten: AuditReader = { ...log, rootAt: async () => new Uint8Array(32).fill(1) };
    await assert.rejects(
      start({ witnesses: [b], reader: rewritten }).publishNow(),
      /no longer has the checkpointed root/,
    );
    const shrunk: AuditReader = { ...log, head: async () => ({ size: 3, root: await log.rootAt(3) }) };
    await assert.rejects(
      start({ witnesses: [b], reader: shrunk }).publishNow(),
      /below the latest checkpoint's size 6/,
    );
    assert.deepEqual(await log.latestCheckpoint(), before);
    assert.deepEqual(b.oldSizes, [0], "no witness was asked");
  });

  it("publishes on its timer only when the head grew, and stops when closed", async () => {
    const saves: number[] = [];
    const counting: AuditReader = {
      ...log,
      saveCheckpoint: async (cp) => {
        saves.push(cp.size);
        await log.saveCheckpoint(cp);
      },
    };
    const { logger, lines } = captureLogger();
    const publisher = start({ reader: counting, intervalMs: 10, logger });
    await append(0, 3);
    await waitFor(async () => (await log.latestCheckpoint())?.size === 3);
    await sleep(60);
    assert.deepEqual(saves.filter((s) => s === 3).length, 1, "one checkpoint per head");
    await append(3, 5);
    await waitFor(async () => (await log.latestCheckpoint())?.size === 5);
    await publisher.close();
    await append(5, 7);
    await sleep(60);
    assert.equal((await log.latestCheckpoint())?.size, 5);
    await assert.rejects(publisher.publishNow(), /closed/);
    assert.deepEqual(lines, []);
  });

  it("on the timer, backs off from a failing witness, doubling the wait; publishNow asks it anyway", async () => {
    const b = memoryWitness("mot");
    let clock = 1_000_000;
    let up = false;
    let attempts = 0;
    const flaky: CheckpointWitness = {
      party: "mot",
      submit: (body) => {
        attempts++;
        return up ? b.submit(body) : Promise.reject(new Error("down"));
      },
    };
    const { logger, lines } = captureLogger();
    const publisher = startCheckpointPublisher({
      reader: log,
      signer,
      origin,
      intervalMs: 10,
      witnesses: [flaky],
      logger,
      now: () => clock,
    });
    closers.push(() => publisher.close());
    await append(0, 2);
    await waitFor(async () => attempts === 1);
    await sleep(80); // several ticks, the clock standing still: no attempt
    assert.equal(attempts, 1);
    assert.equal((await log.latestCheckpoint())?.size, 2, "published without the witness");
    clock += 10;
    await waitFor(async () => attempts === 2);
    clock += 19;
    await append(2, 3); // a new checkpoint is signed, but the witness is still in back-off
    await waitFor(async () => (await log.latestCheckpoint())?.size === 3);
    await sleep(50);
    assert.equal(attempts, 2);
    clock += 1;
    await waitFor(async () => attempts === 3);
    await publisher.publishNow();
    assert.equal(attempts, 4, "publishNow asks a witness in back-off");
    assert.deepEqual(
      lines.map((l) => l.facts.retryInMs),
      [10, 20, 40, 80],
    );
    up = true;
    clock += 80;
    await waitFor(async () => b.state?.size === 3);
    verifyCosignature((await log.latestCheckpoint())?.note ?? "", b.verifier);
    assert.equal(lines.length, 4);
  });

  it("logs a failed timed publication instead of throwing", async () => {
    const { logger, lines } = captureLogger();
    const broken: AuditReader = { ...log, head: () => Promise.reject(new Error("store down")) };
    start({ reader: broken, intervalMs: 10, logger });
    await waitFor(async () => lines.length > 0);
    assert.equal(lines[0]?.level, "error");
    const err = lines[0]?.facts.err;
    assert.ok(err instanceof Error && err.message === "store down", String(err));
  });

  it("checks its options", () => {
    const base = { reader: log, signer, origin, intervalMs: 1000, witnesses: [], logger: captureLogger().logger };
    assert.throws(() => startCheckpointPublisher({ ...base, origin: "hutong/other/audit/sm3" }), /origin/);
    assert.throws(() => startCheckpointPublisher({ ...base, intervalMs: 0 }), /intervalMs/);
    const w = memoryWitness("mot");
    assert.throws(() => startCheckpointPublisher({ ...base, witnesses: [w, w] }), /twice/);
  });
});

async function waitFor(predicate: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await sleep(5);
  }
}
