// Benchmark child: one hutong gateway, started from a config exactly as `hutong start` would
// (session checks, per-call MACs, ACL, routing, tracing and metrics all on; logs silent and no
// exporters, so nothing leaves the process).
import { parseGatewayConfig } from "../src/config/gateway-config.js";
import { startGateway } from "../src/gateway/start-gateway.js";
import type { ListeningReport } from "./bench-protocol.js";
import { childArgs, exitWithParent, reportToParent, runChild } from "./child-runtime.js";

runChild(async () => {
  const { config, dir } = childArgs<{ config: Record<string, unknown>; dir: string }>();
  const gateway = await startGateway({ config: parseGatewayConfig(config, dir) });
  exitWithParent(() => gateway.close());
  await reportToParent({ address: `127.0.0.1:${gateway.address.port}` } satisfies ListeningReport);
});
