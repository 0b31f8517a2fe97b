import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type DevEnvironment, devDefaults } from "@hutong/gateway/dev";
import { type RunningProvinceService, simulatedProvince, startProvinceService } from "@hutong/ticketing";

/**
 * `hutong start --dev`'s province e-ticket service (`@hutong/ticketing`): Sichuan's, with a small
 * invented registry of stations and routes, its store and seal key under the data directory. It
 * delivers nowhere (an all-in-one node has no other province and no ministry to tell), so its
 * tickets and events stay with it; `npm run demo` and `npm run scenario:tickets` run the
 * federation that does deliver.
 */
export async function startDevTicketing(
  dev: DevEnvironment,
  port: number,
  gatewayAddress: string,
): Promise<RunningProvinceService> {
  const sealKeyFile = join(dev.dataDir, "ticketing-seal-key");
  if (!existsSync(sealKeyFile)) await writeFile(sealKeyFile, randomBytes(32).toString("hex"), { mode: 0o600 });
  const registry = simulatedProvince("510000", ["440000", "310000"], 6, 20261205);
  const files = dev.pki.party(devDefaults.ticketing);
  return startProvinceService(
    {
      service: "province",
      party: devDefaults.ticketing,
      province: "510000",
      listen: { host: devDefaults.host, port },
      store: join(dev.dataDir, "ticketing-510000.sqlite"),
      sealKeyFile,
      stations: registry.stations.map((s) => ({ ...s })),
      routes: registry.routes.map((r) => ({ code: r.code, customised: r.customised })),
      eventRoutes: [],
      routeParty: "prov:{province}/ticketing",
      statistics: "mot/statistics",
      through: { checkIntervalMs: 10_000, minTransferMinutes: 30 },
      gateway: {
        address: gatewayAddress,
        party: devDefaults.party,
        chain: files.chain,
        key: files.key,
        anchors: [dev.pki.rootCert],
        crls: [...dev.pki.crls],
      },
      outbox: { concurrency: 4, pollIntervalMs: 1000, retryBaseMs: 500, retryCapMs: 60_000, breakerCoolDownMs: 30_000 },
    },
    {
      error: (message, cause) =>
        console.error(`hutong: e-ticket service: ${message}: ${cause instanceof Error ? cause.name : "error"}`),
    },
  );
}
