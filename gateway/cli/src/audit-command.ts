import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import {
  type Checkpoint,
  createCosignatureVerifier,
  createExportFileWriter,
  createNoteVerifier,
  type ExportFileWriter,
  isCheckpointError,
  isExportFileError,
  isMerkleError,
  isSm3Origin,
  type NoteVerifier,
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  type ReadExportRecord,
  readExportFile,
  sm3Hasher,
  verifyCosignature,
  verifyInclusion,
  verifyLogStream,
} from "@hutong/audit";
import { createStreamingHutongClient, type StreamingHutongClient } from "@hutong/client";
import type { ExportedAuditEntry } from "@hutong/gateway";
import { isGrantsError, readSubjectKey, subjectDigest } from "@hutong/gateway";
import {
  AuditEntry,
  AuditServiceService,
  ExportEntriesRequest,
  ExportEntriesResponse,
  IdType,
  type QueryEntriesRequest,
} from "@hutong/proto";
import { isWireError, statusName } from "@hutong/wire";
import { Command } from "commander";
import { clientOptions, profileOf } from "./client-options.js";
import { UsageError } from "./usage-error.js";

// ---------------------------------------------------------------------------------------------
// verify: the offline core, exported for tests and other tools.

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

// ---------------------------------------------------------------------------------------------
// Shared helpers of the subcommands.

/**
 * Where the commands read and write: the process by default; tests run the
 * commands in-process with their own (a child process per case would take
 * seconds each).
 */
export interface AuditCommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stdin: AsyncIterable<string | Buffer>;
  /** The exit status once the command returns: 0, or 1 for a failed check or a refused call. */
  exitCode(code: number): void;
}

const processIo: AuditCommandIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  exitCode(code) {
    process.exitCode = code;
  },
};

/** Lines on the io's streams. */
function printer(io: AuditCommandIo) {
  return {
    out: (line: string) => io.stdout.write(`${line}\n`),
    err: (line: string) => io.stderr.write(`${line}\n`),
  };
}

const collect = (v: string, prev: string[]) => [...prev, v];

