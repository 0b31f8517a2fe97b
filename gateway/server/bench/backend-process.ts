// Benchmark child: the simulated province systems (a grpc-js TicketService), the one backend
// both the baseline forwarder and the hutong gateway forward to.
import { startSimulatedBackend } from "../src/dev/simulated-backends.js";
import type { ListeningReport } from "./bench-protocol.js";
import { exitWithParent, reportToParent, runChild } from "./child-runtime.js";

runChild(async () => {
  const backend = await startSimulatedBackend("510000");
  exitWithParent(() => backend.close());
  await reportToParent({ address: backend.address } satisfies ListeningReport);
});
