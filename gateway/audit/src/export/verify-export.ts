import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { openCheckpoint } from "../checkpoint/checkpoint.js";
import { isCheckpointError } from "../checkpoint/checkpoint-error.js";
import { verifyCosignature } from "../checkpoint/cosignature.js";
import type { NoteVerifier } from "../checkpoint/signed-note.js";
import type { ExportedAuditEntry } from "../log/log-entry.js";
import { verifyLogStream } from "../log/verify-log.js";
import { sm3Hasher } from "../merkle/hasher.js";
import { isExportFileError, type ReadExportRecord, readExportFile } from "./export-file.js";

// The offline verifier of an audit export: what `hutong audit verify` runs, and what a console or an
// outside auditor runs with nothing of the gateway (docs/audit-log.md, "Verifying an export").

/**
 * What is wrong with an export, at its first bad entry:
 * - `missing`: entry `index` is not in the file (deleted); the next record carries a later index;
 * - `reordered`: entry `index` is in the file, but after a later entry;
 * - `inserted`: the record at `index`'s place is an extra one (its index repeats, or the log has no such index);
 * - `truncated`: the file ends (cleanly or inside a record) before the checkpoint's size;
 * - `malformed`: the bytes at `offset` are not a record of the format (bad index or length);
 * - `changed`: entry `index`'s bytes are not the ones the log committed to (needs per-entry
 *   leaf hashes, which export files do not carry: see `root-mismatch`);
 * - `root-mismatch`: the entries do not hash to the checkpoint's root. Without something trusted
 *   per entry, an export cannot say which entry changed (or where entries were inserted or
 *   removed with renumbered indices), so `index` is absent.
 */
export type ExportProblem =
  | "missing"
  | "reordered"
  | "inserted"
  | "truncated"
  | "malformed"
  | "changed"
  | "root-mismatch";

export interface WitnessVerification {
  readonly name: string;
  readonly ok: boolean;
  /** Unix seconds of the cosignature, when it verified. */
  readonly timestamp?: number;
  /** Why not: the note has no cosignature by this key, or one that does not verify (forged). */
  readonly problem?: "no-cosignature" | "bad-signature";
}

export interface ExportVerification {
  readonly ok: boolean;
  /** The log, named by the log key (a log's key name is its origin). */
  readonly origin: string;
  /** The checkpoint's size and root (hex), once its signature verified. */
  readonly size?: number;
  readonly root?: string;
  readonly witnesses: readonly WitnessVerification[];
  readonly firstBad?: { readonly index?: number; readonly problem: ExportProblem; readonly offset?: number };
  /** One sentence per failed check, in the order checked; empty when ok. */
  readonly reasons: readonly string[];
  /** Entries verified before the first problem (all `size` when the entries are fine). */
  readonly entries: number;
  readonly seconds: number;
}

