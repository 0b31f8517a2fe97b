import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ServerType, serve } from "@hono/node-server";
import { createSessionStore } from "./access/session-store.js";
import { loadAccounts } from "./accounts/account-store.js";
import type { ConsoleConfig } from "./config/console-config.js";
import { ConsoleError } from "./errors/console-error.js";
import { openGatewayPool } from "./gateways/gateway-pool.js";
import { createConsoleApp } from "./http/console-app.js";
import { type ConsoleLog, stderrConsoleLog } from "./http/console-log.js";

// The composition root: config in, a listening console out.

export interface RunningConsole {
  readonly address: AddressInfo;
  readonly url: string;
  close(): Promise<void>;
}

export interface StartConsoleOptions {
  readonly log?: ConsoleLog;
  readonly now?: () => number;
}

const isLoopback = (host: string) => host === "localhost" || host === "::1" || /^127\./.test(host);

/** The page as built by `npm run build:web -w @hutong/console`, beside this package's sources. */
export const defaultWebRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "web", "dist");

async function subjectKeyFrom(path: string): Promise<Uint8Array> {
  const text = (
    await readFile(path, "utf8").catch((cause: unknown) => {
      throw new ConsoleError("invalid-config", `cannot read the subject key file ${path}`, { cause });
    })
  ).trim();
  if (!/^[0-9a-fA-F]{64,}$/.test(text) || text.length % 2 !== 0) {
    throw new ConsoleError("invalid-config", `${path}: the subject key is at least 64 hex digits`);
  }
  return Buffer.from(text, "hex");
}

export async function startConsole(config: ConsoleConfig, options: StartConsoleOptions = {}): Promise<RunningConsole> {
  const webRoot = config.webRoot ?? defaultWebRoot;
  if (!existsSync(join(webRoot, "index.html"))) {
    throw new ConsoleError("invalid-config", `no built page in ${webRoot}: run npm run build:web -w @hutong/console`);
  }
  const [accounts, subjectKey, pool] = await Promise.all([
    loadAccounts(config.accountsFile),
    subjectKeyFrom(config.subjectKeyFile),
    openGatewayPool(config),
  ]);
  const provinces = config.gateways.flatMap((g) => /^prov:([0-9]{6})$/.exec(g.party)?.[1] ?? []);
  const app = createConsoleApp({
    accounts,
    sessions: createSessionStore({
      idleMs: config.sessions.idleMinutes * 60_000,
      maxFailures: config.sessions.maxSignInFailures,
      lockoutMs: config.sessions.lockoutMinutes * 60_000,
    }),
    pool,
    subjectKey,
    ...(config.services === undefined
      ? {}
      : {
          indicators: {
            via: config.services.via,
            ...(config.services.statistics === undefined ? {} : { statistics: config.services.statistics }),
            ...(config.services.licenceLibrary === undefined ? {} : { licenceLibrary: config.services.licenceLibrary }),
            provinces,
          },
        }),
    log: options.log ?? stderrConsoleLog,
    now: options.now ?? Date.now,
    webRoot,
    secureCookie: config.secureCookie ?? !isLoopback(config.listen.host),
  });
  const server = await new Promise<ServerType>((ok, fail) => {
    const s = serve({ fetch: app.fetch, hostname: config.listen.host, port: config.listen.port }, () => ok(s));
    s.once("error", fail);
  });
  const address = server.address() as AddressInfo;
  return {
    address,
    url: `http://${address.address.includes(":") ? `[${address.address}]` : address.address}:${address.port}/`,
    async close() {
      pool.close();
      await new Promise<void>((ok) => {
        server.close(() => ok());
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
    },
  };
}
