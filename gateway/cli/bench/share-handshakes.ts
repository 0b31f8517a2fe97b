// bench:share child: `loops` clients doing full handshakes back to back against province A's
// gateway through @hutong/client's session client (Hello + Finish: both sides validate the other's
// two-certificate chain against the CRLs, sign, verify and do the ECDH). Each one is a fresh
// handshake: connect() runs it, reset() forgets the session. Prints one HandshakeResult line.
import { performance } from "node:perf_hooks";
import { createSessionClient, createWireTransport, loadCredentialFiles } from "@hutong/client";
import { createWireChannel } from "@hutong/wire";
import { childArgs, cpuNow, report, runChild } from "./share-child-runtime.js";
import type { HandshakeArgs, HandshakeResult } from "./share-protocol.js";

runChild(async () => {
  const args = childArgs<HandshakeArgs>();
  const creds = await loadCredentialFiles(args.identity);
  const channel = createWireChannel(args.gateway);
  const transport = createWireTransport(channel);
  let errors = 0;
  let firstError: string | undefined;
  let total = 0;
  let counted = 0;
  const cpu0 = cpuNow();
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
  const cpuUs = cpuNow() - cpu0;
  channel.close();
  await report({
    handshakes: counted,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    total,
    cpuUs,
  } satisfies HandshakeResult);
  process.exit(0);
});
