import {
  type AddCheckpointOutcome,
  decideAddCheckpoint,
  isCheckpointError,
  type AddCheckpointRequest as ParsedAddCheckpoint,
  parseAddCheckpointRequest,
  type WitnessConfig,
  type WitnessState,
} from "@hutong/audit";
import { sm3 } from "@hutong/certs";
import {
  AddCheckpointRequest,
  AddCheckpointResponse,
  AuditServiceService,
  ExportEntriesRequest,
  ExportEntriesResponse,
  GetCheckpointRequest,
  GetCheckpointResponse,
  type IndexedAuditEntry,
  type MessageFns,
  ProveConsistencyRequest,
  ProveConsistencyResponse,
  ProveInclusionRequest,
  ProveInclusionResponse,
  Purpose,
  QueryEntriesRequest,
  QueryEntriesResponse,
} from "@hutong/proto";
import { AuditError } from "../audit/audit-error.js";
import type { AuditReader } from "../audit/index.js";
import { contextIdRule, isContextId } from "../routing/request-context.js";
import type { AuditSink } from "../share/share-step.js";
import { subjectSearchEntry } from "../share/subject-search-entry.js";
import { type AuditQuery, isStoreError, StoreError, type WitnessStore } from "../store/port/index.js";
import { encodeMessage } from "./message-codec.js";

/** Who called, as the session and the relay facts show it (the witness's alarm log, an audited search). */
export interface AuditCaller {
  /** The calling system's party (the origin of a relayed call): what the ACL decided on. */
  readonly party: string;
  /** The immediate peer and its session's certificate serial; default `party`, no serial. */
  readonly peer?: { readonly party: string; readonly certSerial: string };
  readonly hops?: readonly string[];
  readonly traceId?: string;
}

/** A unary method: the exact request bytes (already authenticated) in, the response bytes out. */
export type AuditUnaryAnswer = (requestBytes: Uint8Array, caller: AuditCaller) => Promise<Buffer>;

/** Where a streamed answer goes; the wire server's StreamCall has this shape. */
export interface AuditStreamSink {
  /** Aborts when the caller cancels or the deadline passes: the answer stops reading the store. */
  readonly signal: AbortSignal;
  /** Sends one response message; may return a promise to hold the answer back while the peer is slow. */
  send(message: Buffer): void | Promise<void>;
}

export type AuditStreamAnswer = (requestBytes: Uint8Array, caller: AuditCaller, out: AuditStreamSink) => Promise<void>;

export type AuditMethod =
  | { readonly kind: "unary"; readonly answer: AuditUnaryAnswer }
  | { readonly kind: "stream"; readonly answer: AuditStreamAnswer };

/** What a witness needs: its cosigner and trusted logs, and the compare-and-store of what it cosigned. */
export interface AuditWitness {
  readonly config: WitnessConfig;
  readonly store: WitnessStore;
}

/** pino's Logger fits; the witness logs a refused fork as an alarm with the signed evidence. */
export interface AuditAlarmLogger {
  error(facts: Record<string, unknown>, message: string): void;
}

export interface AuditEndpointOptions {
  readonly reader: AuditReader;
  /** Undefined when this gateway witnesses no logs: AddCheckpoint answers NOT_FOUND. */
  readonly witness: AuditWitness | undefined;
  /** Milliseconds since the epoch (cosignature timestamps, witness state). */
  readonly now: () => number;
  readonly logger?: AuditAlarmLogger;
  /**
   * Where a search by subject (QueryEntries with a subject_digest) is recorded before it is
   * answered, and this gateway's party, its owner (docs/audit-log.md). The gateway always sets it;
   * absent (a tool or test serving a log it does not own), such searches are not recorded.
   */
  readonly queryAudit?: { readonly self: string; readonly sink: AuditSink };
  /** Limits of one ExportEntriesResponse: at most 1000 entries (default) and about 1 MiB (default). */
  readonly exportChunk?: { readonly maxEntries?: number; readonly maxBytes?: number };
}

export const defaultQueryPageSize = 100;
export const maxQueryPageSize = 1000;
const maxExportEntries = 1000;
const defaultExportBytes = 1024 * 1024;
/** Protobuf framing of one IndexedAuditEntry beyond its bytes: tags, lengths, the varint index. */
const entryOverheadBytes = 24;

function decode<T>(fns: MessageFns<T>, bytes: Uint8Array, what: string): T {
  try {
    return fns.decode(bytes);
  } catch (cause) {
    throw new AuditError("invalid-argument", `${what} is not valid protobuf`, { cause });
  }
}

