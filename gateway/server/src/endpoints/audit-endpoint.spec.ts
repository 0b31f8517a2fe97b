import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { openCheckpoint, signCheckpoint, sm3Hasher, verifyConsistency, verifyInclusion } from "@hutong/audit";
import { sm3 } from "@hutong/certs";
import type { StreamingHutongClient, UnaryMethod } from "@hutong/client";
import {
  AddCheckpointRequest,
  AuditDecision,
  AuditEntry,
  AuditRole,
  AuditServiceService,
  ExportEntriesRequest,
  ExportEntriesResponse,
  GetCheckpointRequest,
  Purpose,
  QueryEntriesRequest,
  QueryEntriesResponse,
} from "@hutong/proto";
import { isWireError, Status } from "@hutong/wire";
import { eventually } from "@hutong/wire/testing";
import { createAuditLog, createAuditReader } from "../audit/index.js";
import type { DevPki } from "../dev/dev-pki.js";
import { openStore } from "../store/index.js";
import type { AuditStore } from "../store/port/audit-store.js";
import { StoreError } from "../store/port/store-error.js";
import { type AuditMethod, createAuditEndpoint } from "./audit-endpoint.js";
import {
  type AuditGateway,
  auditClient,
  auditEntry,
  auditor,
  credentialsOf,
  gatewayA,
  openAuditPki,
  startAuditGateway,
  tempDir,
} from "./testing-audit-server.js";

const caller = { party: auditor };

