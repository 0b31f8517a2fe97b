import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { isCheckpointError, parseSm2VerifierKey } from "@hutong/audit";
import { isCertsError, parsePartyId } from "@hutong/certs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { ConsoleError } from "../errors/console-error.js";

// The console's configuration (docs/console.md): who it is in the federation, which gateways it
// reads, the keys it trusts their logs by, where its accounts live. Parsed and checked once, at
// start; every problem is reported with its path.

const partyId = z.string().superRefine((v, ctx) => {
  try {
    parsePartyId(v);
  } catch (e) {
    if (!isCertsError(e)) throw e;
    ctx.addIssue({ code: "custom", message: e.message, input: v });
  }
});
const hostPort = z.string().regex(/^[A-Za-z0-9.\-[\]:]+:[0-9]{1,5}$/, 'expected "host:port"');
const file = z.string().min(1);
/** An SM2 signed-note verifier key, checked whole (point on the curve, key id) at start, not mid-request. */
const verifierKey = z.string().superRefine((v, ctx) => {
  try {
    parseSm2VerifierKey(v);
  } catch (e) {
    if (!isCheckpointError(e)) throw e;
    ctx.addIssue({
      code: "custom",
      message: `expected a signed-note verifier key: ${e.message}`,
      input: v.slice(0, 80),
    });
  }
});

const gatewaySchema = z.strictObject({
  party: partyId,
  /** Shown in the page (e.g. 四川省); the party id when absent. */
  displayName: z.string().min(1).max(64).optional(),
  address: hostPort,
  /** The log's verifier key (its origin as key name), as the federation publishes it. */
  logKey: verifierKey.optional(),
  /** Witnesses expected to cosign this gateway's checkpoints: cosignature verifier keys. */
  witnesses: z.array(verifierKey).default([]),
});

const consoleFileSchema = z.strictObject({
  listen: z.strictObject({ host: z.string().min(1).default("127.0.0.1"), port: z.int().min(0).max(65535) }),
  /** The console's own party and SM2 credential: it calls every gateway as this party. */
  party: partyId,
  identity: z.strictObject({ chain: file, key: file }),
  trust: z.strictObject({ anchors: z.array(file).min(1), crls: z.array(file).default([]) }),
  gateways: z.array(gatewaySchema).min(1),
  /** The federation subject key (64 hex digits in a file): an entered ID number becomes its digest. */
  subjectKeyFile: file,
  /** The account store (accounts/account-file.ts). */
  accountsFile: file,
  /** Where the ministry's services are reached: through which gateway, at which party. */
  services: z
    .strictObject({
      via: partyId,
      statistics: partyId.optional(),
      licenceLibrary: partyId.optional(),
    })
    .optional(),
  sessions: z
    .strictObject({
      idleMinutes: z
        .int()
        .min(1)
        .max(24 * 60)
        .default(30),
      maxSignInFailures: z.int().min(1).max(100).default(5),
      lockoutMinutes: z
        .int()
        .min(1)
        .max(24 * 60)
        .default(15),
    })
    .prefault({}),
  /**
   * Marks the session cookie Secure (__Host- prefixed): the browser sends it over HTTPS only. Default:
   * on, unless the console listens on loopback (development, or a TLS proxy on the same host).
   */
  secureCookie: z.boolean().optional(),
  /** The built page (console/web/dist); default: the package's own. */
  webRoot: file.optional(),
});

export type ConsoleGatewayConfig = z.infer<typeof gatewaySchema>;
export type ConsoleConfig = z.infer<typeof consoleFileSchema>;

/** Parses a raw config object; relative paths resolve against `baseDir`. */
export function parseConsoleConfig(raw: unknown, baseDir: string): ConsoleConfig {
  const parsed = consoleFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConsoleError("invalid-config", `invalid console config:\n${z.prettifyError(parsed.error)}`);
  }
  const c = parsed.data;
  const at = (p: string) => resolve(baseDir, p);
  const parties = c.gateways.map((g) => g.party);
  const duplicate = parties.find((p, i) => parties.indexOf(p) !== i);
  if (duplicate !== undefined) throw new ConsoleError("invalid-config", `gateways: ${duplicate} is listed twice`);
  if (c.services !== undefined && !parties.includes(c.services.via)) {
    throw new ConsoleError("invalid-config", `services.via: ${c.services.via} is not one of the gateways`);
  }
  return {
    ...c,
    identity: { chain: at(c.identity.chain), key: at(c.identity.key) },
    trust: { anchors: c.trust.anchors.map(at), crls: c.trust.crls.map(at) },
    subjectKeyFile: at(c.subjectKeyFile),
    accountsFile: at(c.accountsFile),
    ...(c.webRoot === undefined ? {} : { webRoot: at(c.webRoot) }),
  };
}

export async function loadConsoleConfig(path: string): Promise<ConsoleConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new ConsoleError("invalid-config", `cannot read the console config ${path}`, { cause });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (cause) {
    throw new ConsoleError("invalid-config", `${path} is not valid YAML`, { cause });
  }
  return parseConsoleConfig(raw, dirname(resolve(path)));
}
