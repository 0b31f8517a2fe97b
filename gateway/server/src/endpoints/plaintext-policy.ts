import type { PlaintextRequest } from "@hutong/session";
import { compilePartyPattern, matchesParty } from "../routing/party-pattern.js";
import { isLoopbackHost } from "./peer-address.js";

/**
 * The server's answer to a client asking for a plaintext session (docs/session-protocol.md §6.3),
 * from config `session.acceptPlaintext`: yes only when an entry names it, a party pattern matching
 * the client's certified party, or `loopback` and the client connects from a loopback address.
 * Empty (the default): every session is encrypted. `loopback` is never implied: behind a proxy on
 * the same host every client looks like 127.0.0.1, and it is the proxy that must see ciphertext.
 */
export function createPlaintextPolicy(entries: readonly string[]): (request: PlaintextRequest) => boolean {
  const loopback = entries.includes("loopback");
  const parties = entries.filter((e) => e !== "loopback").map(compilePartyPattern);
  if (!loopback && parties.length === 0) return () => false;
  return ({ party, address }) =>
    (loopback && address !== undefined && isLoopbackHost(address)) || parties.some((p) => matchesParty(p, party));
}
