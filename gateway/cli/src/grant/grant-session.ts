import { randomUUID } from "node:crypto";
import { createHutongClient, type HutongClient, type UnaryMethod } from "@hutong/client";
import type { Purpose } from "@hutong/proto";
import { isWireError, statusName } from "@hutong/wire";
import type { Command } from "commander";
import { type ConnectionFlags, clientOptions, connectionSettings } from "../support/client-options.js";
import type { CommandIo } from "../support/command-io.js";
import { UsageError } from "../support/usage-error.js";

/** The flags of a call through the caller's gateway, as `hutong call` takes them. */
export interface SessionFlags extends ConnectionFlags {
  timeout: string;
}

export const collect = (v: string, prev: string[]) => [...prev, v];

/** Adds the session flags of `hutong call` to a command. */
export function withSessionFlags(cmd: Command): Command {
  return cmd
    .option(
      "--profile <file>",
      "client profile of the calling system: JSON with address, gateway, chain, key, trust[], crl[] (npm start writes one)",
    )
    .option("--address <host:port>", "your gateway")
    .option("--gateway <party>", "your gateway's party id, which its certificate must carry")
    .option("--chain <file>", "your system's certificate chain (PEM, leaf first)")
    .option("--key <file>", "your system's private key (PEM)")
    .option("--passphrase-env <name>", "environment variable holding that key's passphrase")
    .option("--trust <file>", "trust anchor (repeatable)", collect, [])
    .option("--crl <file>", "CRL (repeatable; revocation is required for the gateway's chain)", collect, [])
    .option("--timeout <ms>", "deadline for the call", "10000");
}

/** A client of the caller's gateway, from the flags or the profile, checked before any byte is sent. */
export async function openSession(flags: SessionFlags): Promise<{ client: HutongClient; timeoutMs: number }> {
  const settings = await connectionSettings(flags);
  const timeoutMs = Number(flags.timeout);
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError("--timeout must be positive ms");
  const client = createHutongClient(await clientOptions(settings));
  return { client, timeoutMs };
}

/** The RequestContext of a GrantService call: answered by `target`'s gateway, for the grant's purpose. */
export function grantContext(target: string, purpose: Purpose) {
  return { targetParty: target, purpose, grantId: "", correlationId: `hutong-grant-${randomUUID()}` };
}

/**
 * One GrantService call through the caller's gateway (routed to the target's). A refusal is printed
 * as "ERROR: <status>: <message>" with exit status 1, and undefined returned.
 */
export async function grantCall<Req, Res>(
  io: CommandIo,
  flags: SessionFlags,
  method: UnaryMethod<Req, Res>,
  request: Req,
): Promise<Res | undefined> {
  const { client, timeoutMs } = await openSession(flags);
  try {
    return await client.unary(method, request, { deadline: Date.now() + timeoutMs });
  } catch (e) {
    if (!isWireError(e)) throw e;
    io.stderr.write(`ERROR: ${statusName(e.code)}: ${e.message}\n`);
    io.exitCode(1);
    return undefined;
  } finally {
    client.close();
  }
}
