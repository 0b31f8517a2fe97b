import { BlockList, isIP } from "node:net";

/**
 * The remote host of a call, from the wire server's `peer` ("10.1.2.3:5000", "[::1]:5000", or
 * "unknown"): what the handshake admission rates and the plaintext policy's `loopback` checks.
 * Behind a proxy it is the proxy's address; see docs/gateway.md.
 */
export function remoteHost(peer: string): string | undefined {
  const m = /^\[?([^\]]*)\]?:\d+$/.exec(peer);
  const host = m?.[1];
  return host !== undefined && isIP(host) !== 0 ? host : undefined;
}

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

/** 127.0.0.0/8, ::1, or an IPv4-mapped 127.x address. */
export function isLoopbackHost(host: string): boolean {
  const family = isIP(host);
  return family !== 0 && loopback.check(host, family === 4 ? "ipv4" : "ipv6");
}