function parseCount(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^(0|[1-9][0-9]*)$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${flag} must be a non-negative integer`);
  }
  return Number(text);
}

async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
}

/** A verifier key given as its text, or as @file holding it. */
async function keyText(arg: string, flag: string): Promise<string> {
  return arg.startsWith("@") ? (await readInput(arg.slice(1), `${flag} file`)).toString("utf8").trim() : arg;
}

async function logKeyOf(arg: string): Promise<NoteVerifier> {
  let key: NoteVerifier;
  try {
    key = createNoteVerifier(await keyText(arg, "--log-key"));
  } catch (e) {
    if (isCheckpointError(e)) throw new UsageError(`--log-key: ${e.message}`);
    throw e;
  }
  // A log key is named after its origin, and our origins bind the hash (docs/audit-checkpoints.md §4).
  if (!isSm3Origin(key.name)) throw new UsageError(`--log-key: ${key.name} is not an origin ending in "/sm3"`);
  return key;
}

async function witnessKeyOf(arg: string): Promise<NoteVerifier> {
  try {
    return createCosignatureVerifier(await keyText(arg, "--witness-key"));
  } catch (e) {
    if (isCheckpointError(e)) throw new UsageError(`--witness-key: ${e.message}`);
    throw e;
  }
}

interface ClientFlags {
  profile: string;
  passphraseEnv?: string;
}

/** A client of the gateway the profile names (the file `hutong start --dev` writes for `hutong call`). */
async function openClient(flags: ClientFlags): Promise<StreamingHutongClient> {
  const profile = await profileOf(flags.profile);
  return createStreamingHutongClient(await clientOptions({ ...profile, passphraseEnv: flags.passphraseEnv }));
}

function timeoutOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Number(text);
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new UsageError("--timeout must be positive ms");
  return ms;
}

/** A refusal or failure of the gateway: the status name and message, exit 1 (as `hutong call`). */
function failedCall(io: AuditCommandIo, e: unknown): boolean {
  if (!isWireError(e)) return false;
  printer(io).err(`ERROR: ${statusName(e.code)}: ${e.message}`);
  io.exitCode(1);
  return true;
}

/** A single `\r` line on stderr: percentage, entries/s and ETA, at most ten times a second. */
function progressLine(io: AuditCommandIo, label: string, total: number, enabled: boolean, started = performance.now()) {
  let shown = 0;
  let drawn = false;
  const human = (s: number) =>
    !Number.isFinite(s) ? "?" : s < 60 ? `${Math.ceil(s)}s` : `${Math.floor(s / 60)}m${Math.ceil(s % 60)}s`;
  return {
    update(done: number) {
      if (!enabled) return;
      const now = performance.now();
      if (now - shown < 100 && done < total) return;
      shown = now;
      const elapsed = (now - started) / 1000;
      const rate = elapsed > 0 ? done / elapsed : 0;
      const pct = total > 0 ? ((100 * done) / total).toFixed(1) : "100.0";
      const eta = rate > 0 ? (total - done) / rate : Number.POSITIVE_INFINITY;
      io.stderr.write(
        `\r${label} ${pct.padStart(5)}%  ${done.toLocaleString("en")}/${total.toLocaleString("en")} entries  ` +
          `${Math.round(rate).toLocaleString("en")} entries/s  ETA ${human(eta)}\x1b[K`,
      );
      drawn = true;
    },
    done() {
      if (drawn) io.stderr.write("\r\x1b[K");
    },
  };
}

/** Logs this small are verified before a bar would show anything. */
const progressMinEntries = 100_000;

/**
 * An AuditEntry for display: decoded from the exact bytes (never re-encoded),
 * enums by name, digests in hex. Entries hold no personal data in clear (only
 * keyed digests), so nothing here can print an ID number.
 */
export function auditEntryJson(bytes: Uint8Array): Record<string, unknown> {
  let entry: AuditEntry;
  try {
    entry = AuditEntry.decode(bytes);
  } catch {
    return { undecodable: true, bytes: bytes.length };
  }
  const json = AuditEntry.toJSON(entry) as Record<string, unknown>;
  for (const k of ["recordDigest", "subjectDigest", "releasedSm3"] as const) {
    if (entry[k].length > 0) json[k] = hex(entry[k]);
  }
  return json;
}

function entryLine(index: number, bytes: Uint8Array): string {
  const e = auditEntryJson(bytes);
  if (e.undecodable === true) return `#${index}  (${bytes.length} bytes that are not an AuditEntry)`;
  const short = (v: unknown) => (typeof v === "string" ? `${v.slice(0, 16)}…` : "-");
  const decision = String(e.decision ?? "").replace(/^AUDIT_DECISION_/, "");
  return [
    `#${index}`,
    String(e.time ?? "-"),
    `${decision} ${String(e.reason ?? "")}`.trim(),
    String(e.method ?? "-"),
    `${String(e.requesterParty ?? "?")} -> ${String(e.ownerParty ?? "?")}`,
    `purpose ${String(e.purpose ?? "-").replace(/^PURPOSE_/, "")}`,
    `grant ${String(e.grantId ?? "-")}`,
    `subject ${short(e.subjectDigest)}`,
  ].join("  ");
}

function bigToIndex(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER))
    throw new UsageError(`the gateway sent ${what} ${value}, beyond any log`);
  return Number(value);
}

// ---------------------------------------------------------------------------------------------
// The commands.

interface ExportFlags extends ClientFlags {
  from?: string;
  to?: string;
  out: string;
  checkpointOut?: string;
  timeout?: string;
  progress: boolean;
}

