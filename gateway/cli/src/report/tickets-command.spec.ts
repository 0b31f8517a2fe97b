import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isConfigError, isGatewayError } from "@hutong/gateway";
import type { TicketEvent, TicketIndicators } from "@hutong/proto";
import {
  simulateStationDay,
  startTicketFederation,
  type TicketFederation,
  ticketingParty,
  uploadStationEvents,
} from "@hutong/ticketing/testing";
import { CommanderError } from "commander";
import type { CommandIo } from "../support/command-io.js";
import { UsageError } from "../support/usage-error.js";
import { type CliRun as Run, runHutong as run } from "../testing.js";
import { reportCommand } from "./report-command.js";

const day = "2026-12-04";
const sichuan = ticketingParty("510000");
const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** `hutong report ...` in this process, with bin.ts's exit statuses (2 usage, 1 refused or failed). */
async function runIn(args: string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  let code = 0;
  const io: CommandIo = {
    stdout: {
      write: (t: string) => {
        stdout += t;
      },
    },
    stderr: {
      write: (t: string) => {
        stderr += t;
      },
    },
    exitCode: (c) => {
      code = c;
    },
  };
  try {
    await reportCommand(io).parseAsync(args, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 2;
    else if (e instanceof UsageError) {
      stderr += `hutong: ${e.message}\n`;
      code = 2;
    } else if (isConfigError(e) || isGatewayError(e)) {
      stderr += `hutong: ${e.message}\n`;
      code = 1;
    } else throw e;
  }
  return { code, stdout, stderr };
}

/** The numbers of a table row, in the table's column order, as the ministry's store has them. */
const numbers = (i: TicketIndicators) => [
  i.grade2Stations,
  i.grade2StationsETicket,
  i.customisedRoutes,
  i.customisedRoutesETicket,
  i.smartTicketingStations,
  i.smartCheckingStations,
  i.ticketsSold,
  i.eTicketsSold,
];

describe("hutong report tickets against an e-ticket federation", () => {
  let dir: string;
  let fed: TicketFederation;
  let profile: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-report-"));
    fed = await startTicketFederation(join(dir, "fed"), { stationsPerProvince: 4 });
    const node = fed.provinces.get("510000");
    assert.ok(node);
    // One day of Sichuan's stations, uploaded by each station system and delivered to the ministry.
    const simulated = simulateStationDay(node.registry, node.party, day, 150, 7);
    const bySource = new Map<string, TicketEvent[]>();
    for (const e of simulated.events) bySource.set(e.source, [...(bySource.get(e.source) ?? []), e]);
    await Promise.all(
      [...bySource].map(async ([source, events]) =>
        uploadStationEvents(await fed.client(source), sichuan, source, events, { batch: 50 }),
      ),
    );
    await fed.flush();
    // The ministry's reconciliation system at the hub, as its operator's profile would say.
    const files = fed.pki.party("mot/reconciliation");
    profile = join(dir, "mot-reconciliation.json");
    await writeFile(
      profile,
      JSON.stringify({
        address: `127.0.0.1:${fed.hub.address.port}`,
        gateway: "mot",
        chain: files.chain,
        key: files.key,
        trust: [fed.pki.rootCert],
        crl: fed.pki.crls,
      }),
    );
  });
  after(async () => {
    await fed?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("prints each province's indicators of the month as the ministry keeps them, and charts the month by day", async () => {
    const chart = join(dir, "december.svg");
    const r = await runIn(["tickets", "--profile", profile, "--period", "2026-12", "--chart", chart]);
    assert.equal(r.code, 0, r.stderr);
    const kept = await fed.ministry.store.indicators("2026-12", "");
    assert.equal(kept.length, 3, "every province has reported its registry");
    const [header, ...rows] = r.stdout.trimEnd().split("\n");
    assert.match(header ?? "", /^province +grade-2\+ stations +with e-ticket .* e-ticket share %$/);
    assert.deepEqual(
      rows.map((line) => line.split(/ {2,}/)[0]),
      kept.map((i) => i.province).sort(),
    );
    const [own] = await fed.ministry.store.indicators("2026-12", sichuan);
    assert.ok(own && own.ticketsSold > 100 && own.eTicketsSold > 0, JSON.stringify(own));
    const cells = rows.find((line) => line.startsWith(`${sichuan} `))?.split(/ +/) ?? [];
    assert.deepEqual(cells.slice(1, 9).map(Number), numbers(own));
    assert.equal(cells[9], (own.eTicketShareBp / 100).toFixed(2));

    // The chart: the month's 31 days, Sichuan's line through the one day it sold.
    assert.match(r.stderr, /chart: .*december\.svg \(3 province\(s\), 31 step\(s\)\)/);
    const svg = await readFile(chart, "utf8");
    assert.match(svg, /^<svg /);
    assert.match(svg, />E-ticket share by province, 2026-12</);
    assert.match(svg, />2026-12-31</);
    assert.match(
      svg,
      new RegExp(`aria-label="day: ${day}; e-ticket share \\(%\\): ${own.eTicketShareBp / 100}; province: ${sichuan}"`),
    );
  });

  it("prints one province as CSV and charts a year as PNG", async () => {
    const chart = join(dir, "year.png");
    const r = await runIn([
      "tickets",
      "--profile",
      profile,
      "--period",
      "2026",
      "--province",
      sichuan,
      "--format",
      "csv",
      "--chart",
      chart,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [own] = await fed.ministry.store.indicators("2026", sichuan);
    assert.ok(own);
    const share = `${Math.floor(own.eTicketShareBp / 100)}.${String(own.eTicketShareBp % 100).padStart(2, "0")}`;
    assert.equal(
      r.stdout,
      "province,period,grade2Stations,grade2StationsETicket,customisedRoutes,customisedRoutesETicket," +
        "smartTicketingStations,smartCheckingStations,ticketsSold,eTicketsSold,eTicketShareBp,eTicketSharePercent\r\n" +
        `${sichuan},2026,${numbers(own).join(",")},${own.eTicketShareBp},${share}\r\n`,
    );
    assert.match(r.stderr, /\(1 province\(s\), 12 step\(s\)\)/);
    assert.deepEqual((await readFile(chart)).subarray(0, 8), pngSignature);
  });

  it("prints JSON through the hutong command itself", async () => {
    const r = await run(["report", "tickets", "--profile", profile, "--period", day, "--format", "json"]);
    assert.equal(r.code, 0, r.stderr);
    const kept = await fed.ministry.store.indicators(day, "");
    assert.deepEqual(
      JSON.parse(r.stdout),
      kept
        .sort((a, b) => (a.province < b.province ? -1 : 1))
        .map((i) => ({ ...i, eTicketSharePercent: i.eTicketShareBp / 100 })),
    );
  });

  it("reports a refusal with its status and exit 1", async () => {
    // Sichuan's e-ticket service does not serve the statistics, and no ACL lets the ministry's
    // systems ask it for them: the call is refused on its way, with the gateway's status.
    const r = await runIn(["tickets", "--profile", profile, "--period", "2026-12", "--target", sichuan]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^ERROR: PERMISSION_DENIED: /);
    assert.equal(r.stdout, "");
  });

  it("refuses a bad invocation with exit 2 before anything is read or sent", async () => {
    const chart = join(dir, "never.svg");
    const cases: [string[], RegExp][] = [
      [["--period", "2026-02-29"], /--period "2026-02-29" is not a year/],
      [["--period", "2026-12", "--chart", join(dir, "chart.jpg")], /must end in \.svg or \.png/],
      [["--period", "2026-12", "--format", "xml"], /argument 'xml' is invalid/],
      [["--period", "2026-12", "--province", "not a party"], /--province "not a party" is not a party id/],
      [["--period", "2026-12", "--timeout", "0"], /--timeout must be positive ms/],
      [[], /required option '--period <period>' not specified/],
    ];
    for (const [args, message] of cases) {
      // A profile that does not exist: any of these reaching it would fail differently.
      const r = await runIn(["tickets", "--profile", join(dir, "missing.json"), "--chart", chart, ...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.equal(existsSync(chart), false);
    const noProfile = await runIn(["tickets", "--profile", join(dir, "missing.json"), "--period", "2026"]);
    assert.equal(noProfile.code, 2);
    assert.match(noProfile.stderr, /cannot read it \(ENOENT\)/);
  });
});
