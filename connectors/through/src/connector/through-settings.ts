import { resolve } from "node:path";
import type { SettingsCheck } from "@hutong/gateway/ports";
import { z } from "zod";

// `connectors.<name>.settings` of a through-ticket connector (a rail or an air partner).

const hostPort = z.string().regex(/^[^:\s]+:\d{1,5}$/, "host:port");

const schema = z.strictObject({
  /** The partner's party id: the connector speaks for it in the federation (its certificate). */
  party: z.string().regex(/^(rail|air):[a-z0-9][a-z0-9-]{0,31}$/, "a partner party such as rail:cr or air:ca"),
  /** Which assumed shape the partner speaks (partner-api.ts). */
  protocol: z.enum(["rail", "air"]),
  baseUrl: z.string().regex(/^https?:\/\/[^/\s]+$/, "http(s)://host[:port], no path"),
  appKey: z.string().regex(/^[\x21-\x7e]{1,64}$/, "1..64 printable ASCII"),
  /** The app secret (32 bytes, hex), for both directions: the connector's calls and the partner's. */
  appSecretFile: z.string().min(1),
  /** 32 bytes (hex): notices, which name the passenger, are sealed with it in the outbox. */
  sealKeyFile: z.string().min(1),
  /** The partner's certificate and key in the federation, and what to trust. */
  identity: z.strictObject({ chain: z.string().min(1), key: z.string().min(1) }),
  anchors: z.array(z.string().min(1)).min(1),
  crls: z.array(z.string().min(1)).default([]),
  /** The hosting gateway, which the connector calls (as the partner) to reach the provinces. */
  gateway: z.strictObject({ address: hostPort, party: z.string().min(1) }),
  /** The e-ticket service of a selling province: "{province}" is its 6-digit code. */
  ticketing: z.string().includes("{province}").default("prov:{province}/ticketing"),
  /** How often the partner's notice feed is pulled when it was empty. */
  pollIntervalMs: z.int().min(10).max(600_000).default(1000),
  pageSize: z.int().min(1).max(500).default(100),
  requestTimeoutMs: z.int().min(100).max(120_000).default(8000),
  /** Where the connector listens for the partner's own calls (its road-leg queries). */
  listen: z.strictObject({ host: z.string().default("127.0.0.1"), port: z.int().min(0).max(65_535) }),
});

export type ThroughSettings = z.output<typeof schema>;

export function checkThroughSettings(value: unknown, baseDir: string): SettingsCheck<ThroughSettings> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join(".") || "(settings)"}: ${i.message}`) };
  }
  const s = parsed.data;
  const at = (p: string) => resolve(baseDir, p);
  return {
    ok: true,
    settings: {
      ...s,
      appSecretFile: at(s.appSecretFile),
      sealKeyFile: at(s.sealKeyFile),
      identity: { chain: at(s.identity.chain), key: at(s.identity.key) },
      anchors: s.anchors.map(at),
      crls: s.crls.map(at),
    },
  };
}
