import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import type { UnaryMethod } from "@hutong/client";
import { LicenceLibraryServiceService, type QueryLicenceRatesRequest } from "@hutong/proto";
import { Status, WireError } from "@hutong/wire";
import { CommanderError } from "commander";
import type { CommandIo } from "../support/command-io.js";
import { UsageError } from "../support/usage-error.js";
import { type CliRun as Run, runHutong } from "../testing.js";
import { annualCommand, type OpenClient } from "./annual-command.js";
import { type AnnualData, parseAnnualData } from "./annual-data.js";

const fixtureFile = new URL("./testdata/annual-510000-2026.json", import.meta.url).pathname;
const fixture = parseAnnualData(JSON.parse(await readFile(fixtureFile, "utf8")), fixtureFile);
const title = "道路运输电子证照年度工作报告（四川省，2026年）";
const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const run = promisify(execFile);

/** A poppler-utils tool's output; a machine without the package fails saying what to install. */
async function poppler(tool: string, args: string[]): Promise<string> {
  try {
    return (await run(tool, args, { encoding: "utf8" })).stdout;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      assert.fail(
        `${tool} is not installed: install the Debian package poppler-utils (apt-get install -y poppler-utils)`,
      );
    }
    throw e;
  }
}

/** A client of a stub library answering from the data, or refusing every call with the error. */
function stubClient(data: AnnualData, refuse?: WireError) {
  const calls: string[] = [];
  let closed = false;
  const open: OpenClient = async (profile, passphraseEnv) => {
    calls.push(`open ${profile} ${passphraseEnv}`);
    return {
      async unary<Req, Res>(method: UnaryMethod<Req, Res>, request: Req): Promise<Res> {
        if (refuse) throw refuse;
        if (method.path === LicenceLibraryServiceService.queryAggregationStatus.path) {
          calls.push("status");
          return { provinces: data.aggregation === null ? [] : [data.aggregation] } as Res;
        }
        const { period } = request as QueryLicenceRatesRequest;
        calls.push(period);
        return {
          rates: period === data.year ? data.yearRates : data.monthRates.find((r) => r.period === period),
        } as Res;
      },
      close() {
        closed = true;
      },
    };
  };
  return { open, calls, closed: () => closed };
}

/**
 * `hutong report annual ...` in this process, with bin.ts's exit statuses (2 usage, 1 failed):
 * with the stub's client, the command's own ("gateway"), or none that may be opened.
 */
async function runIn(args: string[], open?: OpenClient | "gateway"): Promise<Run> {
  let stdout = "";
  let stderr = "";
  let code = 0;
  const io: CommandIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    exitCode: (c) => {
      code = c;
    },
  };
  const never: OpenClient = () => assert.fail("no client may be opened");
  const command = (open === "gateway" ? annualCommand(io) : annualCommand(io, open ?? never))
    .exitOverride()
    .configureOutput({ writeOut: (t) => io.stdout.write(t), writeErr: (t) => io.stderr.write(t) });
  try {
    await command.parseAsync(args, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 2;
    else if (e instanceof UsageError) {
      stderr += `hutong: ${e.message}\n`;
      code = 2;
    } else throw e;
  }
  return { code, stdout, stderr };
}

