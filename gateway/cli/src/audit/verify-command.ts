import { existsSync } from "node:fs";
import { verifyExport } from "@hutong/audit";
import { Command } from "commander";
import { UsageError } from "../support/usage-error.js";
import { collect, logKeyOf, parseCount, readInput, witnessKeyOf } from "./audit-flags.js";
import { type AuditCommandIo, printer, progressLine, progressMinEntries } from "./audit-io.js";

interface VerifyFlags {
  checkpoint?: string;
  logKey: string;
  witnessKey: string[];
  minWitnesses?: string;
  json?: boolean;
  progress: boolean;
}

export function verifyCommand(io: AuditCommandIo): Command {
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
