import { isIP } from "node:net";

// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens.
const hostName =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * A host to listen on or dial: a DNS name, an IPv4 address or a bare IPv6
 * address. A name whose last label is all digits is refused (RFC 3696 §2), so
 * a mistyped address like 127.0.0.256 is an error, not a DNS look-up.
 */
export function isHost(text: string): boolean {
  if (isIP(text) !== 0) return true;
  return hostName.test(text) && !/(?:^|\.)[0-9]+$/.test(text);
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses "host:port" as gRPC targets spell it: "127.0.0.1:9001",
 * "backend.internal:9001", "[::1]:9001". The port is required (1..65535)
 * because a silently defaulted port is a classic misrouting.
 */
export function parseHostPort(text: string): HostPort | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(text);
  if (match === null) return undefined;
  const v6 = match[1];
  const host = v6 ?? match[2] ?? "";
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  if (v6 !== undefined ? isIP(v6) !== 6 : !isHost(host)) return undefined;
  return { host, port };
}
