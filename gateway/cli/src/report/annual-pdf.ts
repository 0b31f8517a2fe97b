import { access, constants } from "node:fs/promises";
import { chromium } from "playwright-core";
import { AnnualReportFailure } from "./annual-data.js";

/**
 * The annual report's HTML printed to PDF by headless Chromium (Debian `chromium`, driven by
 * playwright-core; no browser download): the PDF is the page a person sees, charts as vectors,
 * the text in an embedded CJK font (Debian `fonts-wqy-microhei`). Both packages are named in
 * every failure that their absence causes, so a machine without them says what to install.
 */

export const defaultChromium = "/usr/bin/chromium";

/** What to install when Chromium or its CJK font is missing (Debian bookworm). */
export const debianPackages = "apt-get install -y --no-install-recommends chromium fonts-wqy-microhei";

/**
 * Flags as the machine's deploy notes give them: no sandbox (root), no GPU, and none of Chromium's
 * background connections (refused on a closed network, many at a time). Playwright gives it a
 * fresh user-data-dir of its own.
 */
const flags = [
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
];

/** Chromium's path: --chromium, else HUTONG_CHROMIUM, else Debian's. */
export function chromiumPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env.HUTONG_CHROMIUM ?? defaultChromium;
}

/** Fails, naming the Debian package, when there is no Chromium to run at the path. */
export async function checkChromium(path: string): Promise<void> {
  try {
    await access(path, constants.X_OK);
  } catch {
    throw new AnnualReportFailure(
      `no Chromium at ${path} to print the PDF: install the Debian package chromium (${debianPackages}), or name one with --chromium`,
    );
  }
}

/**
 * Run in the page: whether the body's fonts draw two different Chinese characters differently. A
 * machine without a CJK font draws both as the same missing-glyph box ("tofu"), which Chromium
 * would print without complaint.
 */
const cjkProbe = `(() => {
  const font = getComputedStyle(document.body).fontFamily;
  const draw = (ch) => {
    const c = document.createElement("canvas");
    c.width = 48;
    c.height = 48;
    const g = c.getContext("2d");
    g.font = "32px " + font;
    g.fillText(ch, 4, 38);
    return c.toDataURL();
  };
  return draw("道") !== draw("证");
})()`;

const footer = `<div style="width:100%;text-align:center;font-size:8pt;color:#555;font-family:'WenQuanYi Micro Hei','Noto Sans CJK SC',sans-serif">第 <span class="pageNumber"></span> 页 / 共 <span class="totalPages"></span> 页</div>`;

export interface PrintOptions {
  readonly chromium: string;
  /** Chromium's environment (tests point FONTCONFIG_FILE elsewhere); the process's by default. */
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/** The HTML page as an A4 PDF, page numbers in the footer. */
export async function printPdf(html: string, o: PrintOptions): Promise<Buffer> {
  await checkChromium(o.chromium);
  const timeout = o.timeoutMs ?? 60_000;
  let browser: Awaited<ReturnType<typeof chromium.launch>>;
  try {
    browser = await chromium.launch({
      executablePath: o.chromium,
      args: flags,
      timeout,
      ...(o.env === undefined ? {} : { env: o.env }),
    });
  } catch (e) {
    const first = (e as Error).message.split("\n")[0];
    throw new AnnualReportFailure(`Chromium at ${o.chromium} did not start (${first}); ${debianPackages}`);
  }
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(timeout);
    await page.setContent(html, { waitUntil: "load" });
    if (!(await page.evaluate<boolean>(cjkProbe))) {
      throw new AnnualReportFailure(
        `no CJK font here: the PDF's Chinese text would print as boxes; install the Debian package fonts-wqy-microhei (${debianPackages})`,
      );
    }
    return await page.pdf({
      format: "A4",
      printBackground: true,
      preferCSSPageSize: true,
      displayHeaderFooter: true,
      headerTemplate: "<span></span>",
      footerTemplate: footer,
    });
  } finally {
    await browser.close();
  }
}
