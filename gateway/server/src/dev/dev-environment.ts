import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { stringify } from "yaml";
import { type DevPki, openDevPki } from "./dev-pki.js";

/** The embedded defaults of `npm start`: one all-in-one gateway for Sichuan with its simulated systems. */
export const devDefaults = {
  party: "prov:510000",
  client: "prov:510000/ticketing",
  host: "127.0.0.1",
  port: 7443,
  backendPort: 7444,
  /** The province's e-ticket service (`@hutong/ticketing`, started by `hutong start --dev`). */
  ticketing: "prov:510000/ticketing",
  ticketingPort: 7445,
  /** The web console (`@hutong/console`), reading this gateway as its own party. */
  console: "prov:510000/console",
  consolePort: 7446,
} as const;

/** What the console may call on the development gateway (docs/console.md, "Gateway ACL"). */
export const consoleAclMethods = [
  "hutong.v1.RegistryService/*",
  "hutong.v1.AuditService/GetCheckpoint",
  "hutong.v1.AuditService/ProveInclusion",
  "hutong.v1.AuditService/QueryEntries",
  "hutong.v1.AuditService/ExportEntries",
  "hutong.v1.OutboxAdminService/*",
  "hutong.v1.GrantService/ListGrants",
] as const;

export interface DevEnvironment {
  readonly dataDir: string;
  readonly configPath: string;
  readonly profilePath: string;
  /** True when this run created the PKI and config (first run). */
  readonly created: boolean;
  /** The development PKI (the e-ticket service's certificate is `pki.party(devDefaults.ticketing)`). */
  readonly pki: DevPki;
  /** Writes the client profile for `hutong call --profile`, once the gateway's address is known. */
  writeProfile(address: string): Promise<void>;
}

/**
 * Creates (first run) or refreshes (later runs: CRLs re-signed) the
 * development state under `dataDir`: a PKI, a ticket key, a gateway config
 * the operator may edit, and a client profile for `hutong call --profile`.
 */
export async function prepareDevEnvironment(
  dataDir: string,
  options: { readonly port?: number; readonly backendAddress?: string; readonly ticketingAddress?: string } = {},
): Promise<DevEnvironment> {
  const configPath = join(dataDir, "gateway.yaml");
  const profilePath = join(dataDir, "client-profile.json");
  const created = !existsSync(configPath);
  await mkdir(dataDir, { recursive: true });
  const pki = await openDevPki(join(dataDir, "pki"), [
    { id: devDefaults.party, role: "gateway" },
    { id: devDefaults.client, role: "system" },
    { id: devDefaults.console, role: "system" },
  ]);
  const ticketKey = await pki.ticketKeyFile("ticket-key-1");
  const subjectKey = await pki.subjectKeyFile();
  const port = options.port ?? devDefaults.port;
  // Paths in the config are relative to it, so the data directory can be moved.
  const rel = (p: string) => relative(dataDir, p);
  if (created) {
    const config = {
      party: devDefaults.party,
      // One node, its own systems behind it and no peers yet: the embedded default.
      role: "all-in-one",
      listen: { host: devDefaults.host, port },
      dataDir: ".",
      identity: { chain: rel(pki.party(devDefaults.party).chain), key: rel(pki.party(devDefaults.party).key) },
      trust: { anchors: [rel(pki.rootCert)], crls: pki.crls.map(rel), crlRefreshSeconds: 60 },
      session: { ticketKeys: { current: { id: 1, secretFile: rel(ticketKey) } } },
      routes: [
        // The province's e-ticket service: station uploads, status, reconciliation, its tickets.
        {
          match: devDefaults.ticketing,
          local: options.ticketingAddress ?? `127.0.0.1:${devDefaults.ticketingPort}`,
          timeoutMs: 5000,
        },
        {
          match: devDefaults.party,
          local: options.backendAddress ?? `127.0.0.1:${devDefaults.backendPort}`,
          timeoutMs: 5000,
        },
      ],
      acl: [
        {
          callers: [`${devDefaults.party}/*`],
          methods: ["hutong.v1.TicketService/*", "hutong.v1.LicenceService/*"],
          targets: [devDefaults.party],
        },
        {
          callers: [`${devDefaults.party}/*`],
          methods: ["hutong.v1.TicketEventService/*", "hutong.v1.TicketService/*"],
          targets: [devDefaults.ticketing],
        },
        // The web console reads the registry, the audit log, grants and the outbox.
        { callers: [devDefaults.console], methods: [...consoleAclMethods] },
      ],
      // Reflection for grpcurl and the like; this gateway listens on loopback only, and reflection
      // streams are bounded like every unauthenticated stream (docs/gateway.md, Resource limits).
      reflection: true,
      // The audit log and grants in <dataDir>/hutong.db (SQLite); the subject key digests ID numbers.
      grants: { subjectKeyFile: rel(subjectKey), holderAnchors: [rel(pki.holderCaCert)] },
      observability: { logLevel: "info" },
    };
    await writeFile(
      configPath,
      `# hutong gateway, development defaults written by \`npm start\` on first run; edit and send SIGHUP to reload.\n${stringify(config)}`,
    );
  }
  const clientFiles = pki.party(devDefaults.client);
  return {
    dataDir,
    configPath,
    profilePath,
    created,
    pki,
    async writeProfile(address) {
      // The profile format of docs/session-protocol.md §11: paths relative to the profile itself.
      const profile = {
        address,
        gateway: devDefaults.party,
        chain: rel(clientFiles.chain),
        key: rel(clientFiles.key),
        trust: [rel(pki.rootCert)],
        crl: pki.crls.map(rel),
      };
      await writeFile(profilePath, `${JSON.stringify(profile, null, 2)}\n`);
    },
  };
}