function exportCommand(io: AuditCommandIo): Command {
  const { out, err } = printer(io);
  return new Command("export")
    .description(
      "stream the audit log (ExportEntries) into an export file, and the latest signed checkpoint next to it, for `hutong audit verify`",
    )
    .requiredOption(
      "--profile <file>",
      "client profile (address, gateway, chain, key, trust[], crl[]), as for hutong call",
    )
    .requiredOption("--out <file>", "the export file to write (written as <file>.partial, renamed when complete)")
    .option("--from <n>", "first index (default 0; verify needs 0)")
    .option("--to <n>", "one past the last index (default: the checkpoint's size)")
    .option("--checkpoint-out <file>", "where to write the checkpoint (default <out>.checkpoint)")
    .option("--passphrase-env <name>", "environment variable holding the key's passphrase")
    .option("--timeout <ms>", "deadline for the whole export (default none)")
    .option("--no-progress", "no progress line on stderr")
    .action(async (flags: ExportFlags) => {
      const from = parseCount(flags.from, "--from") ?? 0;
      const toFlag = parseCount(flags.to, "--to");
      const timeout = timeoutOf(flags.timeout);
      const checkpointOut = flags.checkpointOut ?? `${flags.out}.checkpoint`;
      const client = await openClient(flags);
      let writer: ExportFileWriter | undefined;
      try {
        const deadline = timeout === undefined ? {} : { deadline: Date.now() + timeout };
        const note = (await client.unary(AuditServiceService.getCheckpoint, {}, deadline)).checkpoint;
        let checkpoint: Checkpoint;
        try {
          checkpoint = parseCheckpoint(parseNote(note).text);
        } catch (e) {
          if (!isCheckpointError(e)) throw e;
          err(`ERROR: the gateway's checkpoint is not one: ${e.message}`);
          io.exitCode(1);
          return;
        }
        const to = toFlag ?? checkpoint.size;
        if (from > to) throw new UsageError(`--from ${from} is past --to ${to}`);
        writer = await createExportFileWriter(flags.out);
        const w = writer;
        const progress = progressLine(io, "exporting", to - from, flags.progress && io.stderr.isTTY === true);
        let count = 0;
        let next = from;
        let inOrder = true;
        // to == from: nothing to ask for (and to_index 0 would mean "the latest checkpoint's size").
        if (to > from) {
          const request = Buffer.from(
            ExportEntriesRequest.encode({ fromIndex: BigInt(from), toIndex: BigInt(to) }).finish(),
          );
          await client.serverStream(
            AuditServiceService.exportEntries.path,
            request,
            async (message) => {
              for (const e of ExportEntriesResponse.decode(message).entries) {
                const index = bigToIndex(e.index, "index");
                if (index !== next) inOrder = false;
                next = index + 1;
                await w.write({ index, bytes: e.entry });
                count += 1;
              }
              progress.update(count);
            },
            deadline,
          );
        }
        progress.done();
        // Only now, with the stream's MAC verified, does the export file take its name.
        const summary = await w.finish();
        writer = undefined;
        await writeFile(`${checkpointOut}.partial`, note);
        await rename(`${checkpointOut}.partial`, checkpointOut);
        out(
          `wrote ${summary.records} entries [${from}, ${to}) to ${flags.out} (${summary.bytes} bytes), ` +
            `the checkpoint (size ${checkpoint.size}) to ${checkpointOut}`,
        );
        if (to > checkpoint.size) {
          err(`note: entries from ${checkpoint.size} on are not covered by the checkpoint`);
        }
        if (!inOrder || count !== to - from) {
          err(`ERROR: the gateway sent ${count} entries, not indices ${from}..${to - 1} in order`);
          io.exitCode(1);
        }
      } catch (e) {
        await writer?.abort();
        if (!failedCall(io, e)) throw e;
      } finally {
        client.close();
      }
    });
}

interface VerifyFlags {
  checkpoint?: string;
  logKey: string;
  witnessKey: string[];
  minWitnesses?: string;
  json?: boolean;
  progress: boolean;
}

