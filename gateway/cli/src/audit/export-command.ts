import { rename, writeFile } from "node:fs/promises";
import {
  type Checkpoint,
  createExportFileWriter,
  type ExportFileWriter,
  isCheckpointError,
  parseCheckpoint,
  parseNote,
} from "@hutong/audit";
import { AuditServiceService, ExportEntriesRequest, ExportEntriesResponse } from "@hutong/proto";
import { Command } from "commander";
import { UsageError } from "../support/usage-error.js";
import { bigToIndex, type ClientFlags, openClient, parseCount, timeoutOf } from "./audit-flags.js";
import { type AuditCommandIo, failedCall, printer, progressLine } from "./audit-io.js";

interface ExportFlags extends ClientFlags {
  from?: string;
  to?: string;
  out: string;
  checkpointOut?: string;
  timeout?: string;
  progress: boolean;
}

export function exportCommand(io: AuditCommandIo): Command {
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
