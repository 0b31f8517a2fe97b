import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { isValidPartyId } from "@hutong/certs";
import { createHutongClient, type HutongClient } from "@hutong/client";
import { isWireError, statusName } from "@hutong/wire";
import { Command } from "commander";
import { clientOptions, profileOf } from "../support/client-options.js";
import type { CommandIo } from "../support/command-io.js";
import { UsageError } from "../support/usage-error.js";
import {
  type AnnualData,
  AnnualReportFailure,
  annualDataJsonText,
  fetchAnnualData,
  parseAnnualData,
  provinceFlag,
  readJsonFile,
  writeOutput,
  yearFlag,
} from "./annual-data.js";
import { annualReportHtml } from "./annual-html.js";
import { checkChromium, chromiumPath, printPdf } from "./annual-pdf.js";
import { loadScoringSheet } from "./annual-scoring.js";

interface AnnualFlags {
  province: string;
  year: string;
  out: string;
  profile?: string;
  fromJson?: string;
  saveJson?: string;
  target: string;
  scoring?: string;
  chromium?: string;
  passphraseEnv?: string;
  timeout: string;
}

/** The caller's client: what `hutong report tickets` opens, or a test's. */
export type OpenClient = (
  profile: string,
  passphraseEnv: string | undefined,
) => Promise<Pick<HutongClient, "unary" | "close">>;

/** A client of the gateway the profile names (as `hutong call` and `hutong report tickets` make one). */
const openGatewayClient: OpenClient = async (file, passphraseEnv) =>
  createHutongClient(await clientOptions({ ...(await profileOf(file)), passphraseEnv }));

export function annualCommand(io: CommandIo, openClient: OpenClient = openGatewayClient): Command {
  return new Command("annual")
    .description(
      "the province's annual e-licence report (licence specification 2022-11, 第二十三条) as HTML and PDF: the four rates from the ministry's licence library at the year's end and by month, the aggregation lag and gaps, and a self-evaluation scored by a sheet",
    )
    .requiredOption("--province <code>", "GB/T 2260 code of the province (e.g. 510000)")
    .requiredOption("--year <year>", 'the year reported on, e.g. "2026"')
    .requiredOption("--out <dir>", "where to write annual-{province}-{year}.html and .pdf (made if missing)")
    .option("--profile <file>", "client profile, as for hutong call: fetch the data through its gateway")
    .option("--from-json <file>", "instead of --profile: the data already fetched (as --save-json writes it)")
    .option("--save-json <file>", "with --profile: also write the data fetched, for --from-json")
    .option("--target <party>", "the licence library's party id", "mot/licence")
    .option("--scoring <file>", "the self-evaluation's scoring sheet (JSON); default: the sheet shipped with hutong")
    .option("--chromium <path>", "Chromium to print the PDF with (default: $HUTONG_CHROMIUM, else /usr/bin/chromium)")
    .option("--passphrase-env <name>", "environment variable holding the key's passphrase")
    .option("--timeout <ms>", "deadline per query", "10000")
    .action(async (flags: AnnualFlags) => {
      // Every flag is checked, and the sheet and any data file read, before a byte is sent.
      const province = provinceFlag(flags.province);
      const year = yearFlag(flags.year);
      if ((flags.profile === undefined) === (flags.fromJson === undefined)) {
        throw new UsageError("give either --profile (fetch the data) or --from-json (data already fetched)");
      }
      if (flags.saveJson !== undefined && flags.profile === undefined) {
        throw new UsageError("--save-json keeps what --profile fetches; with --from-json the data is already a file");
      }
      if (!isValidPartyId(flags.target)) {
        throw new UsageError(`--target ${JSON.stringify(flags.target.slice(0, 80))} is not a party id`);
      }
      const timeoutMs = Number(flags.timeout);
      if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError("--timeout must be positive ms");
      const scoring = await loadScoringSheet(flags.scoring);
      let data: AnnualData | undefined;
      if (flags.fromJson !== undefined) {
        data = parseAnnualData(await readJsonFile(flags.fromJson, "--from-json"), flags.fromJson);
        if (data.province !== province || data.year !== year) {
          throw new UsageError(
            `--from-json ${flags.fromJson} holds ${data.province}'s ${data.year}, not --province ${province} --year ${year}`,
          );
        }
      }
      try {
        await mkdir(flags.out, { recursive: true });
      } catch (e) {
        throw new UsageError(`--out ${flags.out}: cannot make it (${(e as NodeJS.ErrnoException).code ?? "error"})`);
      }
      const chromium = chromiumPath(flags.chromium);
      const fail = (message: string) => {
        io.stderr.write(`ERROR: ${message}\n`);
        io.exitCode(1);
      };

      try {
        // Before the library is asked fourteen times for a PDF that could not be printed.
        await checkChromium(chromium);
        if (data === undefined) {
          const client = await openClient(flags.profile as string, flags.passphraseEnv);
          try {
            data = await fetchAnnualData(client, { province, year, target: flags.target, timeoutMs });
          } catch (e) {
            if (!isWireError(e)) throw e;
            fail(`${statusName(e.code)}: ${e.message}`);
            return;
          } finally {
            client.close();
          }
          if (flags.saveJson !== undefined) await writeOutput(flags.saveJson, "--save-json", annualDataJsonText(data));
        }
        const base = join(flags.out, `annual-${province}-${year}`);
        const html = await annualReportHtml(data, scoring);
        await writeOutput(`${base}.html`, "--out", html);
        const pdf = await printPdf(html, { chromium });
        await writeOutput(`${base}.pdf`, "--out", pdf);
        io.stderr.write(`report: ${base}.html, ${base}.pdf\n`);
      } catch (e) {
        if (!(e instanceof AnnualReportFailure)) throw e;
        fail(e.message);
      }
    });
}