function verifyCommand(io: AuditCommandIo): Command {
  const { out } = printer(io);
  return new Command("verify")
    .description(
      "verify an export file offline: the checkpoint's log signature and witness cosignatures, then every entry against its root; reports the first bad entry",
    )
    .argument("<export>", "the export file (hutong audit export)")
    .option("--checkpoint <file>", "the signed checkpoint (default <export>.checkpoint)")
    .requiredOption("--log-key <vkey>", "the log's verifier key (name+keyid+key, or @file); its name is the origin")
    .option("--witness-key <vkey>", "a witness's cosignature verifier key (repeatable; or @file)", collect, [])
    .option("--min-witnesses <n>", "cosignatures that must verify (default: every --witness-key)")
    .option("--json", "print one JSON object")
    .option("--no-progress", "no progress line on stderr")
    .action(async (exportPath: string, flags: VerifyFlags) => {
      const logKey = await logKeyOf(flags.logKey);
      const witnessKeys = await Promise.all(flags.witnessKey.map(witnessKeyOf));
      const names = witnessKeys.map((w) => w.name);
      if (new Set(names).size !== names.length) throw new UsageError("a witness is named twice");
      const minWitnesses = parseCount(flags.minWitnesses, "--min-witnesses") ?? witnessKeys.length;
      if (minWitnesses > witnessKeys.length) {
        throw new UsageError(`--min-witnesses ${minWitnesses} needs at least that many --witness-key`);
      }
      if (!existsSync(exportPath)) throw new UsageError(`cannot read export ${exportPath}: ENOENT`);
      const checkpoint = await readInput(flags.checkpoint ?? `${exportPath}.checkpoint`, "checkpoint");

      // The bar appears at the first progress report, when the size is known; rates count from here.
      const started = performance.now();
      let progress: ReturnType<typeof progressLine> | undefined;
      const report = await verifyExport({
        exportPath,
        checkpoint,
        logKey,
        witnessKeys,
        minWitnesses,
        onProgress(checked, total) {
          progress ??= progressLine(
            io,
            "verifying",
            total,
            flags.progress && io.stderr.isTTY === true && total >= progressMinEntries,
            started,
          );
          progress.update(checked);
        },
      });
      progress?.done();
      io.exitCode(report.ok ? 0 : 1);
      if (flags.json === true) {
        out(JSON.stringify(report));
        return;
      }
      if (report.size !== undefined) {
        out(`checkpoint  ${report.origin}  size ${report.size}  root ${report.root}  (log signature verified)`);
      }
      for (const w of report.witnesses) {
        const status = w.ok
          ? `cosigned ${new Date((w.timestamp ?? 0) * 1000).toISOString()}`
          : w.problem === "bad-signature"
            ? "BAD cosignature"
            : "no cosignature";
        out(`witness     ${w.name}  ${status}`);
      }
      if (report.size !== undefined) out(`entries     ${report.entries} verified in ${report.seconds} s`);
      if (report.ok) out("OK");
      else for (const r of report.reasons) out(`FAILED: ${r}`);
    });
}

interface ProveFlags extends ClientFlags {
  index: string;
  size?: string;
  logKey?: string;
  json?: boolean;
  timeout: string;
}

function proveCommand(io: AuditCommandIo): Command {
  const { out, err } = printer(io);
  return new Command("prove")
    .description(
      "fetch an entry with its inclusion proof (ProveInclusion) and check it against the returned signed checkpoint before printing",
    )
    .requiredOption("--profile <file>", "client profile, as for hutong call")
    .requiredOption("--index <n>", "the entry's index")
    .option("--size <n>", "tree size to prove in (default: the latest checkpoint's)")
    .option("--log-key <vkey>", "also verify the checkpoint's signature with this log key (or @file)")
    .option("--json", "print one JSON object")
    .option("--passphrase-env <name>", "environment variable holding the key's passphrase")
    .option("--timeout <ms>", "deadline for the call", "10000")
    .action(async (flags: ProveFlags) => {
      const index = parseCount(flags.index, "--index") as number;
      const size = parseCount(flags.size, "--size");
      if (size !== undefined && index >= size) throw new UsageError(`--index ${index} is not below --size ${size}`);
      const logKey = flags.logKey === undefined ? undefined : await logKeyOf(flags.logKey);
      const timeout = timeoutOf(flags.timeout) as number;
      const client = await openClient(flags);
      try {
        const res = await client.unary(
          AuditServiceService.proveInclusion,
          { index: BigInt(index), treeSize: BigInt(size ?? 0) },
          { deadline: Date.now() + timeout },
        );
        const treeSize = bigToIndex(res.treeSize, "tree size");
        const fail = (why: string) => {
          err(`ERROR: entry ${index}: ${why}`);
          io.exitCode(1);
        };
        if (bigToIndex(res.index, "index") !== index || (size !== undefined && treeSize !== size)) {
          return fail(`the gateway answered for entry ${res.index} of ${res.treeSize}`);
        }
        if (res.checkpoint === "") {
          return fail(`the gateway has no signed checkpoint of size ${treeSize}: the proof cannot be checked`);
        }
        let checkpoint: Checkpoint;
        try {
          checkpoint =
            logKey === undefined
              ? parseCheckpoint(parseNote(res.checkpoint).text)
              : openCheckpoint(res.checkpoint, logKey, logKey.name).checkpoint;
        } catch (e) {
          if (!isCheckpointError(e)) throw e;
          return fail(`the returned checkpoint does not verify: ${e.message}`);
        }
        if (checkpoint.size !== treeSize) {
          return fail(`the returned checkpoint has size ${checkpoint.size}, not ${treeSize}`);
        }
        const leafHash = sm3Hasher.hashLeaf(res.entry);
        try {
          verifyInclusion(sm3Hasher, index, treeSize, leafHash, res.proof, checkpoint.root);
        } catch (e) {
          if (!isMerkleError(e)) throw e;
          return fail(`the inclusion proof does not lead to the checkpoint's root (${e.code})`);
        }
        const proved = {
          ok: true,
          index,
          treeSize,
          origin: checkpoint.origin,
          root: hex(checkpoint.root),
          checkpointSignatureVerified: logKey !== undefined,
          leafHash: hex(leafHash),
          proof: res.proof.map(hex),
          entry: auditEntryJson(res.entry),
          checkpoint: res.checkpoint,
        };
        if (flags.json === true) {
          out(JSON.stringify(proved));
          return;
        }
        out(`entry ${index} is in ${checkpoint.origin} at size ${treeSize} (root ${proved.root})`);
        out(
          logKey === undefined
            ? "checkpoint signature NOT checked (give --log-key to check it)"
            : "checkpoint signature verified with the log key",
        );
        out(`leaf ${proved.leafHash}, proof of ${proved.proof.length} hashes verified`);
        out(JSON.stringify(proved.entry, null, 2));
      } catch (e) {
        if (!failedCall(io, e)) throw e;
      } finally {
        client.close();
      }
    });
}

