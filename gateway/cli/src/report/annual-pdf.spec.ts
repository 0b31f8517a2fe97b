import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AnnualReportFailure } from "./annual-data.js";
import { checkChromium, chromiumPath, defaultChromium, printPdf } from "./annual-pdf.js";

const page = `<!doctype html><html lang="zh-CN"><body><h1>道路运输电子证照年度工作报告</h1></body></html>`;

describe("annual report: the PDF, printed by Chromium", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-annual-pdf-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("takes Chromium from --chromium, else HUTONG_CHROMIUM, else Debian's", () => {
    assert.equal(chromiumPath("/opt/c", { HUTONG_CHROMIUM: "/x" }), "/opt/c");
    assert.equal(chromiumPath(undefined, { HUTONG_CHROMIUM: "/x" }), "/x");
    assert.equal(chromiumPath(undefined, {}), defaultChromium);
  });

  it("names the Debian package when there is no Chromium", async () => {
    const missing = join(dir, "no-chromium");
    for (const attempt of [checkChromium(missing), printPdf(page, { chromium: missing })]) {
      await assert.rejects(
        attempt,
        (e) =>
          e instanceof AnnualReportFailure &&
          e.message.startsWith(`no Chromium at ${missing} to print the PDF: install the Debian package chromium (`) &&
          e.message.includes("apt-get install -y --no-install-recommends chromium fonts-wqy-microhei"),
      );
    }
    // There, but not a program.
    const notProgram = join(dir, "chromium.txt");
    await writeFile(notProgram, "");
    await assert.rejects(checkChromium(notProgram), AnnualReportFailure);
    // A program, but no Chromium: it exits at once.
    const broken = join(dir, "broken-chromium");
    await writeFile(broken, "#!/bin/sh\nexit 3\n", { mode: 0o755 });
    await assert.rejects(
      printPdf(page, { chromium: broken, timeoutMs: 10_000 }),
      (e) => e instanceof AnnualReportFailure && e.message.startsWith(`Chromium at ${broken} did not start (`),
    );
  });

  it("refuses to print Chinese as boxes where no font has it, naming the font's package", async () => {
    await checkChromium(chromiumPath(undefined)).catch((e: Error) => assert.fail(e.message));
    // Chromium's fontconfig sees one empty folder: no font at all, so every glyph is the same box.
    const fonts = join(dir, "fonts");
    await mkdir(fonts);
    const conf = join(dir, "fonts.conf");
    await writeFile(
      conf,
      `<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd"><fontconfig><dir>${fonts}</dir><cachedir>${join(dir, "cache")}</cachedir></fontconfig>`,
    );
    await assert.rejects(
      printPdf(page, { chromium: chromiumPath(undefined), env: { ...process.env, FONTCONFIG_FILE: conf } }),
      (e) =>
        e instanceof AnnualReportFailure &&
        /^no CJK font here: the PDF's Chinese text would print as boxes; install the Debian package fonts-wqy-microhei/.test(
          e.message,
        ),
    );
  });
});
