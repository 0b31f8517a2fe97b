import { readFile } from "node:fs/promises";
import {
  createCosignatureVerifier,
  createNoteVerifier,
  isCheckpointError,
  isSm3Origin,
  type NoteVerifier,
} from "@hutong/audit";
import { createStreamingHutongClient, type StreamingHutongClient } from "@hutong/client";
import { clientOptions, profileOf } from "../support/client-options.js";
import { UsageError } from "../support/usage-error.js";

export const collect = (v: string, prev: string[]) => [...prev, v];

export function parseCount(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^(0|[1-9][0-9]*)$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${flag} must be a non-negative integer`);
  }
  return Number(text);
}

export async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
}

/** A verifier key given as its text, or as @file holding it. */
export async function keyText(arg: string, flag: string): Promise<string> {
  return arg.startsWith("@") ? (await readInput(arg.slice(1), `${flag} file`)).toString("utf8").trim() : arg;
}

export async function logKeyOf(arg: string): Promise<NoteVerifier> {
  let key: NoteVerifier;
  try {
    key = createNoteVerifier(await keyText(arg, "--log-key"));
  } catch (e) {
    if (isCheckpointError(e)) throw new UsageError(`--log-key: ${e.message}`);
    throw e;
  }
  // A log key is named after its origin, and our origins bind the hash (docs/audit-checkpoints.md §4).
  if (!isSm3Origin(key.name)) throw new UsageError(`--log-key: ${key.name} is not an origin ending in "/sm3"`);
  return key;
}

export async function witnessKeyOf(arg: string): Promise<NoteVerifier> {
  try {
    return createCosignatureVerifier(await keyText(arg, "--witness-key"));
  } catch (e) {
    if (isCheckpointError(e)) throw new UsageError(`--witness-key: ${e.message}`);
    throw e;
  }
}

export interface ClientFlags {
  profile: string;
  passphraseEnv?: string;
}

/** A client of the gateway the profile names (the file `hutong start --dev` writes for `hutong call`). */
export async function openClient(flags: ClientFlags): Promise<StreamingHutongClient> {
  const profile = await profileOf(flags.profile);
  return createStreamingHutongClient(await clientOptions({ ...profile, passphraseEnv: flags.passphraseEnv }));
}

export function timeoutOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Number(text);
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new UsageError("--timeout must be positive ms");
  return ms;
}

export function bigToIndex(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER))
    throw new UsageError(`the gateway sent ${what} ${value}, beyond any log`);
  return Number(value);
}