export interface VerifyExportOptions {
  readonly exportPath: string;
  /** The signed checkpoint note, cosignatures included. */
  readonly checkpoint: string | Uint8Array;
  /** The log key's verifier; its name is the origin the checkpoint must carry. */
  readonly logKey: NoteVerifier;
  readonly witnessKeys?: readonly NoteVerifier[];
  /** Witnesses whose cosignature must verify (default: every one given). */
  readonly minWitnesses?: number;
  readonly onProgress?: (checked: number, total: number) => void;
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

/**
 * Verifies an export file against a signed checkpoint, offline: the log's
 * signature on the checkpoint, each given witness's cosignature (at least
 * `minWitnesses` must verify, and a forged one always fails), then the
 * entries, streamed through verifyLogStream (O(log n) memory), reporting the
 * first bad one. Entries past the checkpoint's size are not read.
 */
export async function verifyExport(options: VerifyExportOptions): Promise<ExportVerification> {
  const started = performance.now();
  const origin = options.logKey.name;
  const witnessKeys = options.witnessKeys ?? [];
  const minWitnesses = options.minWitnesses ?? witnessKeys.length;
  const reasons: string[] = [];
  const seconds = () => Math.round(performance.now() - started) / 1000;

  let checkpoint: Checkpoint;
  try {
    checkpoint = openCheckpoint(options.checkpoint, options.logKey, origin).checkpoint;
  } catch (e) {
    if (!isCheckpointError(e)) throw e;
    const why =
      e.code === "unverified"
        ? `the checkpoint carries no signature by the log key ${origin}`
        : e.code === "bad-signature"
          ? "the log key's signature on the checkpoint does not verify"
          : e.message;
    return { ok: false, origin, witnesses: [], reasons: [`checkpoint: ${why}`], entries: 0, seconds: seconds() };
  }

  const witnesses = witnessKeys.map((w): WitnessVerification => {
    try {
      return { name: w.name, ok: true, timestamp: verifyCosignature(options.checkpoint, w).timestamp };
    } catch (e) {
      if (!isCheckpointError(e) || (e.code !== "unverified" && e.code !== "bad-signature")) throw e;
      return { name: w.name, ok: false, problem: e.code === "unverified" ? "no-cosignature" : "bad-signature" };
    }
  });
  for (const w of witnesses) {
    if (w.problem === "bad-signature") reasons.push(`witness ${w.name}: its cosignature does not verify (forged?)`);
  }
  const cosigned = witnesses.filter((w) => w.ok).length;
  if (cosigned < minWitnesses) {
    reasons.push(`witnesses: ${cosigned} of the ${minWitnesses} required cosigned the checkpoint`);
  }

  const entries = await verifyEntries(options.exportPath, checkpoint, options.onProgress);
  if (entries.reason !== undefined) reasons.push(entries.reason);
  return {
    ok: reasons.length === 0,
    origin,
    size: checkpoint.size,
    root: hex(checkpoint.root),
    witnesses,
    ...(entries.firstBad === undefined ? {} : { firstBad: entries.firstBad }),
    reasons,
    entries: entries.checked,
    seconds: seconds(),
  };
}

interface EntriesOutcome {
  readonly checked: number;
  readonly firstBad?: ExportVerification["firstBad"];
  readonly reason?: string;
}

async function verifyEntries(
  path: string,
  checkpoint: Checkpoint,
  onProgress: ((checked: number, total: number) => void) | undefined,
): Promise<EntriesOutcome> {
  const records = readExportFile(path);
  let last: ReadExportRecord | undefined;
  let read = 0;
  // verifyLogStream stops reading at the first problem; the file stays open so the look-ahead
  // below can tell a deleted entry from a reordered or inserted one.
  const stream: AsyncIterable<ExportedAuditEntry> = {
    [Symbol.asyncIterator]: () => ({
      async next() {
        const r = await records.next();
        if (r.done === true) return { done: true, value: undefined };
        last = r.value;
        read += 1;
        return { done: false, value: { index: r.value.index, bytes: r.value.bytes } };
      },
      async return() {
        return { done: true, value: undefined };
      },
    }),
  };
  try {
    const result = await (async () => {
      try {
        return await verifyLogStream(stream, checkpoint, {
          hasher: sm3Hasher,
          progressEvery: 8192,
          ...(onProgress === undefined ? {} : { onProgress }),
        });
      } catch (e) {
        if (!isExportFileError(e)) throw e;
        // Every record before this one was in sequence (verifyLogStream stops at the first that is not).
        const index = read;
        const problem: ExportProblem = e.code === "truncated" ? "truncated" : "malformed";
        return { fileError: { index, problem, offset: e.offset, message: e.message } } as const;
      }
    })();
    if ("fileError" in result) {
      const f = result.fileError;
      return {
        checked: f.index,
        firstBad: { index: f.index, problem: f.problem, ...(f.offset === undefined ? {} : { offset: f.offset }) },
        reason: `entry ${f.index}: ${f.message}`,
      };
    }
    if (result.ok) return { checked: result.checked };
    const index = result.firstBadIndex;
    switch (result.problem) {
      case "missing-entry":
      case "unexpected-index": {
        const seen = last as ReadExportRecord;
        const bad = index as number;
        const problem = await classifySequenceBreak(records, bad, seen.index, checkpoint.size);
        return {
          checked: result.checked,
          firstBad: { index: bad, problem, offset: seen.offset },
          reason: sequenceReason(problem, bad, seen, checkpoint.size),
        };
      }
      case "too-short":
        return {
          checked: result.checked,
          firstBad: { index: result.checked, problem: "truncated" },
          reason: `entry ${result.checked}: the export ends after ${result.checked} entries; the checkpoint covers ${checkpoint.size}`,
        };
      case "entry-mismatch":
      case "stored-tree-mismatch":
        return {
          checked: result.checked,
          firstBad: { index: index as number, problem: "changed" },
          reason: `entry ${index}: its bytes are not the ones the log committed to`,
        };
      default:
        return {
          checked: result.checked,
          firstBad: { problem: "root-mismatch" },
          reason:
            `the ${checkpoint.size} entries do not hash to the checkpoint's root: an entry's bytes were changed, ` +
            "or entries were inserted or removed and the indices renumbered (an export carries nothing that says which entry)",
        };
    }
  } finally {
    await records.return(undefined);
  }
}

/**
 * The record at the place of entry `expected` carries index `seen` instead.
 * `seen` < `expected` repeats an index already read: an extra record. Otherwise
 * read on: an entry never found was deleted; a `seen` the log cannot have (at
 * or past its size) or that appears again is an extra record; else the entry
 * comes later and the file is reordered.
 */
async function classifySequenceBreak(
  rest: AsyncIterator<ReadExportRecord>,
  expected: number,
  seen: number,
  size: number,
): Promise<ExportProblem> {
  if (seen < expected || seen >= size) return "inserted";
  let found = false;
  try {
    for (let r = await rest.next(); r.done !== true; r = await rest.next()) {
      if (r.value.index === seen) return "inserted";
      if (r.value.index === expected) found = true;
    }
  } catch (e) {
    // A broken tail does not change what the records before it show.
    if (!isExportFileError(e)) throw e;
  }
  return found ? "reordered" : "missing";
}

function sequenceReason(problem: ExportProblem, index: number, seen: ReadExportRecord, size: number): string {
  const at = `the record at byte offset ${seen.offset} has index ${seen.index}`;
  switch (problem) {
    case "reordered":
      return `entry ${index}: out of order: ${at}, and entry ${index} comes later in the file`;
    case "inserted":
      return seen.index >= size
        ? `entry ${index}: an extra record: ${at}, which a log of ${size} entries does not have`
        : `entry ${index}: an extra record: ${at}, which appears more than once`;
    default:
      return index === 0 && seen.index > 0
        ? `entry 0: missing: the export starts at index ${seen.index}; verifying needs the whole log from index 0`
        : `entry ${index}: missing: ${at}`;
  }
}
