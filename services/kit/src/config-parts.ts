import { resolve } from "node:path";
import { z } from "zod";

// The parts every reference service's configuration shares (docs/tickets.md §6,
// docs/licences.md §7), validated once with zod; each service composes its own schema of them.

export const partyId = z
  .string()
  .regex(/^(prov:\d{6}|mot|rail:[a-z0-9-]+|air:[a-z0-9-]+|tax:[a-z0-9-]+)(\/[a-z0-9][a-z0-9-]{0,31})?$/, "a party id");

export const listenAddress = z
  .object({ host: z.string().default("127.0.0.1"), port: z.number().int().min(0).max(65535) })
  .strict();

/** How a service reaches its own gateway (the outbox's deliveries, its calls): its identity and trust. */
export const gatewayLink = z
  .object({
    address: z.string().regex(/^[^:]+:\d+$/, "host:port"),
    party: partyId,
    chain: z.string(),
    key: z.string(),
    anchors: z.array(z.string()).min(1),
    crls: z.array(z.string()).default([]),
  })
  .strict();
export type GatewayLink = z.infer<typeof gatewayLink>;

/** The outbox dispatcher's settings. */
export const outboxSettings = z
  .object({
    concurrency: z.number().int().min(1).max(256).default(32),
    pollIntervalMs: z.number().int().min(10).default(200),
    retryBaseMs: z.number().int().min(1).default(100),
    retryCapMs: z.number().int().min(1).default(5000),
    breakerCoolDownMs: z.number().int().min(1).default(2000),
  })
  .strict()
  .default({ concurrency: 32, pollIntervalMs: 200, retryBaseMs: 100, retryCapMs: 5000, breakerCoolDownMs: 2000 });
export type OutboxSettings = z.infer<typeof outboxSettings>;

/** `link` with its files resolved against `baseDir`. */
export function resolveGatewayLink(link: GatewayLink, baseDir: string): GatewayLink {
  const at = (p: string) => resolve(baseDir, p);
  return { ...link, chain: at(link.chain), key: at(link.key), anchors: link.anchors.map(at), crls: link.crls.map(at) };
}

/** Every problem of a failed parse, one per line with its path. */
export function configProblems(error: z.ZodError): string {
  return error.issues.map((i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n");
}
