import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { LicenceKind } from "@hutong/proto";
import {
  configProblems,
  gatewayLink,
  listenAddress,
  outboxSettings,
  partyId,
  resolveGatewayLink,
} from "@hutong/service-kit";
import { z } from "zod";
import { LicensingError } from "../licensing-error.js";

// The configuration of a licence service process (docs/licences.md §7), validated once: every
// problem with its path, paths relative to the file.

const kindName = z.enum(
  Object.keys(LicenceKind).filter((k) => k.startsWith("LICENCE_KIND_") && !k.endsWith("UNSPECIFIED")) as [
    string,
    ...string[],
  ],
);

const issuer = z
  .object({
    service: z.literal("issuer"),
    party: partyId,
    province: z.string().regex(/^\d{2}0000$/, "a GB/T 2260 province code"),
    listen: listenAddress,
    store: z.string().min(1, "a SQLite file path"),
    /** 64 hex digits: licences and events are sealed with it at rest. */
    sealKeyFile: z.string(),
    library: partyId.default("mot/licence"),
    gateway: gatewayLink,
    outbox: outboxSettings,
    /** Valid paper (or IC-card) licences in the 运政 registry with no e-licence yet, by kind: the rest of 制证率's base. */
    paperLicences: z.partialRecord(kindName, z.number().int().min(0)).default({}),
    /** The ministry systems whose signed decision approves a maintenance request. */
    maintenanceDeciders: z.array(partyId).min(1).default(["mot/supervision"]),
    /** How often the province reports its counts and head to the library. */
    countsIntervalMs: z.number().int().min(100).default(10_000),
    /** Fault injection for the scenario: this range of the sequence is not sent the first time. */
    faults: z
      .object({ dropRange: z.object({ from: z.number().int().min(1), to: z.number().int().min(1) }).strict() })
      .strict()
      .optional(),
  })
  .strict();

const library = z
  .object({
    service: z.literal("library"),
    party: partyId,
    listen: listenAddress,
    store: z.string().min(1, "a SQLite file path"),
    sealKeyFile: z.string(),
    gateway: gatewayLink,
    /** The issuing party of a province: "{province}" is its 6-digit code. */
    issuerParty: z.string().default("prov:{province}/licence"),
    /** The ministry systems that decide maintenance requests. */
    maintenanceDeciders: z.array(partyId).min(1).default(["mot/supervision"]),
    outbox: outboxSettings,
    gaps: z
      .object({
        graceMs: z.number().int().min(0).default(3000),
        retryMs: z.number().int().min(100).default(10_000),
        intervalMs: z.number().int().min(50).default(1000),
      })
      .strict()
      .default({ graceMs: 3000, retryMs: 10_000, intervalMs: 1000 }),
    /** The lag alert: the p99 lag of the last `windowS` seconds over `alertMs`. */
    lag: z
      .object({ windowS: z.number().int().min(1).default(300), alertMs: z.number().int().min(1).default(60_000) })
      .strict()
      .default({ windowS: 300, alertMs: 60_000 }),
    /** The scheduled data checks (第十一条). */
    checks: z
      .object({
        intervalMs: z.number().int().min(1000).default(3_600_000),
        timelinessMs: z.number().int().min(1).default(600_000),
      })
      .strict()
      .default({ intervalMs: 3_600_000, timelinessMs: 600_000 }),
  })
  .strict();

export const licenceServiceConfigSchema = z.discriminatedUnion("service", [issuer, library]);
export type LicenceServiceConfig = z.infer<typeof licenceServiceConfigSchema>;
export type IssuerServiceConfig = Extract<LicenceServiceConfig, { service: "issuer" }>;
export type LibraryServiceConfig = Extract<LicenceServiceConfig, { service: "library" }>;

/** Validates a parsed config; file paths are resolved against `baseDir`. Throws LicensingError invalid-config listing every problem. */
export function parseLicenceServiceConfig(raw: unknown, baseDir: string): LicenceServiceConfig {
  const r = licenceServiceConfigSchema.safeParse(raw);
  if (!r.success) {
    throw new LicensingError("invalid-config", `the service config is invalid:\n${configProblems(r.error)}`);
  }
  const c = r.data;
  if (c.service === "issuer" && c.faults !== undefined && c.faults.dropRange.to < c.faults.dropRange.from) {
    throw new LicensingError(
      "invalid-config",
      "the service config is invalid:\n  - faults.dropRange: to is before from",
    );
  }
  const at = (p: string) => resolve(baseDir, p);
  return {
    ...c,
    store: at(c.store),
    sealKeyFile: at(c.sealKeyFile),
    gateway: resolveGatewayLink(c.gateway, baseDir),
  };
}

export async function loadLicenceServiceConfig(path: string): Promise<LicenceServiceConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch (cause) {
    throw new LicensingError("invalid-config", `${path}: not a readable JSON file`, { cause });
  }
  return parseLicenceServiceConfig(raw, dirname(path));
}
