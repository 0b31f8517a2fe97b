import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { Purpose, TicketEventKind } from "@hutong/proto";
import {
  configProblems,
  gatewayLink,
  listenAddress as listen,
  outboxSettings,
  partyId as party,
  resolveGatewayLink,
} from "@hutong/service-kit";
import { z } from "zod";
import { TicketingError } from "../ticketing-error.js";

// The configuration of a reference service process (docs/tickets.md, "Running the services"),
// validated once: every problem with its path, paths relative to the file.

const kindName = z.enum(
  Object.keys(TicketEventKind).filter((k) => k.startsWith("TICKET_EVENT_KIND_") && !k.endsWith("UNSPECIFIED")) as [
    string,
    ...string[],
  ],
);
const purposeName = z.enum(
  Object.keys(Purpose).filter((k) => k.startsWith("PURPOSE_") && !k.endsWith("UNSPECIFIED")) as [string, ...string[]],
);

const station = z
  .object({
    code: z.string().regex(/^\d{6,12}$/),
    name: z.string(),
    grade: z.number().int().min(1).max(5),
    smartTicketing: z.boolean().default(false),
    smartChecking: z.boolean().default(false),
    eTicketService: z.boolean().default(true),
  })
  .strict();

const sqliteStore = z.string().min(1, "a SQLite file path");
const postgresStore = z
  .object({
    postgres: z
      .object({
        url: z.string().regex(/^postgres(ql)?:\/\/./, "a postgresql:// URL"),
        schema: z
          .string()
          .regex(/^[a-z_][a-z0-9_]{0,62}$/, "a PostgreSQL schema name: [a-z_][a-z0-9_]{0,62}, unquoted"),
        maxConnections: z.number().int().min(1).max(100).optional(),
      })
      .strict(),
  })
  .strict();
/**
 * Where a service keeps its store: a SQLite file (a path, relative to the config file), or
 * `{"postgres": {"url": "postgresql://…", "schema": "ticketing_510000"}}`: its own schema of a
 * PostgreSQL database, created if absent. The two forms are told apart by what was written (a
 * string or an object), so each one's problems are named as such.
 */
const store = z.unknown().transform((value, ctx): z.infer<typeof sqliteStore> | z.infer<typeof postgresStore> => {
  const form =
    typeof value === "string" ? sqliteStore : typeof value === "object" && value !== null ? postgresStore : undefined;
  const r = form?.safeParse(value);
  if (r?.success === true) return r.data;
  const issues = r?.error.issues ?? [
    { path: [], message: 'a SQLite file path, or {"postgres": {"url": "postgresql://…", "schema": "…"}}' },
  ];
  for (const { path, message } of issues) ctx.addIssue({ code: "custom", path, message, input: value });
  return z.NEVER;
});
const route = z.object({ code: z.string().min(1).max(32), customised: z.boolean().default(false) }).passthrough();

const province = z
  .object({
    service: z.literal("province"),
    party,
    province: z.string().regex(/^\d{2}0000$/),
    listen,
    store,
    /** 64 hex digits: tickets are sealed with it at rest. */
    sealKeyFile: z.string(),
    stations: z.array(station).min(1),
    routes: z.array(route).default([]),
    /** The event route table; default: route provinces (operational view) and the ministry (statistics). */
    eventRoutes: z
      .array(
        z
          .object({
            kinds: z.union([z.literal("all"), z.array(kindName).min(1)]),
            to: z.string().min(1),
            form: z.enum(["event", "statistics"]),
            purpose: purposeName,
          })
          .strict(),
      )
      .optional(),
    /** The party that receives each province's events on its route: "{province}" is the 6-digit code. */
    routeParty: z.string().default("prov:{province}/ticketing"),
    statistics: party.default("mot/statistics"),
    /** Through journeys (docs/connectors.md §4): how often their legs are checked against the partners'. */
    through: z
      .object({
        checkIntervalMs: z.number().int().min(100).default(10_000),
        /** The least time between one leg's arrival and the next one's departure. */
        minTransferMinutes: z
          .number()
          .int()
          .min(0)
          .max(24 * 60)
          .default(30),
      })
      .strict()
      .default({ checkIntervalMs: 10_000, minTransferMinutes: 30 }),
    /** Invoices for the tickets sold (docs/connectors.md §3); none when absent. */
    invoicing: z
      .object({
        party: party.default("tax:chinatax"),
        seller: z
          .object({
            taxId: z.string().regex(/^[0-9A-Z]{15,20}$/, "a taxpayer id: 15-20 digits or capitals"),
            name: z.string().min(1).max(150),
            taxpayerType: z.enum(["general", "small-scale"]).default("general"),
          })
          .strict(),
        /** The seller's rate, e.g. "0.09"; never assumed. */
        taxRate: z.string().regex(/^0\.[0-9]{1,6}$/, 'a decimal rate such as "0.09"'),
        taxClassificationCode: z
          .string()
          .regex(/^[0-9]{19}$/)
          .default("3010101020101000000"),
        itemName: z.string().min(1).max(600).default("*运输服务*长途汽车旅客运输服务"),
        clerk: z.string().min(1).max(300).default("售票系统"),
        refundWithFee: z.enum(["partial", "red-and-blue"]).default("partial"),
        /** How often invoice numbers are asked for, for requests still without one. */
        followUpMs: z.number().int().min(20).default(2000),
      })
      .strict()
      .optional(),
    gateway: gatewayLink,
    outbox: outboxSettings,
  })
  .strict();

const ministry = z.object({ service: z.literal("ministry"), party, listen, store }).strict();

export const serviceConfigSchema = z.discriminatedUnion("service", [province, ministry]);
export type ServiceConfig = z.infer<typeof serviceConfigSchema>;
export type ProvinceServiceConfig = Extract<ServiceConfig, { service: "province" }>;
export type MinistryServiceConfig = Extract<ServiceConfig, { service: "ministry" }>;
/** A service's store: a SQLite file path, or a PostgreSQL database and schema. */
export type StoreConfig = ServiceConfig["store"];

/** Validates a parsed config; file paths are resolved against `baseDir`. Throws TicketingError invalid-config listing every problem. */
export function parseServiceConfig(raw: unknown, baseDir: string): ServiceConfig {
  const r = serviceConfigSchema.safeParse(raw);
  if (!r.success) {
    throw new TicketingError("invalid-config", `the service config is invalid:\n${configProblems(r.error)}`);
  }
  const c = r.data;
  const at = (p: string) => resolve(baseDir, p);
  const storeAt = (s: StoreConfig): StoreConfig => (typeof s === "string" ? at(s) : s);
  if (c.service === "ministry") return { ...c, store: storeAt(c.store) };
  return {
    ...c,
    store: storeAt(c.store),
    sealKeyFile: at(c.sealKeyFile),
    gateway: resolveGatewayLink(c.gateway, baseDir),
  };
}

export async function loadServiceConfig(path: string): Promise<ServiceConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch (cause) {
    throw new TicketingError("invalid-config", `${path}: not a readable JSON file`, { cause });
  }
  return parseServiceConfig(raw, dirname(path));
}
