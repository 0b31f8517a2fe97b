import { isValidPartyId } from "@hutong/certs";
import { createHutongClient, type HutongClient } from "@hutong/client";
import type { StatementSigner } from "@hutong/licensing";
import { isWireError, statusName } from "@hutong/wire";
import type { Command } from "commander";
import { readSigner } from "../grant/grant-flags.js";
import { type SessionFlags, withSessionFlags } from "../grant/grant-session.js";
import { clientOptions, connectionSettings } from "../support/client-options.js";
import type { CommandIo } from "../support/command-io.js";
import { UsageError } from "../support/usage-error.js";

/** The flags every `hutong licence maintenance` command takes: the session's, and the library. */
export interface MaintenanceFlags extends SessionFlags {
  library: string;
}

/** The flags of a command that signs a statement: the signer, by default the calling system. */
export interface SignerFlags {
  signerKey?: string;
  signerChain?: string;
  signerPassphraseEnv?: string;
}

/** Adds the session flags of `hutong call` and --library to a command. */
export function withMaintenanceFlags(cmd: Command): Command {
  return withSessionFlags(cmd).option("--library <party>", "the ministry's licence library", "mot/licence");
}

/** Adds the signer flags to a command that signs (file, decide). */
export function withSignerFlags(cmd: Command): Command {
  return cmd
    .option(
      "--signer-key <file>",
      "the signer's private key (PEM; default the calling system's, --key or the profile's)",
    )
    .option("--signer-chain <file>", "the signer's certificate chain (PEM, leaf first; default the calling system's)")
    .option("--signer-passphrase-env <name>", "environment variable holding the signer key's passphrase");
}

/** A GB/T 2260 province code (six digits); the library answers for the province-level ones. */
export const provinceCode = /^[1-9][0-9]0000$/;
/** A request id as the library accepts it. */
export const requestIdPattern = /^[A-Za-z0-9-]{1,64}$/;

export function provinceFlag(value: string): string {
  if (!provinceCode.test(value)) {
    throw new UsageError(
      `--province ${JSON.stringify(value.slice(0, 40))} is not a GB/T 2260 province code (six digits, e.g. 510000)`,
    );
  }
  return value;
}

export function requestIdFlag(value: string): string {
  if (!requestIdPattern.test(value)) {
    throw new UsageError(`--request-id must be 1 to 64 letters, digits or - (the province's own id for the request)`);
  }
  return value;
}

/**
 * Every flag that needs no file checked: the library party, the timeout, and the signer flags
 * given both or neither. Called before anything is read or sent.
 */
export function checkedFlags(flags: MaintenanceFlags & SignerFlags): { library: string; timeoutMs: number } {
  if (!isValidPartyId(flags.library)) throw new UsageError(`--library ${flags.library} is not a party id`);
  const timeoutMs = Number(flags.timeout);
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError("--timeout must be positive ms");
  if ((flags.signerKey === undefined) !== (flags.signerChain === undefined)) {
    throw new UsageError("give --signer-key and --signer-chain together (or neither: the calling system signs)");
  }
  return { library: flags.library, timeoutMs };
}

/**
 * A client of the caller's gateway (from the flags or the profile, as `hutong call` takes them),
 * every call under the --timeout deadline, and the calling system's own key and chain: the
 * default signer, since the library accepts a statement only from the system that sends it.
 */
export async function openMaintenanceSession(
  flags: MaintenanceFlags,
): Promise<{ client: HutongClient; caller: StatementSigner }> {
  const settings = await connectionSettings(flags);
  const timeoutMs = Number(flags.timeout);
  const options = await clientOptions(settings);
  const client = createHutongClient(options);
  const bounded: HutongClient = {
    unary: (method, request, o) => client.unary(method, request, { deadline: Date.now() + timeoutMs, ...o }),
    session: client.session,
    close: () => client.close(),
  };
  return { client: bounded, caller: { key: options.privateKey, chain: options.chain } };
}

/** The signer the flags name, or the calling system. */
export async function signerOf(flags: SignerFlags, caller: StatementSigner): Promise<StatementSigner> {
  if (flags.signerKey === undefined || flags.signerChain === undefined) return caller;
  const s = await readSigner({
    signerKey: flags.signerKey,
    signerChain: flags.signerChain,
    ...(flags.signerPassphraseEnv === undefined ? {} : { signerPassphraseEnv: flags.signerPassphraseEnv }),
  });
  return { key: s.key, chain: s.chain.map((c) => c.der) };
}

/**
 * Runs `call`; a refusal is printed as "ERROR: <status>: <message>" with exit status 1 and
 * undefined returned, as for the other commands.
 */
export async function refusedAsError<T>(io: CommandIo, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (e) {
    if (!isWireError(e)) throw e;
    io.stderr.write(`ERROR: ${statusName(e.code)}: ${e.message}\n`);
    io.exitCode(1);
    return undefined;
  }
}
