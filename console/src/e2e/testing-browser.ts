import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

// Debian's Chromium driven by playwright-core (no browser download): headless, sandbox off (CI
// runs as root), no background networking (this machine's network is closed and Chromium's own
// calls home would only be refused); Playwright gives each launch a fresh profile of its own.

export const chromiumExecutable = process.env.HUTONG_CHROMIUM ?? "/usr/bin/chromium";

export function chromiumMissing(): string | undefined {
  return existsSync(chromiumExecutable)
    ? undefined
    : `no Chromium at ${chromiumExecutable}: apt-get install -y --no-install-recommends chromium fonts-wqy-microhei`;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumExecutable,
    headless: true,
    chromiumSandbox: false,
    args: [
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