interface QueryFlags extends ClientFlags {
  subjectDigest?: string;
  subjectIdType?: string;
  subjectIdNo?: string;
  subjectKeyFile?: string;
  party?: string;
  grant?: string;
  from?: string;
  to?: string;
  pageSize?: string;
  pageToken?: string;
  all?: boolean;
  json?: boolean;
  timeout: string;
}

function idTypeOf(text: string): IdType {
  const byName = (IdType as unknown as Record<string, number | string>)[
    text.startsWith("ID_TYPE_") ? text : `ID_TYPE_${text}`
  ];
  const value = /^[0-9]+$/.test(text) ? Number(text) : byName;
  if (typeof value !== "number" || value <= 0 || typeof IdType[value] !== "string") {
    throw new UsageError(`--subject-id-type ${text} is not an id type (e.g. RESIDENT_ID_CARD or 201)`);
  }
  return value as IdType;
}

async function readStdin(io: AuditCommandIo): Promise<string> {
  let s = "";
  for await (const c of io.stdin) s += typeof c === "string" ? c : c.toString("utf8");
  return s;
}

/**
 * The subject digest to query by: given in hex, or computed here from an id
 * type, number and the federation subject key. The number is read (from the
 * flag, or stdin with "-" so it stays out of shell history), digested and
 * never printed, logged or put in an error message.
 */
