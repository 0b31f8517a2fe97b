import { isValidPartyId } from "@hutong/certs";
import { createHutongClient, type HutongClient } from "@hutong/client";
import { Purpose, type RequestContext, type TicketIndicators, TicketStatisticsServiceService } from "@hutong/proto";
import { isWireError, statusName } from "@hutong/wire";
import { Command, Option } from "commander";
import { clientOptions, profileOf } from "../support/client-options.js";
import type { CommandIo } from "../support/command-io.js";
import { UsageError } from "../support/usage-error.js";
import { chartFormatOf, writeChart } from "./chart-render.js";
import { indicatorsCsv, indicatorsJsonText, indicatorsTable } from "./indicators-format.js";
import { periodKind, subPeriods } from "./periods.js";
import { shareChartSpec, sharePoints } from "./share-chart.js";

export const formats = ["table", "csv", "json"] as const;

interface TicketsFlags {
  profile: string;
  period: string;
  target: string;
  province?: string;
  format: (typeof formats)[number];
  chart?: string;
  passphraseEnv?: string;
  timeout: string;
}

function partyFlag(value: string, flag: string): string {
  if (!isValidPartyId(value)) throw new UsageError(`${flag} ${JSON.stringify(value.slice(0, 80))} is not a party id`);
  return value;
}

/** A client of the gateway the profile names (as `hutong call` and `hutong audit` make one). */
async function openClient(flags: TicketsFlags): Promise<HutongClient> {
  const profile = await profileOf(flags.profile);
  return createHutongClient(await clientOptions({ ...profile, passphraseEnv: flags.passphraseEnv }));
}

export function ticketsCommand(io: CommandIo): Command {
  return new Command("tickets")
    .description(
      "the e-ticket indicators of the notice (§6) per province for a period, as the ministry's statistics service keeps them; with --chart, the e-ticket share over the period",
    )
    .requiredOption("--profile <file>", "client profile, as for hutong call (a mot/* system at the ministry's hub)")
    .requiredOption("--period <period>", 'a year "2026", a month "2026-12" or a day "2026-12-04" (Beijing time)')
    .option("--target <party>", "the statistics service's party id", "mot/statistics")
    .option("--province <party>", "only this province's e-ticket service (e.g. prov:510000/ticketing)")
    .addOption(new Option("--format <format>", "how to print the indicators").choices(formats).default("table"))
    .option(
      "--chart <file>",
      "also write a line chart of the e-ticket share per province over the period (by month for a year, by day for a month): .svg or .png",
    )
    .option("--passphrase-env <name>", "environment variable holding the key's passphrase")
    .option("--timeout <ms>", "deadline per query", "10000")
    .action(async (flags: TicketsFlags) => {
      // Every flag is checked before the profile is read or a byte is sent.
      const steps = subPeriods(flags.period);
      const kind = periodKind(flags.period);
      const target = partyFlag(flags.target, "--target");
      const province = flags.province === undefined ? "" : partyFlag(flags.province, "--province");
      if (flags.chart !== undefined) chartFormatOf(flags.chart);
      const timeoutMs = Number(flags.timeout);
      if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError("--timeout must be positive ms");

      const context: RequestContext = {
        targetParty: target,
        purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
        grantId: "",
        correlationId: "",
      };
      const client = await openClient(flags);
      const query = async (period: string): Promise<TicketIndicators[]> => {
        const r = await client.unary(
          TicketStatisticsServiceService.queryTicketIndicators,
          { context, period, province },
          { deadline: Date.now() + timeoutMs },
        );
        // By party id, in code-unit order (not the locale's): one row per province, so never equal.
        return [...r.indicators].sort((a, b) => (a.province < b.province ? -1 : 1));
      };
      let rows: TicketIndicators[];
      const byStep: { step: string; indicators: TicketIndicators[] }[] = [];
      try {
        rows = await query(flags.period);
        // One step after another: the service computes each from the province's whole history,
        // and a year is twelve queries, a month at most 31 (a day is its own step, already asked).
        if (flags.chart !== undefined) {
          for (const step of steps) byStep.push({ step, indicators: step === flags.period ? rows : await query(step) });
        }
      } catch (e) {
        if (!isWireError(e)) throw e;
        io.stderr.write(`ERROR: ${statusName(e.code)}: ${e.message}\n`);
        io.exitCode(1);
        return;
      } finally {
        client.close();
      }

      io.stdout.write(
        flags.format === "csv"
          ? indicatorsCsv(rows)
          : flags.format === "json"
            ? indicatorsJsonText(rows)
            : indicatorsTable(rows),
      );
      if (flags.chart !== undefined) {
        const points = sharePoints(byStep);
        await writeChart(flags.chart, shareChartSpec(flags.period, kind, steps, points));
        const provinces = new Set(points.map((p) => p.province)).size;
        io.stderr.write(`chart: ${flags.chart} (${provinces} province(s), ${steps.length} step(s))\n`);
      }
    });
}
