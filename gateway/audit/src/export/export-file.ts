import { createReadStream } from "node:fs";
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { CodedError, codedErrorGuard } from "@hutong/errors";

/**
 * The audit export file: what `hutong audit export` writes and `hutong audit
 * verify` reads (docs/audit-log.md). Binary, streamable and self-describing:
 *
 *   "hutong-audit-export v1\n"  then, per entry:  u64be(index) || u32be(length) || entry bytes
 *
 * and nothing else: no leaf hashes, no checkpoint (that is a separate file), no
 * trailer. The entry bytes are the exact stored AuditEntry bytes the log's
 * tree hashes. A file says nothing about its own integrity: the verifier
 * recomputes the tree and compares it with a signed checkpoint.
 */
export const exportFileHeader = "hutong-audit-export v1\n";

const headerBytes = Buffer.from(exportFileHeader, "latin1");
const recordHeadLength = 12;
const maxLength = 0xffff_ffff;

/** Default cap on one entry when reading: an entry is a few hundred bytes; a gRPC message is at most 4 MiB. */
export const defaultMaxExportEntryBytes = 4 * 1024 * 1024;

/** One record of an export file. */
export interface ExportRecord {
  readonly index: number;
  readonly bytes: Uint8Array;
}

/** A record as read back, with where it starts in the file (for error messages and re-reading). */
export interface ReadExportRecord extends ExportRecord {
  /** Byte offset of the record's first byte (its index field) in the file. */
  readonly offset: number;
}

export const exportFileErrorCodes = [
  /** The file does not start with "hutong-audit-export v1\n" (another format, another version, or garbage). */
  "bad-header",
  /** The file ends inside the header or inside a record. */
  "truncated",
  /** A record's index is above 2^53 − 1: not an index any log of ours has, so the bytes are garbage. */
  "bad-index",
  /** A record's length is above the reader's cap: garbage, or a file that is not an audit export. */
  "entry-too-large",
  /** A writer's caller passed a record outside the format (negative or unsafe index, entry over 4 GiB). */
  "invalid-argument",
] as const;

export type ExportFileErrorCode = (typeof exportFileErrorCodes)[number];

/** What is wrong with an export file, and where: `offset` is the byte offset the problem was found at. */
export class ExportFileError extends CodedError<"export-file", ExportFileErrorCode> {
  readonly offset: number | undefined;
  constructor(code: ExportFileErrorCode, message: string, offset?: number) {
    super("export-file", code, message);
    this.name = "ExportFileError";
    this.offset = offset;
  }
}

export const isExportFileError = codedErrorGuard(ExportFileError);

function checkRecord(record: ExportRecord): void {
  if (!Number.isSafeInteger(record.index) || record.index < 0) {
    throw new ExportFileError("invalid-argument", "a record's index must be a non-negative safe integer");
  }
  if (record.bytes.length > maxLength) {
    throw new ExportFileError("invalid-argument", "an entry must be shorter than 2^32 bytes");
  }
}

/** The 12 bytes before an entry: u64be(index) || u32be(length). */
export function encodeExportRecordHead(record: ExportRecord): Buffer {
  checkRecord(record);
  const head = Buffer.allocUnsafe(recordHeadLength);
  head.writeBigUInt64BE(BigInt(record.index), 0);
  head.writeUInt32BE(record.bytes.length, 8);
  return head;
}

/** A whole export file in memory (tests, small logs); writers stream with createExportFileWriter. */
export function encodeExportFile(records: Iterable<ExportRecord>): Buffer {
  const parts: Uint8Array[] = [headerBytes];
  for (const r of records) parts.push(encodeExportRecordHead(r), r.bytes);
  return Buffer.concat(parts);
}

export interface ExportFileSummary {
  readonly records: number;
  /** The file's size in bytes, header included. */
  readonly bytes: number;
}

export interface ExportFileWriter {
  /** Appends one record; resolves when the next may be written (it waits only when its buffer is flushed). */
  write(record: ExportRecord): Promise<void>;
  /** Flushes, fsyncs and renames the partial file to its name. Nothing is at `path` before this resolves. */
  finish(): Promise<ExportFileSummary>;
  /** Closes and removes the partial file (a failed or unauthenticated export must not look complete). */
  abort(): Promise<void>;
}

const flushThreshold = 1024 * 1024;

/**
 * Streams an export file to `path`. Records go to `path + ".partial"` through
 * a 1 MiB buffer; only finish() puts the file at `path` (after fsync), so a
 * crash, an abort or a stream whose MAC fails leaves no file that looks
 * complete.
 */
