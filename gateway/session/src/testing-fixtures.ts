import {
  type Certificate,
  type Crl,
  createCertificate,
  createCrl,
  type ExtKeyUsageName,
  generateSm2PrivateKey,
  type Sm2PrivateKey,
} from "@hutong/certs";
import { createClientSession } from "./client-session.js";
import { createHandshakeClient, type HandshakeClientOptions } from "./handshake-client.js";
import { createHandshakeServer, type HandshakeServerOptions } from "./handshake-server.js";
import { createTicketKeyring, type TicketKeyring } from "./ticket-keyring.js";

/** Test support: a small real SM2 PKI (root → leaves) and ready-made handshake parties. */
export const day = 86_400_000;
export const fixedNow = Date.parse("2026-06-01T00:00:00Z");
export const serverParty = "mot";
export const clientParty = "prov:510000";

export interface Issued {
  readonly cert: Certificate;
  readonly key: Sm2PrivateKey;
}

function root(commonName: string): Issued {
  const key = generateSm2PrivateKey();
  const cert = createCertificate({
    subject: { commonName, organization: "hutong" },
    publicKey: key.publicKey,
    selfSignKey: key,
    ca: {},
    notBefore: new Date(fixedNow - 30 * day),
    notAfter: new Date(fixedNow + 3650 * day),
  });
  return { cert, key };
}

/** A leaf certificate of `partyId` (`undefined`: one that names no party, outside the profile). */
export function issueLeaf(
  issuer: Issued,
  partyId: string | undefined,
  eku: readonly ExtKeyUsageName[],
  notAfter?: number,
): Issued {
  const key = generateSm2PrivateKey();
  const cert = createCertificate({
    subject: { commonName: partyId ?? "no party", organization: "hutong" },
    publicKey: key.publicKey,
    issuer: { certificate: issuer.cert, privateKey: issuer.key },
    ...(partyId === undefined ? {} : { partyId }),
    extKeyUsage: eku,
    notBefore: new Date(fixedNow - 30 * day),
    notAfter: new Date(notAfter ?? fixedNow + 365 * day),
  });
  return { cert, key };
}

export function crlOf(issuer: Issued, revoked: readonly { cert: Certificate; at: number }[] = []): Crl {
  return createCrl({
    issuer: issuer.cert,
    issuerKey: issuer.key,
    thisUpdate: new Date(fixedNow - day),
    nextUpdate: new Date(fixedNow + 7 * day),
    crlNumber: BigInt(revoked.length + 1),
    entries: revoked.map((r) => ({ serialHex: r.cert.serialHex, revocationDate: new Date(r.at) })),
  });
}

export interface SessionPki {
  readonly root: Issued;
  readonly crl: Crl;
  readonly server: Issued;
  readonly client: Issued;
  /** A valid server certificate, but for another party. */
  readonly otherServer: Issued;
  /** A client certificate with serverAuth only. */
  readonly serverAuthOnlyClient: Issued;
  readonly revokedClient: Issued;
  /** A CRL listing revokedClient (revoked a day ago). */
  readonly crlWithRevoked: Crl;
  /** A client certificate from a CA nobody trusts. */
  readonly untrustedClient: Issued;
  /** A client certificate of the trusted CA that names no party. */
  readonly noPartyClient: Issued;
}

let cached: SessionPki | undefined;

/** Built once per process: certificate issuance is slow on the pure-JS backend. */
export function sessionPki(): SessionPki {
  if (cached !== undefined) return cached;
  const r = root("hutong session test root");
  const rogue = root("rogue root");
  const revokedClient = issueLeaf(r, clientParty, ["clientAuth"]);
  cached = {
    root: r,
    crl: crlOf(r),
    server: issueLeaf(r, serverParty, ["serverAuth"]),
    client: issueLeaf(r, clientParty, ["clientAuth"]),
    otherServer: issueLeaf(r, "prov:440000", ["serverAuth"]),
    serverAuthOnlyClient: issueLeaf(r, clientParty, ["serverAuth"]),
    revokedClient,
    crlWithRevoked: crlOf(r, [{ cert: revokedClient.cert, at: fixedNow - day }]),
    untrustedClient: issueLeaf(rogue, clientParty, ["clientAuth"]),
    noPartyClient: issueLeaf(r, undefined, ["clientAuth"]),
  };
  return cached;
}

export function testKeyring(id = 1, fill = 7, previous?: { id: number; fill: number }): TicketKeyring {
  return createTicketKeyring({
    current: { id, secret: new Uint8Array(32).fill(fill) },
    ...(previous === undefined
      ? {}
      : { previous: { id: previous.id, secret: new Uint8Array(32).fill(previous.fill) } }),
  });
}

export function testServer(overrides: Partial<HandshakeServerOptions> = {}) {
  const pki = sessionPki();
  return createHandshakeServer({
    partyId: serverParty,
    privateKey: pki.server.key,
    chain: [pki.server.cert.der],
    trust: { trustAnchors: [pki.root.cert] },
    keyring: testKeyring(),
    ...overrides,
  });
}

export function testClient(who: Issued = sessionPki().client, overrides: Partial<HandshakeClientOptions> = {}) {
  return createHandshakeClient({
    privateKey: who.key,
    chain: [who.cert.der],
    trust: { trustAnchors: [sessionPki().root.cert] },
    ...overrides,
  });
}

/** A complete handshake against `server`; returns the client session and the established state. */
export async function handshake(server = testServer(), client = testClient(), now = fixedNow) {
  const crls = [sessionPki().crl];
  const hs = client.start(serverParty);
  const sh = await server.hello(hs.clientHello, { now, crls });
  const awaiting = await hs.receive(sh, { now, crls });
  const sf = await server.finish(awaiting.clientFinish, { now });
  const established = awaiting.complete(sf);
  return { established, session: createClientSession(established), serverFinish: sf, serverHello: sh, awaiting };
}
