import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import {
  createExportFileWriter,
  type ExportFileErrorCode,
  type ExportRecord,
  encodeExportFile,
  exportFileHeader,
  isExportFileError,
  parseExportFile,
  type ReadExportRecord,
  readExportFile,
  writeExportFile,
} from "./export-file.js";

async function collect(it: AsyncIterable<ReadExportRecord>): Promise<ReadExportRecord[]> {
  const out: ReadExportRecord[] = [];
  for await (const r of it) out.push({ ...r, bytes: Buffer.from(r.bytes) });
  return out;
}

/** The file cut into chunks at the given positions (sorted, deduplicated, inside the file). */
function chunked(file: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (file.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, file.length]) {
    out.push(file.subarray(prev, p));
    prev = p;
  }
  return out;
}

function rejectsWith(code: ExportFileErrorCode, offset?: number) {
  return (e: unknown) => {
    assert.ok(isExportFileError(e), `expected an ExportFileError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (offset !== undefined) assert.equal(e.offset, offset, e.message);
    return true;
  };
}

const record = fc.record({
  index: fc.maxSafeNat(),
  bytes: fc.uint8Array({ maxLength: 64 }),
});

const sample: [ExportRecord, ExportRecord, ExportRecord] = [
  { index: 0, bytes: Buffer.from("entry 0") },
  { index: 1, bytes: new Uint8Array(0) },
  { index: 2, bytes: Buffer.from("entry two") },
];

describe("audit export file: format", () => {
  it("is the header line, then u64be index || u32be length || bytes per record, nothing else", () => {
    const file = encodeExportFile([{ index: 258, bytes: Buffer.from("ab") }]);
    assert.equal(
      file.toString("hex"),
      `${Buffer.from("hutong-audit-export v1\n").toString("hex")}0000000000000102000000026162`,
    );
    assert.equal(exportFileHeader, "hutong-audit-export v1\n");
  });

  it("round-trips any records, however the bytes are chunked (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (records, cuts) => {
          const file = encodeExportFile(records);
          const read = await collect(parseExportFile(chunked(file, cuts)));
          assert.deepEqual(
            read.map((r) => ({ index: r.index, bytes: Buffer.from(r.bytes).toString("hex") })),
            records.map((r) => ({ index: r.index, bytes: Buffer.from(r.bytes).toString("hex") })),
          );
          // Offsets point at each record's index field.
          for (const r of read) assert.equal(file.readBigUInt64BE(r.offset), BigInt(r.index));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("truncated at every offset: a clean prefix at record boundaries, else `truncated` at the cut record's offset", async () => {
    const file = encodeExportFile(sample);
    const boundaries = new Map<number, number>(); // end offset -> records before it
    let at = exportFileHeader.length;
    boundaries.set(at, 0);
    sample.forEach((r, i) => {
      at += 12 + r.bytes.length;
      boundaries.set(at, i + 1);
    });
    for (let cut = 0; cut <= file.length; cut++) {
      const prefix = file.subarray(0, cut);
      const clean = boundaries.get(cut);
      if (clean !== undefined) {
        const read = await collect(parseExportFile([prefix]));
        assert.equal(read.length, clean, `cut at ${cut}`);
        continue;
      }
      if (cut === 0) {
        await assert.rejects(collect(parseExportFile([prefix])), rejectsWith("bad-header", 0));
        continue;
      }
      // The record the cut falls in starts at the largest boundary below the cut.
      const start = cut < exportFileHeader.length ? cut : Math.max(...[...boundaries.keys()].filter((b) => b < cut));
      await assert.rejects(collect(parseExportFile([prefix])), rejectsWith("truncated", start), `cut at ${cut}`);
      // The same, one byte at a time.
      await assert.rejects(
        collect(
          parseExportFile(
            chunked(
              prefix,
              Array.from({ length: cut }, (_, i) => i),
            ),
          ),
        ),
        rejectsWith("truncated", start),
      );
    }
  });

  it("garbage: a wrong header names the first differing byte; huge lengths and indices are refused with their offset", async () => {
    const file = encodeExportFile(sample);
    const v2 = Buffer.from(file);
    v2[exportFileHeader.indexOf("1")] = "2".charCodeAt(0);
    await assert.rejects(collect(parseExportFile([v2])), rejectsWith("bad-header", exportFileHeader.indexOf("1")));
    await assert.rejects(
      collect(parseExportFile([Buffer.from("PK\x03\x04 not an export")])),
      rejectsWith("bad-header", 0),
    );
    await assert.rejects(collect(parseExportFile([])), rejectsWith("bad-header", 0));

    const second = exportFileHeader.length + 12 + sample[0].bytes.length;
    const long = Buffer.from(file);
    long.writeUInt32BE(0xffff_ffff, second + 8);
    await assert.rejects(collect(parseExportFile([long])), rejectsWith("entry-too-large", second));
    // The cap is configurable: a 9-byte entry over an 8-byte cap.
    await assert.rejects(
      collect(parseExportFile([file], { maxEntryBytes: 8 })),
      rejectsWith("entry-too-large", second + 12 + sample[1].bytes.length),
    );

    const huge = Buffer.from(file);
    huge.writeBigUInt64BE(2n ** 53n, second);
    await assert.rejects(collect(parseExportFile([huge])), rejectsWith("bad-index", second));
    huge.writeBigUInt64BE(2n ** 53n - 1n, second);
    assert.equal((await collect(parseExportFile([huge])))[1]?.index, Number.MAX_SAFE_INTEGER);
  });

  it("records before a problem are still delivered (the verifier names the first bad index)", async () => {
    const file = encodeExportFile(sample);
    const seen: number[] = [];
    await assert.rejects(async () => {
      for await (const r of parseExportFile([file.subarray(0, file.length - 1)])) seen.push(r.index);
    }, rejectsWith("truncated"));
    assert.deepEqual(seen, [0, 1]);
  });
});

describe("audit export file: writer and reader on disk", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-export-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("streams through a .partial file and renames it on finish; the bytes are the format's", async () => {
    const path = join(dir, "a.export");
    // Over 1 MiB in total, so the writer flushes more than once.
    const records = Array.from({ length: 5000 }, (_, i) => ({ index: i, bytes: Buffer.alloc(300, i % 256) }));
    const writer = await createExportFileWriter(path);
    for (const r of records.slice(0, 4000)) await writer.write(r);
    assert.ok(!existsSync(path), "nothing at the name before finish");
    assert.ok(existsSync(`${path}.partial`));
    for (const r of records.slice(4000)) await writer.write(r);
    const summary = await writer.finish();
    assert.ok(!existsSync(`${path}.partial`));
    const onDisk = await readFile(path);
    assert.deepEqual(onDisk, encodeExportFile(records));
    assert.deepEqual(summary, { records: 5000, bytes: onDisk.length });
    const read = await collect(readExportFile(path));
    assert.equal(read.length, 5000);
    assert.equal(read[4321]?.index, 4321);
    assert.deepEqual(read[4321]?.bytes, records[4321]?.bytes);
    await assert.rejects(writer.write({ index: 0, bytes: new Uint8Array() }), rejectsWith("invalid-argument"));
  });

  it("abort removes the partial file; a failing source aborts; bad records are refused", async () => {
    const path = join(dir, "b.export");
    const writer = await createExportFileWriter(path);
    await writer.write({ index: 0, bytes: Buffer.from("x") });
    await writer.abort();
    assert.ok(!existsSync(path) && !existsSync(`${path}.partial`));

    async function* failing(): AsyncGenerator<ExportRecord> {
      yield { index: 0, bytes: Buffer.from("x") };
      throw new Error("stream broke");
    }
    await assert.rejects(writeExportFile(path, failing()), /stream broke/);
    assert.ok(!existsSync(path) && !existsSync(`${path}.partial`));

    await assert.rejects(
      writeExportFile(path, [{ index: -1, bytes: new Uint8Array() }]),
      rejectsWith("invalid-argument"),
    );
    await assert.rejects(
      writeExportFile(path, [{ index: 2 ** 53, bytes: new Uint8Array() }]),
      rejectsWith("invalid-argument"),
    );
    assert.ok(!existsSync(path));
  });

  it("an empty export is just the header, and reads back as no records", async () => {
    const path = join(dir, "c.export");
    assert.deepEqual(await writeExportFile(path, []), { records: 0, bytes: exportFileHeader.length });
    assert.equal(await readFile(path, "latin1"), exportFileHeader);
    assert.deepEqual(await collect(readExportFile(path)), []);
    await writeFile(path, exportFileHeader.slice(0, 10));
    await assert.rejects(collect(readExportFile(path)), rejectsWith("truncated", 10));
  });
});