export async function createExportFileWriter(path: string): Promise<ExportFileWriter> {
  const partial = `${path}.partial`;
  const fh: FileHandle = await open(partial, "w", 0o644);
  let pending: Uint8Array[] = [headerBytes];
  let pendingBytes = headerBytes.length;
  let records = 0;
  let written = 0;
  let state: "open" | "finished" | "aborted" = "open";

  async function flush(): Promise<void> {
    if (pendingBytes === 0) return;
    const chunk = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await fh.write(chunk, 0, chunk.length);
    written += chunk.length;
  }

  function checkOpen(): void {
    if (state !== "open") throw new ExportFileError("invalid-argument", `the export writer is ${state}`);
  }

  return {
    async write(record) {
      checkOpen();
      const head = encodeExportRecordHead(record);
      pending.push(head, record.bytes);
      pendingBytes += head.length + record.bytes.length;
      records += 1;
      if (pendingBytes >= flushThreshold) await flush();
    },
    async finish() {
      checkOpen();
      state = "finished";
      try {
        await flush();
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(partial, path);
      return { records, bytes: written };
    },
    async abort() {
      if (state !== "open") return;
      state = "aborted";
      await fh.close().catch(() => {});
      await rm(partial, { force: true });
    },
  };
}

/** Writes `records` to `path` as an export file (createExportFileWriter, finished or aborted). */
export async function writeExportFile(
  path: string,
  records: Iterable<ExportRecord> | AsyncIterable<ExportRecord>,
): Promise<ExportFileSummary> {
  const writer = await createExportFileWriter(path);
  try {
    for await (const r of records) await writer.write(r);
  } catch (e) {
    await writer.abort();
    throw e;
  }
  return writer.finish();
}

export interface ReadExportOptions {
  /** Largest entry accepted (default 4 MiB); a longer length field is reported as `entry-too-large`. */
  readonly maxEntryBytes?: number;
}

function asBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === "string") throw new ExportFileError("invalid-argument", "an export file is read as bytes");
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Parses an export file from a stream of byte chunks, record by record, in
 * O(largest entry) memory. Throws ExportFileError with the byte offset of the
 * problem: `bad-header`, `truncated` (the file ends inside the header or a
 * record), `bad-index`, `entry-too-large`. It does not judge the sequence of
 * indices: that is the verifier's business (missing, inserted, reordered).
 */
export async function* parseExportFile(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: ReadExportOptions = {},
): AsyncGenerator<ReadExportRecord> {
  const maxEntry = options.maxEntryBytes ?? defaultMaxExportEntryBytes;
  let buf: Buffer = Buffer.alloc(0);
  let pos = 0;
  // File offset of buf[0].
  let base = 0;
  let inHeader = true;

  for await (const raw of chunks) {
    const chunk = asBuffer(raw);
    if (chunk.length === 0) continue;
    if (pos >= buf.length) {
      base += buf.length;
      buf = chunk;
    } else {
      base += pos;
      buf = Buffer.concat([buf.subarray(pos), chunk]);
    }
    pos = 0;
    if (inHeader) {
      const seen = Math.min(buf.length, headerBytes.length);
      for (let i = 0; i < seen; i++) {
        if (buf[i] !== headerBytes[i]) {
          throw new ExportFileError(
            "bad-header",
            `not a hutong audit export: byte ${base + i} differs from the header "hutong-audit-export v1\\n"`,
            base + i,
          );
        }
      }
      if (buf.length < headerBytes.length) continue;
      inHeader = false;
      pos = headerBytes.length;
    }
    while (buf.length - pos >= recordHeadLength) {
      const offset = base + pos;
      const index = buf.readBigUInt64BE(pos);
      if (index > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new ExportFileError(
          "bad-index",
          `the record at byte offset ${offset} has index ${index}, above 2^53 − 1`,
          offset,
        );
      }
      const length = buf.readUInt32BE(pos + 8);
      if (length > maxEntry) {
        throw new ExportFileError(
          "entry-too-large",
          `the record at byte offset ${offset} claims ${length} bytes, more than the ${maxEntry} accepted`,
          offset,
        );
      }
      if (buf.length - pos - recordHeadLength < length) break;
      const start = pos + recordHeadLength;
      yield { index: Number(index), bytes: buf.subarray(start, start + length), offset };
      pos = start + length;
    }
  }

  const end = base + buf.length;
  if (inHeader) {
    throw new ExportFileError(
      end === 0 ? "bad-header" : "truncated",
      end === 0 ? "the export file is empty" : `the export file ends at byte ${end}, inside its header`,
      end,
    );
  }
  if (pos < buf.length) {
    const offset = base + pos;
    const need = buf.length - pos < recordHeadLength ? recordHeadLength : recordHeadLength + buf.readUInt32BE(pos + 8);
    throw new ExportFileError(
      "truncated",
      `the record at byte offset ${offset} is truncated: it needs ${need} bytes, the file ends ${end - offset} bytes after it starts`,
      offset,
    );
  }
}

/** Reads an export file from disk, streaming (see parseExportFile). */
export function readExportFile(path: string, options: ReadExportOptions = {}): AsyncGenerator<ReadExportRecord> {
  return parseExportFile(createReadStream(path, { highWaterMark: 1024 * 1024 }), options);
}
