import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { SettingsCheck } from "@hutong/gateway/ports";
import { z } from "zod";

// `connectors.<name>.settings` of a tax-einvoice connector. Secrets are files (hex), never inline.

const schema = z.strictObject({
  /** The channel's party id: where routes and outbox messages point. */
  party: z
    .string()
    .regex(/^tax:[a-z0-9][a-z0-9-]{0,31}$/, "a tax party id such as tax:chinatax")
    .default("tax:chinatax"),
  /** The channel's base URL, e.g. https://lqpt.chinatax.gov.cn:8443 or a SaaS channel's. */
  baseUrl: z.string().regex(/^https?:\/\/[^/\s]+$/, "http(s)://host[:port], no path or trailing slash"),
  appKey: z.string().regex(/^[\x21-\x7e]{1,64}$/, "1..64 printable ASCII"),
  /** File holding the app secret in hex. */
  appSecretFile: z.string().min(1),
  /** File holding 32 bytes in hex: the key instructions are sealed with in the gateway's outbox. */
  sealKeyFile: z.string().min(1),
  /** One HTTP call's limit (a reversal's delivery may make five: the topic's timeoutMs must hold them). */
  requestTimeoutMs: z.int().min(100).max(120_000).default(2000),
  /** Which seller tax ids (纳税人识别号) each calling party may invoice as. */
  sellers: z.record(
    z.string().regex(/^[a-z]+:[^\s]+$/, "a party id"),
    z.array(z.string().regex(/^[0-9A-Z]{15,20}$/, "a taxpayer id: 15-20 digits or capitals")).min(1),
  ),
});

export type TaxSettings = z.output<typeof schema>;

export function checkTaxSettings(value: unknown, baseDir: string): SettingsCheck<TaxSettings> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join(".") || "(settings)"}: ${i.message}`) };
  }
  const s = parsed.data;
  return {
    ok: true,
    settings: { ...s, appSecretFile: resolve(baseDir, s.appSecretFile), sealKeyFile: resolve(baseDir, s.sealKeyFile) },
  };
}

/** Reads a hex secret file; `bytes` when the length is fixed. */
export async function readHexFile(path: string, what: string, bytes?: number): Promise<Uint8Array> {
  const text = (await readFile(path, "utf8")).trim();
  if (!/^([0-9a-fA-F]{2})+$/.test(text) || (bytes !== undefined && text.length !== bytes * 2)) {
    throw new Error(`${what} (${path}) must hold ${bytes === undefined ? "" : `${bytes} bytes as `}hex`);
  }
  return Buffer.from(text, "hex");
}
