import cluster from "node:cluster";
import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { createLogger, loadGatewayConfig, startGateway, watchGatewayConfig } from "@hutong/gateway";
import {
  type DevEnvironment,
  devDefaults,
  prepareDevEnvironment,
  type SimulatedBackend,
  sampleTickets,
  startSimulatedBackend,
} from "@hutong/gateway/dev";
import { freePort } from "@hutong/service-kit/dev";
import type { RunningProvinceService } from "@hutong/ticketing";
import { Command } from "commander";
import { UsageError } from "../support/usage-error.js";
import { connectorKinds } from "./connector-kinds.js";
import { startDevConsole } from "./dev-console.js";
import { startDevTicketing } from "./dev-ticketing.js";
import { checkWorkers, runWorkers, workerConfig, workerIndex } from "./gateway-workers.js";

interface StartFlags {
  config?: string;
  dev?: boolean;
  dataDir: string;
  port: string;
  backendPort: string;
  ticketingPort: string;
  consolePort: string;
  workers: string;
}

export function startCommand(): Command {
  return new Command("start")
    .description("run a gateway from a config file, or (--dev) on embedded development defaults")
    .option("--config <file>", "gateway config (YAML)")
    .option(
      "--dev",
      "first run: create a development PKI, config and state under --data-dir; then run with simulated provincial systems",
    )
    .option("--data-dir <dir>", "where --dev keeps its state (git-ignored)", ".hutong")
    .option("--port <port>", "listen port for --dev on first run (0: any free port)", String(devDefaults.port))
    .option(
      "--backend-port <port>",
      "port of the simulated systems for --dev on first run",
      String(devDefaults.backendPort),
    )
    .option(
      "--ticketing-port <port>",
      "port of the province e-ticket service for --dev on first run",
      String(devDefaults.ticketingPort),
    )
    .option(
      "--console-port <port>",
      "port of the web console for --dev (0: any free port)",
      String(devDefaults.consolePort),
    )
    .option(
      "--workers <n>",
      "processes sharing the listening port, one per core; more than one needs session.replayWindow: shared",
      "1",
    )
    .action(async (flags: StartFlags) => {
      if ((flags.config === undefined) === (flags.dev !== true))
        throw new UsageError("give exactly one of --config FILE or --dev");
      const workers = Number(flags.workers);
      if (workers !== 1 && flags.dev === true)
        throw new UsageError("--workers is for --config; --dev runs one process");
      let configPath = flags.config === undefined ? undefined : resolve(flags.config);
      let backend: SimulatedBackend | undefined;
      let ticketing: RunningProvinceService | undefined;
      let dev: DevEnvironment | undefined;
      if (flags.dev === true) {
        const dataDir = resolve(flags.dataDir);
        const existing = existsSync(join(dataDir, "gateway.yaml"))
          ? await loadGatewayConfig(join(dataDir, "gateway.yaml"))
          : undefined;
        // The simulated systems listen where an existing config routes to, else on --backend-port.
        const local = existing?.routeTable.resolve(existing.party);
        const backendPort =
          local?.target.kind === "local" ? Number(local.target.address.split(":").pop()) : Number(flags.backendPort);
        backend = await startSimulatedBackend(devDefaults.party.slice("prov:".length), backendPort);
        // The e-ticket service likewise; port 0 is settled now, so the config names the real one.
        const ticketingRoute = existing?.routeTable.resolve(devDefaults.ticketing);
        const ticketingPort =
          ticketingRoute?.target.kind === "local" && ticketingRoute.name.startsWith(devDefaults.ticketing)
            ? Number(ticketingRoute.target.address.split(":").pop())
            : Number(flags.ticketingPort) || (await freePort());
        const gatewayPort = existing?.listen.port ?? Number(flags.port);
        dev = await prepareDevEnvironment(dataDir, {
          port: Number(flags.port),
          backendAddress: backend.address,
          ticketingAddress: `${devDefaults.host}:${ticketingPort}`,
        });
        // It delivers nowhere, so the gateway's address is only its config's (unused when port 0).
        ticketing = await startDevTicketing(dev, ticketingPort, `${devDefaults.host}:${gatewayPort}`);
        configPath = dev.configPath;
        console.error(
          dev.created
            ? `hutong: first run: created a development PKI, ticket key and config under ${flags.dataDir}/`
            : `hutong: using the development state in ${flags.dataDir}/ (CRLs re-signed)`,
        );
        console.error(`hutong: simulated ${devDefaults.party} ticketing and licence systems on ${backend.address}`);
        console.error(`hutong: ${devDefaults.ticketing} e-ticket service (@hutong/ticketing) on ${ticketing.address}`);
      }
      if (configPath === undefined) throw new UsageError("no config");
      const loaded = await loadGatewayConfig(configPath);
      checkWorkers(workers, loaded);
      if (workers > 1 && cluster.isPrimary) {
        console.error(
          `hutong: ${loaded.party}: ${workers} workers sharing ${loaded.listen.host}:${loaded.listen.port}`,
        );
        await runWorkers(workers, (line) => console.error(line));
        process.exit(0);
      }
      const worker = workerIndex();
      const config = worker === undefined ? loaded : workerConfig(loaded, worker);
      const root = createLogger({ level: config.observability.logLevel, party: config.party });
      const logger = worker === undefined ? root : root.child({ worker });
      const gateway = await startGateway({ config, logger, connectorKinds });
      const watcher = watchGatewayConfig(configPath, {
        onReload: (next) => {
          gateway.reload(next).catch((err: unknown) => logger.error({ err }, "reload failed"));
        },
        onError: (err) => logger.error({ err: String(err) }, "config reload refused; keeping the running config"),
      });
      const where = `${gateway.address.host}:${gateway.address.port}`;
      console.error(
        `hutong: gateway ${config.party} listening on ${where} (h2c; SM2 sessions at the application layer)` +
          (worker === undefined ? "" : ` worker ${worker} pid ${process.pid}`),
      );
      let consoleRunning: Awaited<ReturnType<typeof startDevConsole>>["running"] | undefined;
      if (dev !== undefined) {
        await dev.writeProfile(where);
        const devConsole = await startDevConsole(
          dev,
          {
            party: config.party,
            address: where,
            auditOrigin: config.audit.origin ?? `hutong/${config.party}/audit/sm3`,
          },
          Number(flags.consolePort),
        );
        consoleRunning = devConsole.running;
        console.error(
          `hutong: web console on ${devConsole.running.url} — sign in as admin, password in ${relative(process.cwd(), devConsole.passwordFile)}`,
        );
        const profilePath = relative(process.cwd(), dev.profilePath);
        const ticketNo = sampleTickets(config.party.slice("prov:".length))[0]?.ticketNo ?? "";
        const req = JSON.stringify({
          context: { targetParty: config.party, purpose: "PURPOSE_BOARDING_CHECK", correlationId: "first-call" },
          ticketNo,
          scheduleNo: "K1021",
        });
        const ping = JSON.stringify({
          context: { targetParty: devDefaults.ticketing, purpose: "PURPOSE_REGULATORY_SUPERVISION" },
          nonce: "hello",
        });
        console.error(
          `\nMake a first authenticated call (as ${devDefaults.client}) from another terminal:\n\n` +
            `  npx hutong call --profile ${profilePath} hutong.v1.TicketService/VerifyTicket '${req}'\n` +
            `\nor ping the province's e-ticket service (JT/T 979.4's connectivity test):\n\n` +
            `  npx hutong call --profile ${profilePath} hutong.v1.TicketEventService/Ping '${ping}'\n`,
        );
      }
      const stop = async () => {
        watcher.close();
        await consoleRunning?.close();
        await gateway.close();
        await ticketing?.close();
        await backend?.close();
        process.exit(0);
      };
      process.once("SIGINT", () => void stop());
      process.once("SIGTERM", () => void stop());
    });
}
