import { readFileSync } from "node:fs";
import type { WireChannelOptions } from "@hutong/wire";
import { GatewayError } from "./gateway-error.js";

/** TLS 1.3 under a peer gateway link, as the config gives it (routes[].peer.tls, audit.witnesses[].tls). */
export interface PeerTlsConfig {
  /** PEM file of the CA(s) the peer's TLS certificate must chain to; default the system's CAs. */
  readonly caFile?: string | undefined;
  /** The name the peer's certificate must carry; default the host of its address. */
  readonly serverName?: string | undefined;
}

/**
 * The wire channel's TLS options for a peer link, reading the CA file now (when the link is made,
 * so a renewed file is picked up by the next link). The session runs inside the TLS either way.
 */
export function peerChannelTls(tls: PeerTlsConfig | undefined): Pick<WireChannelOptions, "tls"> {
  if (tls === undefined) return {};
  let ca: Buffer | undefined;
  if (tls.caFile !== undefined) {
    try {
      ca = readFileSync(tls.caFile);
    } catch (cause) {
      throw new GatewayError("target-unavailable", `cannot read the peer link's TLS CA file ${tls.caFile}`, { cause });
    }
  }
  return {
    tls: {
      ...(ca === undefined ? {} : { ca }),
      ...(tls.serverName === undefined ? {} : { servername: tls.serverName }),
    },
  };
}
