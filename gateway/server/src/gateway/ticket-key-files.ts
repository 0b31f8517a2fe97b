import { readFile } from "node:fs/promises";
import type { TicketKeyringOptions, TicketKeySpec } from "@hutong/session";
import { GatewayError } from "../gateway-error.js";

export interface TicketKeySource {
  readonly id: number;
  readonly secretFile?: string | undefined;
  readonly secretEnv?: string | undefined;
}

/** Reads a ticket key (64 hex digits) from its file or environment variable. */
export async function readTicketKey(source: TicketKeySource, env = process.env): Promise<TicketKeySpec> {
  let text: string | undefined;
  let where: string;
  if (source.secretFile !== undefined) {
    where = source.secretFile;
    text = await readFile(source.secretFile, "utf8").catch((cause: unknown) => {
      throw new GatewayError("invalid-credentials", `ticket key ${source.id}: cannot read ${where}`, { cause });
    });
  } else {
    where = `$${source.secretEnv ?? "?"}`;
    text = source.secretEnv === undefined ? undefined : env[source.secretEnv];
  }
  const hex = text?.trim() ?? "";
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new GatewayError("invalid-credentials", `ticket key ${source.id} (${where}) must be 64 hex digits`);
  }
  return { id: source.id, secret: new Uint8Array(Buffer.from(hex, "hex")) };
}

/** Reads every ticket key the config names (current, and previous and next when set). */
export async function readTicketKeys(
  keys: {
    readonly current: TicketKeySource;
    readonly previous?: TicketKeySource | undefined;
    readonly next?: TicketKeySource | undefined;
  },
  env = process.env,
): Promise<TicketKeyringOptions> {
  return {
    current: await readTicketKey(keys.current, env),
    ...(keys.previous === undefined ? {} : { previous: await readTicketKey(keys.previous, env) }),
    ...(keys.next === undefined ? {} : { next: await readTicketKey(keys.next, env) }),
  };
}

/** Reads the federation subject key (64 hex digits) that keys subject and record digests. */
export async function readSubjectKey(file: string): Promise<Uint8Array> {
  const text = await readFile(file, "utf8").catch((cause: unknown) => {
    throw new GatewayError("invalid-credentials", `subject key: cannot read ${file}`, { cause });
  });
  const hex = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new GatewayError("invalid-credentials", `subject key (${file}) must be 64 hex digits`);
  }
  return new Uint8Array(Buffer.from(hex, "hex"));
}