const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** A uint64 from the wire as a size or index; no log of ours reaches 2^53 entries. */
function toSize(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER))
    throw new AuditError("out-of-range", `${what} ${value} is beyond any log`);
  return Number(value);
}

function toMs(value: Date | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = value.getTime();
  if (!Number.isSafeInteger(ms)) throw new AuditError("invalid-argument", `${what} is not a representable time`);
  return ms;
}

/**
 * The store's errors in AuditService's terms. A caller's mistake keeps its
 * message (sizes and field names only); a store that is down becomes
 * `unavailable`; anything else (corrupt, conflict) stays as is and is mapped
 * to INTERNAL, its detail logged, never sent.
 */
function fromStore(e: unknown): unknown {
  if (!isStoreError(e)) return e;
  switch (e.code) {
    case "invalid-argument":
      return new AuditError("invalid-argument", e.message, { cause: e });
    case "out-of-range":
      return new AuditError("out-of-range", e.message, { cause: e });
    case "unavailable":
    case "closed":
    case "overloaded":
      return new AuditError("unavailable", "the audit log is unavailable", { cause: e });
    default:
      return e;
  }
}

function unary(answer: AuditUnaryAnswer): AuditMethod {
  return {
    kind: "unary",
    answer: async (bytes, caller) => {
      try {
        return await answer(bytes, caller);
      } catch (e) {
        throw fromStore(e);
      }
    },
  };
}

/**
 * AuditService, answered by the gateway itself (the registry endpoint's
 * style: the server verifies the session and MACs the response around these).
 * Sizes of 0 in requests mean the latest CHECKPOINT's size, not the raw head:
 * only signed sizes can be checked by someone who does not trust us.
 */
