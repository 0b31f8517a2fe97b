import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { partnerFaultsSchema } from "@hutong/partner-http";
import { z } from "zod";
import type { TaxSimulatorOptions } from "./tax-simulator.js";

// The simulator process's configuration file (simulator-main.ts), validated once: every problem
// with its path, the database path relative to the file.

export const simulatorConfigSchema = z.strictObject({
  dbPath: z.string().min(1, "a SQLite file path"),
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65_535).optional(),
  /** App key → secret as hex. */
  appKeys: z
    .record(z.string().min(1), z.string().regex(/^([0-9a-fA-F]{2})+$/, "a secret in hex"))
    .refine((keys) => Object.keys(keys).length > 0, "at least one app key"),
  region: z
    .string()
    .regex(/^\d{2}$/, "2 digits")
    .optional(),
  faults: partnerFaultsSchema.optional(),
  seed: z.number().int().optional(),
});

/** A config file that could not be used, with every problem. */
export class SimulatorConfigError extends Error {
  override readonly name = "SimulatorConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`the simulator config is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Validates a parsed config; `dbPath` is resolved against `baseDir`. Throws SimulatorConfigError. */
export function parseSimulatorConfig(raw: unknown, baseDir: string): TaxSimulatorOptions {
  const r = simulatorConfigSchema.safeParse(raw);
  if (!r.success) {
    throw new SimulatorConfigError(r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`));
  }
  const { dbPath, host, port, appKeys, region, faults, seed } = r.data;
  return {
    dbPath: resolve(baseDir, dbPath),
    appKeys,
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
    ...(region === undefined ? {} : { region }),
    ...(faults === undefined
      ? {}
      : { faults: Object.fromEntries(Object.entries(faults).filter(([, v]) => v !== undefined)) }),
    ...(seed === undefined ? {} : { seed }),
  };
}

export async function loadSimulatorConfig(path: string): Promise<TaxSimulatorOptions> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch {
    throw new SimulatorConfigError([`${path}: not a readable JSON file`]);
  }
  return parseSimulatorConfig(raw, dirname(path));
}
