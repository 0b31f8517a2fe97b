// bench:share child: one hutong gateway started from its config as `hutong start` starts it (the
// share pipeline whole: session checks, SM4, ACL, grants, minimisation, the audit log in SQLite,
// routing; logs silent, no exporters). Answers "cpu" and "audit" (its audit log's size).
import { parseGatewayConfig, startGateway } from "@hutong/gateway";
import { childArgs, report, runChild, serveParent } from "./share-child-runtime.js";
import type { AuditReport, ReadyReport } from "./share-protocol.js";

runChild(async () => {
  const { config, dir } = childArgs<{ config: Record<string, unknown>; dir: string }>();
  const gateway = await startGateway({ config: parseGatewayConfig(config, dir) });
  serveParent(() => gateway.close(), {
    audit: async (): Promise<AuditReport> => ({ entries: (await gateway.auditLog.head()).size }),
  });
  await report({ address: `127.0.0.1:${gateway.address.port}` } satisfies ReadyReport);
});
