import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { partnerFaultsSchema } from "@hutong/partner-http";
import { z } from "zod";
import { type PartnerSimulatorOptions, partyPattern } from "./partner-simulator.js";

// The partner simulator process's configuration file (simulator-main.ts), validated once: every
// problem with its path, the database path relative to the file.

const hex = z.string().regex(/^([0-9a-fA-F]{2})+$/, "a secret in hex");

export const simulatorConfigSchema = z.strictObject({
  protocol: z.enum(["rail", "air"]),
  party: z.string().regex(partyPattern, '"rail:" or "air:" and a lowercase name'),
  dbPath: z.string().min(1, "a SQLite file path"),
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65_535).optional(),
  /** App key → secret as hex. */
  appKeys: z.record(z.string().min(1), hex).refine((keys) => Object.keys(keys).length > 0, "at least one app key"),
  faults: partnerFaultsSchema.optional(),
  seed: z.number().int().optional(),
  connector: z
    .strictObject({
      baseUrl: z.url({ protocol: /^https?$/, message: "an http(s) URL" }).regex(/[^/]$/, "no trailing slash"),
      appKey: z.string().min(1),
      appSecretHex: hex,
      timeoutMs: z.number().int().min(100).max(120_000).optional(),
    })
    .optional(),
});

/** A config file that could not be used, with every problem. */
export class SimulatorConfigError extends Error {
  override readonly name = "SimulatorConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`the simulator config is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Without the keys whose value is undefined (exactOptionalPropertyTypes). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Validates a parsed config; `dbPath` is resolved against `baseDir`. Throws SimulatorConfigError. */
export function parseSimulatorConfig(raw: unknown, baseDir: string): PartnerSimulatorOptions {
  const r = simulatorConfigSchema.safeParse(raw);
  const problems = r.success ? [] : r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  // Checked apart from the schema, so it is listed with the other problems.
  const { protocol, party } = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  if (typeof protocol === "string" && typeof party === "string" && !party.startsWith(`${protocol}:`)) {
    problems.push(`party: not a ${protocol} party`);
  }
  if (!r.success || problems.length > 0) throw new SimulatorConfigError(problems);
  const { dbPath, faults, connector, ...rest } = r.data;
  return defined({
    ...rest,
    dbPath: resolve(baseDir, dbPath),
    faults: faults === undefined ? undefined : defined(faults),
    connector: connector === undefined ? undefined : defined(connector),
  }) as PartnerSimulatorOptions;
}

export async function loadSimulatorConfig(path: string): Promise<PartnerSimulatorOptions> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch {
    throw new SimulatorConfigError([`${path}: not a readable JSON file`]);
  }
  return parseSimulatorConfig(raw, dirname(path));
}