function rejectsWith(code: number, text?: RegExp) {
  return (e: unknown) => {
    assert.ok(isWireError(e), `expected a WireError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (text !== undefined) assert.match(e.message, text);
    return true;
  };
}

/** Store reads of entries, and a gate to hold them. */
function readProbe() {
  const probe = {
    reads: 0,
    gate: undefined as Promise<void> | undefined,
    wrap(store: AuditStore): AuditStore {
      return {
        ...store,
        hash: store.hash,
        entries: async (from, to) => {
          probe.reads++;
          if (probe.reads > 1 && probe.gate !== undefined) await probe.gate;
          return store.entries(from, to);
        },
      };
    },
  };
  return probe;
}

describe("AuditService over a real wire server and a real SQLite store", () => {
  let dir: string;
  let pki: DevPki;
  let a: AuditGateway;
  let client: StreamingHutongClient;
  const probe = readProbe();

  const call = <Req, Res>(method: UnaryMethod<Req, Res>, request: Req): Promise<Res> => client.unary(method, request);
  /**
   * Exports through the SDK, which authenticates the whole stream with the trailer MAC;
   * `keepGoing` returning false cancels the call.
   */
  async function exportCall(from: number, to: number, keepGoing?: () => boolean) {
    const messages: Buffer[] = [];
    const stop = new Error("cancelled by the test");
    try {
      await client.serverStream(
        AuditServiceService.exportEntries.path,
        AuditServiceService.exportEntries.requestSerialize({ fromIndex: BigInt(from), toIndex: BigInt(to) }),
        (m) => {
          messages.push(m);
          if (keepGoing !== undefined && !keepGoing()) throw stop;
        },
      );
      return { messages, code: Status.OK as number, details: "" };
    } catch (e) {
      if (e === stop) return { messages, code: Status.CANCELLED as number, details: stop.message };
      if (isWireError(e)) return { messages, code: e.code as number, details: e.message };
      throw e;
    }
  }
  const indicesOf = (messages: Buffer[]) =>
    messages.flatMap((m) => ExportEntriesResponse.decode(m).entries.map((e) => Number(e.index)));

  before(async () => {
    dir = await tempDir();
    pki = await openAuditPki(dir);
    a = await startAuditGateway({ dir, pki, party: gatewayA, wrapStore: probe.wrap, exportChunk: { maxEntries: 5 } });
    client = await auditClient(pki, auditor, a);
    await Promise.all(Array.from({ length: 20 }, (_, i) => a.log.append(auditEntry(i))));
  });
  after(async () => {
    client.close();
    await a.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function saveCheckpointAtHead(): Promise<void> {
    const head = await a.log.head();
    const note = signCheckpoint(a.logSigner, { origin: a.origin, size: head.size, root: head.root });
    await a.log.saveCheckpoint({ size: head.size, root: head.root, note });
  }

  it("before any checkpoint: NOT_FOUND for the checkpoint and for sizes that default to it", async () => {
    await assert.rejects(
      call(AuditServiceService.getCheckpoint, {}),
      rejectsWith(Status.NOT_FOUND, /no signed checkpoint/),
    );
    await assert.rejects(
      call(AuditServiceService.proveInclusion, { index: 0n, treeSize: 0n }),
      rejectsWith(Status.NOT_FOUND),
    );
    const r = await exportCall(0, 0);
    assert.equal(r.code, Status.NOT_FOUND, r.details);
    // Explicit sizes up to the head are provable without a checkpoint (no checkpoint in the answer).
    const p = await call(AuditServiceService.proveInclusion, { index: 3n, treeSize: 20n });
    assert.equal(p.checkpoint, "");
    verifyInclusion(sm3Hasher, 3, 20, sm3Hasher.hashLeaf(p.entry), p.proof, await a.log.rootAt(20));
  });

  it("GetCheckpoint serves the latest signed checkpoint, which verifies under the log's key", async () => {
    await Promise.all(Array.from({ length: 7 }, (_, i) => a.log.append(auditEntry(20 + i)).then(() => undefined)));
    // Checkpoints at 13 (signed later, over the stored root at 13) and at 27; then the head moves on to 30.
    const root13 = await a.log.rootAt(13);
    const note13 = signCheckpoint(a.logSigner, { origin: a.origin, size: 13, root: root13 });
    await a.log.saveCheckpoint({ size: 13, root: root13, note: note13 });
    await saveCheckpointAtHead();
    await Promise.all([27, 28, 29].map((i) => a.log.append(auditEntry(i))));

    const { checkpoint } = await call(AuditServiceService.getCheckpoint, {});
    const opened = openCheckpoint(checkpoint, a.logVerifier, a.origin);
    assert.equal(opened.checkpoint.size, 27);
    assert.deepEqual(opened.checkpoint.root, await a.log.rootAt(27));
  });

  it("ProveInclusion: tree_size 0 is the latest checkpoint's size, and the proof verifies against it", async () => {
    const p = await call(AuditServiceService.proveInclusion, { index: 5n, treeSize: 0n });
    assert.equal(p.treeSize, 27n);
    assert.equal(p.index, 5n);
    const stored = await a.log.entry(5);
    assert.deepEqual(new Uint8Array(p.entry), stored?.bytes);
    assert.equal(AuditEntry.decode(p.entry).correlationId, "corr-5");
    const { checkpoint } = openCheckpoint(p.checkpoint, a.logVerifier, a.origin);
    verifyInclusion(sm3Hasher, 5, 27, sm3Hasher.hashLeaf(p.entry), p.proof, checkpoint.root);
    // Another entry's bytes do not verify with this proof.
    const other = await a.log.entry(6);
    assert.throws(() =>
      verifyInclusion(sm3Hasher, 5, 27, sm3Hasher.hashLeaf(other?.bytes ?? new Uint8Array()), p.proof, checkpoint.root),
    );
  });

  it("ProveInclusion: the checkpoint of exactly the asked size when one exists, none otherwise", async () => {
    const at13 = await call(AuditServiceService.proveInclusion, { index: 12n, treeSize: 13n });
    const { checkpoint } = openCheckpoint(at13.checkpoint, a.logVerifier, a.origin);
    assert.equal(checkpoint.size, 13);
    verifyInclusion(sm3Hasher, 12, 13, sm3Hasher.hashLeaf(at13.entry), at13.proof, checkpoint.root);

    const at29 = await call(AuditServiceService.proveInclusion, { index: 28n, treeSize: 29n });
    assert.equal(at29.checkpoint, "");
    verifyInclusion(sm3Hasher, 28, 29, sm3Hasher.hashLeaf(at29.entry), at29.proof, await a.log.rootAt(29));
  });

  it("ProveInclusion refuses an index not below the size, and a size beyond the log, with OUT_OF_RANGE", async () => {
    // 28 exists in the log (head 30) but not in the latest checkpoint (27): only signed sizes by default.
    await assert.rejects(
      call(AuditServiceService.proveInclusion, { index: 28n, treeSize: 0n }),
      rejectsWith(Status.OUT_OF_RANGE, /^index 28 is not below tree size 27$/),
    );
    await assert.rejects(
      call(AuditServiceService.proveInclusion, { index: 5n, treeSize: 5n }),
      rejectsWith(Status.OUT_OF_RANGE, /index 5 is not below tree size 5/),
    );
    await assert.rejects(
      call(AuditServiceService.proveInclusion, { index: 2n, treeSize: 99n }),
      rejectsWith(Status.OUT_OF_RANGE, /tree size 99 is beyond the log's size 30/),
    );
    await assert.rejects(
      call(AuditServiceService.proveInclusion, { index: 2n ** 60n, treeSize: 2n ** 61n }),
      rejectsWith(Status.OUT_OF_RANGE, /beyond any log/),
    );
  });

  it("ProveConsistency: size2 0 is the latest checkpoint's size; the proof links the two signed roots", async () => {
    const p = await call(AuditServiceService.proveConsistency, { size1: 13n, size2: 0n });
    assert.equal(p.size1, 13n);
    assert.equal(p.size2, 27n);
    const root13 = (await a.log.checkpointAt(13))?.root ?? new Uint8Array();
    const root27 = (await a.log.checkpointAt(27))?.root ?? new Uint8Array();
    verifyConsistency(sm3Hasher, 13, 27, root13, root27, p.proof);
    assert.throws(() => verifyConsistency(sm3Hasher, 13, 27, root27, root13, p.proof));

    const fromZero = await call(AuditServiceService.proveConsistency, { size1: 0n, size2: 27n });
    assert.deepEqual(fromZero.proof, []);
  });

  it("ProveConsistency refuses size1 > size2 (INVALID_ARGUMENT) and a size beyond the log (OUT_OF_RANGE)", async () => {
    await assert.rejects(
      call(AuditServiceService.proveConsistency, { size1: 20n, size2: 13n }),
      rejectsWith(Status.INVALID_ARGUMENT, /^size1 20 is larger than size2 13$/),
    );
    await assert.rejects(
      call(AuditServiceService.proveConsistency, { size1: 28n, size2: 0n }),
      rejectsWith(Status.INVALID_ARGUMENT, /size1 28 is larger than size2 27/),
    );
    await assert.rejects(
      call(AuditServiceService.proveConsistency, { size1: 5n, size2: 31n }),
      rejectsWith(Status.OUT_OF_RANGE, /tree size 31 is beyond the log's size 30/),
    );
  });

  it("QueryEntries pages newest first through every match, with no page larger than asked", async () => {
    const seen: number[] = [];
    let pageToken = "";
    let pages = 0;
    do {
      const page = await call(AuditServiceService.queryEntries, {
        ...QueryEntriesRequest.create(),
        party: "rail:cr",
        pageSize: 4,
        pageToken,
      });
      assert.ok(page.entries.length <= 4);
      for (const e of page.entries) {
        assert.equal(AuditEntry.decode(e.entry).requesterParty, "rail:cr");
        assert.deepEqual(new Uint8Array(e.entry), (await a.log.entry(Number(e.index)))?.bytes);
      }
      seen.push(...page.entries.map((e) => Number(e.index)));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken !== "");
    const odd = Array.from({ length: 30 }, (_, i) => 29 - i).filter((i) => i % 2 === 1);
    assert.deepEqual(seen, odd);
    assert.equal(pages, 4);
  });

  it("QueryEntries filters by subject digest, grant and time together; default and clamped page sizes", async () => {
    const subject = Buffer.alloc(32, 2); // entries with i % 3 === 1
    const bySubject = await call(AuditServiceService.queryEntries, {
      ...QueryEntriesRequest.create(),
      subjectDigest: subject,
    });
    assert.deepEqual(
      bySubject.entries.map((e) => Number(e.index)),
      Array.from({ length: 30 }, (_, i) => 29 - i).filter((i) => i % 3 === 1),
    );
    assert.equal(bySubject.nextPageToken, "");

    const t0 = 1_780_000_000_000;
    const byGrant = await call(AuditServiceService.queryEntries, {
      ...QueryEntriesRequest.create(),
      grantId: "g1-grant-a",
      fromTime: new Date(t0 + 4_000),
      toTime: new Date(t0 + 20_000),
      pageSize: 5000, // beyond the maximum: served as 1000, not refused
    });
    assert.deepEqual(
      byGrant.entries.map((e) => Number(e.index)),
      [16, 12, 8, 4],
    );
  });

  it("QueryEntries refuses a request without a filter, a bad digest, reversed times and a forged page token", async () => {
    await assert.rejects(
      call(AuditServiceService.queryEntries, { ...QueryEntriesRequest.create(), pageSize: 10 }),
      rejectsWith(Status.INVALID_ARGUMENT, /at least one of subject_digest, party and grant_id/),
    );
    await assert.rejects(
      call(AuditServiceService.queryEntries, { ...QueryEntriesRequest.create(), subjectDigest: Buffer.alloc(31, 2) }),
      rejectsWith(Status.INVALID_ARGUMENT, /subject_digest must be 32 bytes/),
    );
    await assert.rejects(
      call(AuditServiceService.queryEntries, {
        ...QueryEntriesRequest.create(),
        party: "rail:cr",
        fromTime: new Date(2_000_000_000_000),
        toTime: new Date(1_000_000_000_000),
      }),
      rejectsWith(Status.INVALID_ARGUMENT, /from_time is after to_time/),
    );
    await assert.rejects(
      call(AuditServiceService.queryEntries, { ...QueryEntriesRequest.create(), party: "rail:cr", pageToken: "zz" }),
      rejectsWith(Status.INVALID_ARGUMENT, /malformed page token/),
    );
  });

  it("ExportEntries streams every entry up to the latest checkpoint, in order, in chunks", async () => {
    const before = probe.reads;
    const r = await exportCall(0, 0);
    assert.equal(r.code, Status.OK, r.details);
    assert.deepEqual(
      r.messages.map((m) => ExportEntriesResponse.decode(m).entries.length),
      [5, 5, 5, 5, 5, 2],
    );
    assert.deepEqual(
      indicesOf(r.messages),
      Array.from({ length: 27 }, (_, i) => i),
    );
    const entries = r.messages.flatMap((m) => ExportEntriesResponse.decode(m).entries);
    for (const e of entries) assert.deepEqual(new Uint8Array(e.entry), (await a.log.entry(Number(e.index)))?.bytes);
    assert.equal(probe.reads - before, 6, "one store read per chunk");

    const middle = await exportCall(26, 30);
    assert.deepEqual(indicesOf(middle.messages), [26, 27, 28, 29]);
    const empty = await exportCall(7, 7);
    assert.equal(empty.code, Status.OK);
    assert.deepEqual(empty.messages, []);
  });

  it("ExportEntries refuses from > to (INVALID_ARGUMENT) and a range past the head (OUT_OF_RANGE)", async () => {
    const reversed = await exportCall(9, 3);
    assert.equal(reversed.code, Status.INVALID_ARGUMENT);
    assert.match(reversed.details, /^from_index 9 is past to_index 3$/);
    const past = await exportCall(0, 31);
    assert.equal(past.code, Status.OUT_OF_RANGE);
    assert.match(past.details, /to_index 31 is beyond the log's size 30/);
  });

  it("ExportEntries stops reading the store when the caller cancels", async () => {
    let release: () => void = () => {};
    probe.gate = new Promise((resolve) => {
      release = resolve;
    });
    probe.reads = 0;
    const endedBefore = a.ended.length;
    const r = await exportCall(0, 30, () => false);
    assert.equal(r.code, Status.CANCELLED);
    assert.equal(r.messages.length, 1);
    // Once the server has seen the cancel, let the read that was under way finish, and give the
    // handler time to read on if it were going to.
    await eventually(() =>
      a.ended
        .slice(endedBefore)
        .some((c) => c.path === AuditServiceService.exportEntries.path && c.code === Status.CANCELLED),
    );
    assert.equal(probe.reads, 2);
    release();
    probe.gate = undefined;
    await sleep(150);
    assert.equal(probe.reads, 2, "no store read after the cancel");
  });

  it("AddCheckpoint on a gateway that witnesses nothing is NOT_FOUND; an undecodable request INVALID_ARGUMENT", async () => {
    await assert.rejects(
      call(AuditServiceService.addCheckpoint, AddCheckpointRequest.create({ body: "old 0\n\n" })),
      rejectsWith(Status.NOT_FOUND, /witnesses no logs/),
    );
    await assert.rejects(
      client.session.call(AuditServiceService.getCheckpoint.path, Buffer.from([0xff, 0xff, 0xff])),
      rejectsWith(Status.INVALID_ARGUMENT, /GetCheckpointRequest is not valid protobuf/),
    );
    assert.equal(GetCheckpointRequest.encode({}).finish().length, 0);
  });
});

describe("AuditService endpoint, called directly", () => {
  let dir: string;
  before(async () => {
    dir = await tempDir();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function streamAnswer(method: AuditMethod | undefined) {
    if (method?.kind !== "stream") throw new Error("ExportEntries is not a stream method");
    return method.answer;
  }

  it("exports in chunks of at most 1000 entries by default, and splits chunks by size", async () => {
    const store = await openStore({ kind: "sqlite", path: join(dir, "big.db"), thread: "main" }, { hash: "sm3" });
    const log = createAuditLog({ store, hasher: sm3Hasher });
    try {
      await Promise.all(Array.from({ length: 2300 }, (_, i) => log.append(auditEntry(i))));
      const messageBytes: number[] = [];
      const request = ExportEntriesRequest.encode({ fromIndex: 0n, toIndex: 2300n }).finish();
      const run = async (exportChunk?: { maxBytes: number }) => {
        const endpoint = createAuditEndpoint({
          reader: log,
          witness: undefined,
          now: Date.now,
          ...(exportChunk === undefined ? {} : { exportChunk }),
        });
        const sizes: number[] = [];
        const indices: number[] = [];
        messageBytes.length = 0;
        const out = {
          signal: new AbortController().signal,
          send(m: Buffer) {
            messageBytes.push(m.length);
            const entries = ExportEntriesResponse.decode(m).entries;
            sizes.push(entries.length);
            indices.push(...entries.map((e) => Number(e.index)));
          },
        };
        await streamAnswer(endpoint.get(AuditServiceService.exportEntries.path))(request, caller, out);
        assert.deepEqual(
          indices,
          Array.from({ length: 2300 }, (_, i) => i),
        );
        return sizes;
      };
      assert.deepEqual(await run(), [1000, 1000, 300]);
      const maxBytes = 30_000;
      const bySize = await run({ maxBytes });
      assert.ok(
        bySize.every((n) => n < 1000),
        `chunks cut by size before 1000 entries: ${bySize}`,
      );
      assert.ok(
        messageBytes.every((n) => n <= maxBytes),
        `no message above ${maxBytes} bytes: ${messageBytes}`,
      );
    } finally {
      await log.close();
      await store.close();
    }
  });

  it("a send that fails (call ended) ends the export with that error", async () => {
    const store = await openStore({ kind: "sqlite", path: join(dir, "small.db"), thread: "main" }, { hash: "sm3" });
    const log = createAuditLog({ store, hasher: sm3Hasher });
    try {
      await Promise.all(Array.from({ length: 30 }, (_, i) => log.append(auditEntry(i))));
      const endpoint = createAuditEndpoint({
        reader: log,
        witness: undefined,
        now: Date.now,
        exportChunk: { maxEntries: 10 },
      });
      let sends = 0;
      const gone = new Error("call has ended");
      const out = {
        signal: new AbortController().signal,
        send() {
          sends++;
          throw gone;
        },
      };
      const request = ExportEntriesRequest.encode({ fromIndex: 0n, toIndex: 30n }).finish();
      await assert.rejects(
        streamAnswer(endpoint.get(AuditServiceService.exportEntries.path))(request, caller, out),
        gone,
      );
      assert.equal(sends, 1);
    } finally {
      await log.close();
      await store.close();
    }
  });

  it("stops at the next entry once its signal aborts, even if sending would still work", async () => {
    const store = await openStore({ kind: "sqlite", path: join(dir, "abort.db"), thread: "main" }, { hash: "sm3" });
    const log = createAuditLog({ store, hasher: sm3Hasher });
    try {
      await Promise.all(Array.from({ length: 30 }, (_, i) => log.append(auditEntry(i))));
      const probe = readProbe();
      const reader = createAuditReader(probe.wrap(store), sm3Hasher);
      const endpoint = createAuditEndpoint({
        reader,
        witness: undefined,
        now: Date.now,
        exportChunk: { maxEntries: 10 },
      });
      const controller = new AbortController();
      let sends = 0;
      const out = {
        signal: controller.signal,
        send() {
          sends++;
          controller.abort();
        },
      };
      const request = ExportEntriesRequest.encode({ fromIndex: 0n, toIndex: 30n }).finish();
      await streamAnswer(endpoint.get(AuditServiceService.exportEntries.path))(request, caller, out);
      assert.equal(sends, 1);
      assert.equal(probe.reads, 2, "the read under way when the signal aborted, and no other");
    } finally {
      await log.close();
      await store.close();
    }
  });

  it("maps a store that is down to UNAVAILABLE, without the store's detail", async () => {
    const store = await openStore({ kind: "sqlite", path: join(dir, "closed.db"), thread: "main" }, { hash: "sm3" });
    const log = createAuditLog({ store, hasher: sm3Hasher });
    await log.close();
    await store.close();
    const endpoint = createAuditEndpoint({ reader: log, witness: undefined, now: Date.now });
    const method = endpoint.get(AuditServiceService.getCheckpoint.path);
    if (method?.kind !== "unary") throw new Error("GetCheckpoint is not a unary method");
    await assert.rejects(method.answer(new Uint8Array(), caller), (e: unknown) => {
      assert.equal((e as { code?: string }).code, "unavailable");
      assert.equal((e as Error).message, "the audit log is unavailable");
      return true;
    });
  });

  it("refuses export chunk limits that are not positive integers", () => {
    const reader = {} as Parameters<typeof createAuditEndpoint>[0]["reader"];
    assert.throws(
      () => createAuditEndpoint({ reader, witness: undefined, now: Date.now, exportChunk: { maxEntries: 0 } }),
      RangeError,
    );
    assert.throws(
      () => createAuditEndpoint({ reader, witness: undefined, now: Date.now, exportChunk: { maxBytes: 0.5 } }),
      RangeError,
    );
  });
});

describe("AuditService.QueryEntries by subject is itself audited", () => {
  let dir: string;
  let pki: DevPki;
  let a: AuditGateway;
  let client: StreamingHutongClient;
  /** auditEntry(i) gives subject i % 3 + 1: this is entries 0, 3, 6, 9. */
  const subject = Buffer.alloc(32, 1);
  const query = (r: QueryEntriesRequest) => client.unary(AuditServiceService.queryEntries, r);

  before(async () => {
    dir = await tempDir();
    pki = await openAuditPki(dir);
    a = await startAuditGateway({ dir, pki, party: gatewayA, recordSearches: true });
    client = await auditClient(pki, auditor, a);
    for (let i = 0; i < 10; i++) await a.log.append(auditEntry(i));
  });
  after(async () => {
    client.close();
    await a.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("appends who searched whose trail before answering, and the next search shows it", async () => {
    const first = await query(
      QueryEntriesRequest.fromPartial({ subjectDigest: subject, correlationId: "console/q-1", pageSize: 10 }),
    );
    assert.deepEqual(
      first.entries.map((e) => Number(e.index)),
      [9, 6, 3, 0],
      "the answer is the search's, without its own entry",
    );
    assert.equal((await a.log.head()).size, 11);
    const stored = await a.log.entry(10);
    assert.ok(stored);
    const entry = AuditEntry.decode(stored.bytes);
    const auditorSerial = (await credentialsOf(pki, auditor)).leaf.serialHex;
    assert.deepEqual(
      [
        entry.method,
        entry.requesterParty,
        entry.peerParty,
        entry.peerCertSerial,
        entry.ownerParty,
        entry.gatewayParty,
        entry.role,
        entry.purpose,
        entry.decision,
        entry.reason,
        entry.correlationId,
      ],
      [
        "hutong.v1.AuditService/QueryEntries",
        auditor,
        auditor,
        auditorSerial,
        gatewayA,
        gatewayA,
        AuditRole.AUDIT_ROLE_OWNER,
        Purpose.PURPOSE_REGULATORY_SUPERVISION,
        AuditDecision.AUDIT_DECISION_ALLOW,
        "audit-query",
        "console/q-1",
      ],
    );
    assert.deepEqual(Buffer.from(entry.subjectDigest), subject);
    assert.deepEqual(
      Buffer.from(entry.releasedSm3),
      Buffer.from(sm3(QueryEntriesResponse.encode(first).finish())),
      "the SM3 of the exact answer released",
    );
    assert.equal(stored.reason, "audit-query");

    const second = await query(QueryEntriesRequest.fromPartial({ subjectDigest: subject, pageSize: 2 }));
    assert.deepEqual(
      second.entries.map((e) => Number(e.index)),
      [10, 9],
      "the first search is on the subject's trail",
    );
    assert.equal(AuditEntry.decode(await lastEntryBytes()).correlationId, "", "no correlation id given, none recorded");
  });

  async function lastEntryBytes(): Promise<Uint8Array> {
    const head = await a.log.head();
    const e = await a.log.entry(head.size - 1);
    assert.ok(e);
    return e.bytes;
  }

  it("records nothing for searches by party or grant only", async () => {
    const before = (await a.log.head()).size;
    await query(QueryEntriesRequest.fromPartial({ party: "rail:cr", correlationId: "console/q-2" }));
    await query(QueryEntriesRequest.fromPartial({ grantId: "g1-grant-a" }));
    assert.equal((await a.log.head()).size, before);
  });

  it("refuses a correlation id that is too long or not printable ASCII, with nothing recorded", async () => {
    const before = (await a.log.head()).size;
    for (const correlationId of ["x".repeat(129), "has space", "查询-1", "tab\there"]) {
      await assert.rejects(
        query(QueryEntriesRequest.fromPartial({ subjectDigest: subject, correlationId })),
        rejectsWith(Status.INVALID_ARGUMENT, /^correlation_id must be at most 128 printable ASCII$/),
      );
    }
    // Checked on every query, with or without a subject.
    await assert.rejects(
      query(QueryEntriesRequest.fromPartial({ party: "rail:cr", correlationId: "two words" })),
      rejectsWith(Status.INVALID_ARGUMENT),
    );
    await query(QueryEntriesRequest.fromPartial({ subjectDigest: subject, correlationId: "x".repeat(128) }));
    assert.equal((await a.log.head()).size, before + 1, "128 characters are accepted");
  });

  it("fails the search closed when its entry cannot be appended: UNAVAILABLE and no entries", async () => {
    const failing = await startAuditGateway({
      dir,
      pki,
      party: gatewayA,
      recordSearches: { append: () => Promise.reject(new StoreError("unavailable", "database is locked")) },
    });
    const c = await auditClient(pki, auditor, failing);
    try {
      for (let i = 0; i < 4; i++) await failing.log.append(auditEntry(i));
      await assert.rejects(
        c.unary(AuditServiceService.queryEntries, QueryEntriesRequest.fromPartial({ subjectDigest: subject })),
        rejectsWith(Status.UNAVAILABLE, /^the audit log cannot record this search; nothing was released$/),
      );
      // A search that needs no entry still works.
      const byParty = await c.unary(
        AuditServiceService.queryEntries,
        QueryEntriesRequest.fromPartial({ party: "rail:cr" }),
      );
      assert.deepEqual(
        byParty.entries.map((e) => Number(e.index)),
        [3, 1],
      );
    } finally {
      c.close();
      await failing.close();
    }
  });
});
