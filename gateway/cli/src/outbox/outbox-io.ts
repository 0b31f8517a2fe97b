import { resolve } from "node:path";
import { type HutongStore, loadGatewayConfig, openGatewayStore } from "@hutong/gateway";
import { StoreError } from "@hutong/gateway/ports";
import { type CommandIo, processCommandIo } from "../support/command-io.js";
import { UsageError } from "../support/usage-error.js";

/** The outbox commands' io: a command's, the environment (a PostgreSQL URL) and a clock. */
export interface OutboxCommandIo extends CommandIo {
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => number;
}

export const processIo: OutboxCommandIo = { ...processCommandIo, env: process.env, now: Date.now };

export function lines(io: OutboxCommandIo) {
  return {
    out: (line: string) => io.stdout.write(`${line}\n`),
    err: (line: string) => io.stderr.write(`${line}\n`),
  };
}

export interface CommonFlags {
  config: string;
  json?: boolean;
}

export function positive(text: string, what: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${what} must be a positive integer, got ${JSON.stringify(text.slice(0, 40))}`);
  }
  return Number(text);
}

/** Opens the gateway's store from its config (as `hutong start` reads it), runs `fn`, closes it. */
export async function withStore(
  io: OutboxCommandIo,
  flags: CommonFlags,
  fn: (store: HutongStore, party: string) => Promise<void>,
) {
  const config = await loadGatewayConfig(resolve(flags.config));
  let store: HutongStore;
  try {
    store = await openGatewayStore(config, io.env, {
      thread: "main",
      mustExist: true,
      applicationName: `hutong outbox ${config.party}`,
    });
  } catch (e) {
    if (!(e instanceof StoreError)) throw e;
    lines(io).err(`hutong: cannot open the gateway's store: ${e.message}`);
    io.exitCode(1);
    return;
  }
  try {
    await fn(store, config.party);
  } catch (e) {
    if (!(e instanceof StoreError)) throw e;
    lines(io).err(`hutong: the gateway's store failed: ${e.message}`);
    io.exitCode(1);
  } finally {
    await store.close();
  }
}