async function subjectDigestOf(io: AuditCommandIo, flags: QueryFlags): Promise<Uint8Array | undefined> {
  const byNumber = [flags.subjectIdType, flags.subjectIdNo, flags.subjectKeyFile].filter((f) => f !== undefined).length;
  if (flags.subjectDigest !== undefined) {
    if (byNumber > 0)
      throw new UsageError("give --subject-digest or --subject-id-type/-no/--subject-key-file, not both");
    if (!/^[0-9a-fA-F]{64}$/.test(flags.subjectDigest)) throw new UsageError("--subject-digest must be 64 hex digits");
    return new Uint8Array(Buffer.from(flags.subjectDigest, "hex"));
  }
  if (byNumber === 0) return undefined;
  if (byNumber !== 3) {
    throw new UsageError("a subject by number needs --subject-id-type, --subject-id-no and --subject-key-file");
  }
  const idType = idTypeOf(flags.subjectIdType as string);
  let key: Uint8Array;
  try {
    key = await readSubjectKey(flags.subjectKeyFile as string);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const idNo = flags.subjectIdNo === "-" ? ((await readStdin(io)).split("\n")[0] ?? "") : (flags.subjectIdNo as string);
  try {
    return subjectDigest(key, idType, idNo);
  } catch (e) {
    // GrantsError messages describe the rule, never the number.
    if (isGrantsError(e)) throw new UsageError(`--subject-id-no: ${e.message}`);
    throw e;
  }
}

function timeOf(text: string | undefined, flag: string): Date | undefined {
  if (text === undefined) return undefined;
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new UsageError(`${flag} is not an ISO 8601 time`);
  return d;
}

function queryCommand(io: AuditCommandIo): Command {
  const { out } = printer(io);
  return new Command("query")
    .description(
      "who accessed what (QueryEntries): entries by subject, party, grant and time, newest first; entries are decoded for display",
    )
    .requiredOption("--profile <file>", "client profile, as for hutong call")
    .option("--subject-digest <hex>", "the subject's keyed SM3 digest (64 hex digits)")
    .option(
      "--subject-id-type <type>",
      "id type, e.g. RESIDENT_ID_CARD or 201 (with --subject-id-no and --subject-key-file)",
    )
    .option("--subject-id-no <number>", 'the id number, or "-" to read it from stdin; digested here, never printed')
    .option("--subject-key-file <file>", "the federation subject key (64 hex digits)")
    .option("--party <party>", "entries where this party is the requester or the owner")
    .option("--grant <id>", "entries under this grant")
    .option("--from <time>", "from this time (ISO 8601, inclusive)")
    .option("--to <time>", "before this time (ISO 8601, exclusive)")
    .option("--page-size <n>", "entries per page (the gateway caps it)")
    .option("--page-token <token>", "continue from a previous page")
    .option("--all", "follow every page")
    .option("--json", "print one JSON object")
    .option("--passphrase-env <name>", "environment variable holding the key's passphrase")
    .option("--timeout <ms>", "deadline per page", "10000")
    .action(async (flags: QueryFlags) => {
      const subject = await subjectDigestOf(io, flags);
      if (subject === undefined && flags.party === undefined && flags.grant === undefined) {
        throw new UsageError("query needs a subject, --party or --grant");
      }
      const fromTime = timeOf(flags.from, "--from");
      const toTime = timeOf(flags.to, "--to");
      const pageSize = parseCount(flags.pageSize, "--page-size") ?? 0;
      const timeout = timeoutOf(flags.timeout) as number;
      const client = await openClient(flags);
      try {
        const entries: { index: number; entry: Record<string, unknown> }[] = [];
        let token = flags.pageToken ?? "";
        for (;;) {
          const request: QueryEntriesRequest = {
            subjectDigest: Buffer.from(subject ?? []),
            party: flags.party ?? "",
            grantId: flags.grant ?? "",
            fromTime,
            toTime,
            pageSize,
            pageToken: token,
          };
          const page = await client.unary(AuditServiceService.queryEntries, request, {
            deadline: Date.now() + timeout,
          });
          for (const e of page.entries) {
            const index = bigToIndex(e.index, "index");
            if (flags.json === true) entries.push({ index, entry: auditEntryJson(e.entry) });
            else out(entryLine(index, e.entry));
          }
          token = page.nextPageToken;
          if (token === "" || flags.all !== true) break;
        }
        if (flags.json === true) out(JSON.stringify({ entries, ...(token === "" ? {} : { nextPageToken: token }) }));
        else if (token !== "") out(`more: --page-token ${token} (or --all)`);
      } catch (e) {
        if (!failedCall(io, e)) throw e;
      } finally {
        client.close();
      }
    });
}

/** `hutong audit`: export, verify (offline), prove and query the audit log (docs/audit-log.md). */
export function auditCommand(io: AuditCommandIo = processIo): Command {
  const group = new Command("audit")
    .description("the audit log: export it, verify an export offline, prove an entry, query who accessed what")
    .addCommand(exportCommand(io))
    .addCommand(verifyCommand(io))
    .addCommand(proveCommand(io))
    .addCommand(queryCommand(io));
  // addCommand does not pass the program's exitOverride down: without it, commander's own usage
  // errors (a missing required option) would exit 1, which means "verification failed" here.
  for (const c of [group, ...group.commands]) {
    c.exitOverride().configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  }
  return group;
}
