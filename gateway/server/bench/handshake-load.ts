// Benchmark child: `loops` clients doing full handshakes back to back against the gateway through
// the SDK's session client (Hello + Finish: both sides validate the other's two-certificate chain
// against the CRLs, sign, verify and do the ECDH). Each handshake is a fresh one: connect() runs it,
// reset() forgets the session. Prints one HandshakeResult JSON line.
import { performance } from "node:perf_hooks";
import { createSessionClient, createWireTransport } from "@hutong/client";
import { createWireChannel } from "@hutong/wire";
import type { HandshakeLoadArgs, HandshakeResult } from "./bench-protocol.js";
import { loadClientCredentials } from "./bench-session.js";
import { childArgs, exitWithParent, reportToParent, runChild } from "./child-runtime.js";

runChild(async () => {
  const args = childArgs<HandshakeLoadArgs>();
  exitWithParent();
  const creds = await loadClientCredentials(args.identity);
  const channel = createWireChannel(args.gateway);
  const transport = createWireTransport(channel);
  let errors = 0;
  let firstError: string | undefined;
  let total = 0;
  let counted = 0;

  const cpu0 = process.cpuUsage();
  const windowStart = performance.now() + args.warmupSeconds * 1000;
  const windowEnd = windowStart + args.seconds * 1000;
  const loop = async () => {
    const client = createSessionClient({
      transport,
      serverParty: args.gatewayParty,
      privateKey: creds.privateKey,
      chain: creds.chain,
      trust: creds.trust,
      crls: () => creds.crls,
    });
    while (performance.now() < windowEnd) {
      try {
        await client.connect();
        total++;
        const ended = performance.now();
        if (ended >= windowStart && ended <= windowEnd) counted++;
      } catch (e) {
        errors++;
        firstError ??= e instanceof Error ? e.message : String(e);
      }
      client.reset();
    }
  };
  await Promise.all(Array.from({ length: args.loops }, loop));
  const cpu = process.cpuUsage(cpu0);
  channel.close();
  const result: HandshakeResult = {
    handshakes: counted,
    seconds: args.seconds,
    perSecond: Math.round((counted / args.seconds) * 10) / 10,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    totalHandshakes: total,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
  };
  await reportToParent(result);
  process.exit(0);
});