export function createAuditEndpoint(options: AuditEndpointOptions): ReadonlyMap<string, AuditMethod> {
  const { reader, witness, now, logger } = options;
  const chunkEntries = Math.min(options.exportChunk?.maxEntries ?? maxExportEntries, maxExportEntries);
  const chunkBytes = options.exportChunk?.maxBytes ?? defaultExportBytes;
  if (!Number.isSafeInteger(chunkEntries) || chunkEntries < 1 || !Number.isSafeInteger(chunkBytes) || chunkBytes < 1) {
    throw new RangeError("export chunk limits must be positive integers");
  }

  async function latestCheckpointSize(): Promise<number> {
    const latest = await reader.latestCheckpoint();
    if (latest === undefined) throw new AuditError("not-found", "this log has no signed checkpoint yet");
    return latest.size;
  }

  const getCheckpoint: AuditUnaryAnswer = async (body) => {
    decode(GetCheckpointRequest, body, "GetCheckpointRequest");
    const latest = await reader.latestCheckpoint();
    if (latest === undefined) throw new AuditError("not-found", "this log has no signed checkpoint yet");
    return encodeMessage(GetCheckpointResponse, { checkpoint: latest.note });
  };

  const proveInclusion: AuditUnaryAnswer = async (body) => {
    const req = decode(ProveInclusionRequest, body, "ProveInclusionRequest");
    const index = toSize(req.index, "index");
    const treeSize = req.treeSize === 0n ? await latestCheckpointSize() : toSize(req.treeSize, "tree_size");
    if (index >= treeSize) throw new AuditError("out-of-range", `index ${index} is not below tree size ${treeSize}`);
    const [proof, entry, checkpoint] = await Promise.all([
      reader.inclusionProof(index, treeSize),
      reader.entry(index),
      reader.checkpointAt(treeSize),
    ]);
    // The bytes we serve must be the leaf the proof starts from; if not, the store is damaged.
    if (entry === undefined || !Buffer.from(reader.hasher.hashLeaf(entry.bytes)).equals(proof.leafHash)) {
      throw new StoreError("corrupt", `entry ${index} does not hash to its stored leaf`);
    }
    return encodeMessage(ProveInclusionResponse, {
      index: BigInt(index),
      treeSize: BigInt(treeSize),
      entry: asBuffer(entry.bytes),
      proof: proof.hashes.map(asBuffer),
      checkpoint: checkpoint?.note ?? "",
    });
  };

  const proveConsistency: AuditUnaryAnswer = async (body) => {
    const req = decode(ProveConsistencyRequest, body, "ProveConsistencyRequest");
    const size1 = toSize(req.size1, "size1");
    const size2 = req.size2 === 0n ? await latestCheckpointSize() : toSize(req.size2, "size2");
    if (size1 > size2) throw new AuditError("invalid-argument", `size1 ${size1} is larger than size2 ${size2}`);
    const proof = await reader.consistencyProof(size1, size2);
    return encodeMessage(ProveConsistencyResponse, {
      size1: BigInt(size1),
      size2: BigInt(size2),
      proof: proof.hashes.map(asBuffer),
    });
  };

  const queryEntries: AuditUnaryAnswer = async (body, caller) => {
    const req = decode(QueryEntriesRequest, body, "QueryEntriesRequest");
    if (!isContextId(req.correlationId)) throw new AuditError("invalid-argument", contextIdRule("correlation_id"));
    if (req.subjectDigest.length === 0 && req.party === "" && req.grantId === "") {
      throw new AuditError("invalid-argument", "QueryEntries needs at least one of subject_digest, party and grant_id");
    }
    if (req.subjectDigest.length !== 0 && req.subjectDigest.length !== 32) {
      throw new AuditError("invalid-argument", "subject_digest must be 32 bytes");
    }
    const fromMs = toMs(req.fromTime, "from_time");
    const toMsValue = toMs(req.toTime, "to_time");
    if (fromMs !== undefined && toMsValue !== undefined && fromMs > toMsValue) {
      throw new AuditError("invalid-argument", "from_time is after to_time");
    }
    const query: AuditQuery = {
      pageSize: req.pageSize === 0 ? defaultQueryPageSize : Math.min(req.pageSize, maxQueryPageSize),
      ...(req.subjectDigest.length === 0 ? {} : { subjectDigest: new Uint8Array(req.subjectDigest) }),
      ...(req.party === "" ? {} : { party: req.party }),
      ...(req.grantId === "" ? {} : { grantId: req.grantId }),
      ...(fromMs === undefined ? {} : { fromMs }),
      ...(toMsValue === undefined ? {} : { toMs: toMsValue }),
      ...(req.pageToken === "" ? {} : { pageToken: req.pageToken }),
    };
    const page = await reader.query(query);
    const answer = encodeMessage(QueryEntriesResponse, {
      entries: page.entries.map((e) => ({ index: BigInt(e.index), entry: asBuffer(e.bytes) })),
      nextPageToken: page.nextPageToken ?? "",
    });
    if (query.subjectDigest !== undefined) await recordSearch(query.subjectDigest, answer, caller, req.correlationId);
    return answer;
  };

  /**
   * A search by subject is recorded before its answer leaves, and fails closed: no entry, no
   * answer. Recorded after the read, so the entry can hold the SM3 of what is released, as a
   * share's does; a search that the store refuses (a bad page token) released nothing.
   */
  async function recordSearch(
    subjectDigest: Uint8Array,
    answer: Buffer,
    caller: AuditCaller,
    correlationId: string,
  ): Promise<void> {
    const audit = options.queryAudit;
    if (audit === undefined) return;
    const entry = subjectSearchEntry(
      audit.self,
      {
        origin: caller.party,
        peerParty: caller.peer?.party ?? caller.party,
        peerCertSerial: caller.peer?.certSerial ?? "",
        hops: caller.hops ?? [],
        traceId: caller.traceId ?? "",
        correlationId,
      },
      { kind: "audit-query", purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION, subjectDigest, releasedSm3: sm3(answer) },
      now(),
    );
    try {
      await audit.sink.append(entry);
    } catch (cause) {
      throw new AuditError("unavailable", "the audit log cannot record this search; nothing was released", { cause });
    }
  }

  const exportEntries: AuditStreamAnswer = async (body, _caller, out) => {
    const req = decode(ExportEntriesRequest, body, "ExportEntriesRequest");
    const from = toSize(req.fromIndex, "from_index");
    const to = req.toIndex === 0n ? await latestCheckpointSize() : toSize(req.toIndex, "to_index");
    if (from > to) throw new AuditError("invalid-argument", `from_index ${from} is past to_index ${to}`);
    const head = await reader.head();
    if (to > head.size) throw new AuditError("out-of-range", `to_index ${to} is beyond the log's size ${head.size}`);

    let chunk: IndexedAuditEntry[] = [];
    let bytes = 0;
    const flush = async () => {
      const message = encodeMessage(ExportEntriesResponse, { entries: chunk });
      chunk = [];
      bytes = 0;
      await out.send(message);
    };
    // Reads the store one chunk at a time; leaving the loop (cancel, or a send that fails
    // because the call ended) returns the iterator, so no further chunk is read.
    for await (const e of reader.export({ fromIndex: from, toIndex: to, chunkSize: chunkEntries })) {
      if (out.signal.aborted) return;
      const size = e.bytes.length + entryOverheadBytes;
      if (chunk.length > 0 && bytes + size > chunkBytes) await flush();
      chunk.push({ index: BigInt(e.index), entry: asBuffer(e.bytes) });
      bytes += size;
      if (chunk.length === chunkEntries) await flush();
    }
    if (chunk.length > 0 && !out.signal.aborted) await flush();
  };

  const addCheckpoint: AuditUnaryAnswer = async (body, caller) => {
    const req = decode(AddCheckpointRequest, body, "AddCheckpointRequest");
    if (witness === undefined) throw new AuditError("not-found", "this gateway witnesses no logs");
    let parsed: ParsedAddCheckpoint;
    try {
      parsed = parseAddCheckpointRequest(req.body);
    } catch (e) {
      if (isCheckpointError(e)) throw new AuditError("invalid-argument", e.message, { cause: e });
      throw e;
    }
    const stored = await witness.store.witnessState(parsed.origin);
    const state: WitnessState | undefined =
      stored === undefined
        ? undefined
        : { origin: parsed.origin, size: stored.size, root: stored.root, checkpointNote: stored.note };
    const outcome = decideAddCheckpoint({ config: witness.config, request: parsed, state, now: now() });
    if (outcome.kind !== "cosigned") throw refusal(outcome, parsed, caller);
    const next = outcome.newState;
    const advanced = await witness.store.advanceWitness(
      parsed.origin,
      state?.size ?? 0,
      { size: next.size, root: next.root, note: next.checkpointNote },
      now(),
    );
    // Another request moved this origin on between our read and our store: the client resubmits
    // from the size that won, exactly as after any other size conflict.
    if (!advanced.ok) {
      throw new AuditError("size-conflict", `this witness last cosigned size ${advanced.storedSize}`, {
        witnessSize: advanced.storedSize,
      });
    }
    return encodeMessage(AddCheckpointResponse, { cosignature: outcome.cosignature });
  };

  function refusal(
    outcome: Exclude<AddCheckpointOutcome, { kind: "cosigned" }>,
    request: ParsedAddCheckpoint,
    caller: AuditCaller,
  ): AuditError {
    const origin = request.origin;
    switch (outcome.kind) {
      case "unknown-origin":
        return new AuditError("not-found", `this gateway does not witness ${origin}`);
      case "untrusted":
        return new AuditError("untrusted", `no signature by a key trusted for ${origin} verifies`);
      case "old-greater-than-new":
        return new AuditError("invalid-argument", `old size ${request.oldSize} is larger than the checkpoint's size`);
      case "size-conflict":
        return new AuditError("size-conflict", `this witness last cosigned size ${outcome.size}`, {
          witnessSize: outcome.size,
        });
      case "non-empty-proof-from-zero":
        return new AuditError("invalid-argument", "a request from old size 0 carries no proof");
      case "same-size-different-root":
      case "bad-proof":
        // Both come after the log's signature verified: the request is signed evidence that the
        // log forked (or a broken log). Keep it in the alarm log; never cosign.
        logger?.error(
          {
            alarm: "audit-fork",
            origin,
            outcome: outcome.kind,
            oldSize: request.oldSize,
            submittedBy: caller.party,
            checkpoint: request.checkpointNote,
          },
          "witness refused a signed checkpoint that does not extend the one it cosigned",
        );
        return outcome.kind === "bad-proof"
          ? new AuditError("invalid-argument", `the proof does not show the checkpoint extends size ${request.oldSize}`)
          : new AuditError("fork", `a checkpoint of size ${outcome.size} with another root was already cosigned`, {
              witnessSize: outcome.size,
            });
    }
  }

  return new Map<string, AuditMethod>([
    [AuditServiceService.getCheckpoint.path, unary(getCheckpoint)],
    [AuditServiceService.proveInclusion.path, unary(proveInclusion)],
    [AuditServiceService.proveConsistency.path, unary(proveConsistency)],
    [AuditServiceService.queryEntries.path, unary(queryEntries)],
    [
      AuditServiceService.exportEntries.path,
      {
        kind: "stream",
        answer: async (bytes, caller, out) => {
          try {
            await exportEntries(bytes, caller, out);
          } catch (e) {
            throw fromStore(e);
          }
        },
      },
    ],
    [AuditServiceService.addCheckpoint.path, unary(addCheckpoint)],
  ]);
}
