import type { Crl } from "@hutong/certs";
import type { Credentials } from "@hutong/client";

/** What every outbound session of this gateway (forwarder, witnesses, the outbox's peers) is made from. */
export interface PeerLink {
  readonly self: Credentials;
  readonly crls: () => readonly Crl[];
  readonly maxMessageBytes: number;
  readonly now: () => number;
}