describe("hutong report annual", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-annual-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes the report as HTML and as a PDF whose Chinese is in an embedded CJK font, from --from-json", async () => {
    const out = join(dir, "from-json", "nested");
    const r = await runIn(["--province", "510000", "--year", "2026", "--out", out, "--from-json", fixtureFile]);
    assert.equal(r.code, 0, r.stderr);
    const html = join(out, "annual-510000-2026.html");
    const pdf = join(out, "annual-510000-2026.pdf");
    assert.equal(r.stderr, `report: ${join(out, "annual-510000-2026")}.html, ${join(out, "annual-510000-2026")}.pdf\n`);
    assert.equal(r.stdout, "");

    const page = await readFile(html, "utf8");
    assert.ok(page.includes(`<h1>${title}</h1>`));
    for (const rate of ["制证率", "激活率", "数据合规率", "归集率"]) assert.ok(page.includes(`<td>${rate}</td>`), rate);
    for (const percent of ["95.70%", "68.89%", "94.75%", "99.40%"]) assert.ok(page.includes(`>${percent}<`), percent);

    const bytes = await readFile(pdf);
    assert.equal(bytes.subarray(0, 5).toString("latin1"), "%PDF-");
    const info = await poppler("pdfinfo", [pdf]);
    const pages = Number(/^Pages:\s+(\d+)$/m.exec(info)?.[1]);
    assert.ok(pages >= 1, info);
    assert.match(info, new RegExp(`^Title:\\s+${title}$`, "m"));
    // The text is text (not pictures of it), and the Chinese in it is drawn by a real CJK font,
    // embedded: TrueType outlines (fonts-wqy-microhei), not Type 3 shapes or boxes.
    const text = await poppler("pdftotext", ["-f", "1", "-l", "1", "-layout", pdf, "-"]);
    assert.ok(text.includes(title), text.slice(0, 400));
    assert.match(text, /数据合规率\s+94\.75%\s+478,631\s+505,135/);
    const fonts = await poppler("pdffonts", [pdf]);
    assert.match(
      fonts,
      /\+WenQuanYiMicroHei\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes/,
      `no embedded CJK TrueType font: install the Debian package fonts-wqy-microhei\n${fonts}`,
    );
    assert.doesNotMatch(fonts, /Type 3/, `glyphs drawn as Type 3 shapes: is fonts-wqy-microhei installed?\n${fonts}`);

    const png = join(dir, "page1");
    await poppler("pdftoppm", ["-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile", pdf, png]);
    const image = await readFile(`${png}.png`);
    assert.deepEqual(image.subarray(0, 8), pngSignature);
    assert.ok(image.length > 10_000, `page 1 drawn (${image.length} bytes)`);
  });

  it("fetches the year through the caller's gateway, keeps it with --save-json, and scores it by --scoring", async () => {
    const out = join(dir, "fetched");
    const saved = join(dir, "fetched.json");
    const sheet = join(dir, "sheet.json");
    await writeFile(
      sheet,
      JSON.stringify({
        title: "四川省评分表",
        items: [{ name: "归集", metric: "aggregationRate", max: 50, thresholds: [{ atLeast: 99, points: 50 }] }],
      }),
    );
    const stub = stubClient(fixture);
    const r = await runIn(
      [
        ...["--province", "510000", "--year", "2026", "--out", out, "--profile", join(dir, "p.json")],
        ...["--passphrase-env", "KEY_PASS", "--save-json", saved, "--scoring", sheet],
      ],
      stub.open,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(stub.calls, [
      `open ${join(dir, "p.json")} KEY_PASS`,
      "2026",
      ...fixture.monthRates.map((m) => m.period),
      "status",
    ]);
    assert.ok(stub.closed());
    const kept = parseAnnualData(JSON.parse(await readFile(saved, "utf8")), saved);
    assert.ok(Math.abs(Date.parse(kept.fetchedAt) - Date.now()) < 60_000, kept.fetchedAt);
    assert.deepEqual({ ...kept, fetchedAt: fixture.fetchedAt }, fixture);
    assert.deepEqual((await readdir(out)).sort(), ["annual-510000-2026.html", "annual-510000-2026.pdf"]);
    const page = await readFile(join(out, "annual-510000-2026.html"), "utf8");
    assert.match(
      page,
      /<td>归集<\/td>.*<td class="num">99\.40%<\/td>.*<td class="num">50<\/td><td class="num">50<\/td>/,
    );
    assert.ok(page.includes(`注：评分表取自 ${sheet}。`));
  });

  it("reports a refused call with its status and exit 1, writing nothing", async () => {
    const out = join(dir, "refused");
    const stub = stubClient(fixture, new WireError(Status.PERMISSION_DENIED, "no ACL lets mot/reconciliation ask"));
    const r = await runIn(
      ["--province", "510000", "--year", "2026", "--out", out, "--profile", join(dir, "p.json")],
      stub.open,
    );
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, "ERROR: PERMISSION_DENIED: no ACL lets mot/reconciliation ask\n");
    assert.ok(stub.closed());
    assert.deepEqual(await readdir(out), []);
  });

  it("fails before asking the library when there is no Chromium to print with, naming the package", async () => {
    const stub = stubClient(fixture);
    const r = await runIn(
      [
        ...["--province", "510000", "--year", "2026", "--out", join(dir, "no-chromium")],
        ...["--profile", join(dir, "p.json"), "--chromium", join(dir, "chromium")],
      ],
      stub.open,
    );
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^ERROR: no Chromium at .*chromium to print the PDF: install the Debian package chromium \(/,
    );
    assert.deepEqual(stub.calls, []);
  });

  it("refuses a bad invocation with exit 2 before anything is fetched or written", async () => {
    const out = join(dir, "never");
    const badSheet = join(dir, "bad-sheet.json");
    await writeFile(
      badSheet,
      JSON.stringify({ title: "坏表", items: [{ name: "x", metric: "speed", max: 1, thresholds: [] }] }),
    );
    const otherYear = join(dir, "2025.json");
    await writeFile(otherYear, (await readFile(fixtureFile, "utf8")).replaceAll('"2026', '"2025'));
    const base = ["--out", out];
    const year = ["--province", "510000", "--year", "2026"];
    const cases: [string[], RegExp][] = [
      [[...base, "--year", "2026", "--from-json", fixtureFile], /required option '--province <code>' not specified/],
      [[...base, "--province", "510000", "--from-json", fixtureFile], /required option '--year <year>' not specified/],
      [[...year, "--from-json", fixtureFile], /required option '--out <dir>' not specified/],
      [
        [...base, "--province", "510100", "--year", "2026", "--from-json", fixtureFile],
        /--province "510100" is not a GB\/T 2260 province code/,
      ],
      [
        [...base, "--province", "510000", "--year", "26", "--from-json", fixtureFile],
        /--year "26" is not a year \(2026\)/,
      ],
      [[...base, ...year], /give either --profile \(fetch the data\) or --from-json/],
      [[...base, ...year, "--profile", "p.json", "--from-json", fixtureFile], /give either --profile/],
      [
        [...base, ...year, "--from-json", fixtureFile, "--save-json", "x.json"],
        /--save-json keeps what --profile fetches/,
      ],
      [
        [...base, ...year, "--profile", "p.json", "--target", "not a party"],
        /--target "not a party" is not a party id/,
      ],
      [[...base, ...year, "--profile", "p.json", "--timeout", "0"], /--timeout must be positive ms/],
      [
        [...base, ...year, "--profile", "p.json", "--scoring", badSheet],
        /--scoring .*bad-sheet\.json: not a scoring sheet:\n {2}items\[0\]\.metric: Invalid option/,
      ],
      [
        [...base, ...year, "--from-json", join(dir, "missing.json")],
        /--from-json .*missing\.json: cannot read it \(ENOENT\)/,
      ],
      [
        [...base, ...year, "--from-json", otherYear],
        /--from-json .*2025\.json holds 510000's 2025, not --province 510000 --year 2026/,
      ],
      [
        ["--out", fixtureFile, ...year, "--from-json", fixtureFile],
        /--out .*annual-510000-2026\.json: cannot make it \(EEXIST\)/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await runIn(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
    }
    assert.equal(existsSync(out), false);
  });

  it("reads --profile as `hutong report tickets` does: a missing one is a usage error", async () => {
    const profile = join(dir, "missing-profile.json");
    const r = await runIn(
      ["--province", "510000", "--year", "2026", "--out", join(dir, "p"), "--profile", profile],
      "gateway",
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /cannot read it \(ENOENT\)/);
  });

  it("is `hutong report annual`, whose usage errors exit 2", async () => {
    const r = await runHutong(["report", "annual", "--province", "510000", "--year", "2026", "--out", join(dir, "x")]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^hutong: give either --profile \(fetch the data\) or --from-json/);
  });
});
