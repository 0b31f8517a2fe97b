// Test support for the GrantService specs: a gateway-shaped server (handshake, call verifier, the
// grant endpoint wrapped as gateway.ts wraps its local services) over a grant registry on a real
// SQLite store, all on one in-memory testing PKI, on a fixed clock (the PKI's `now`).
import { randomBytes } from "node:crypto";
import { type Crl, createCertificate, generateSm2PrivateKey } from "@hutong/certs";
import type { Credentials } from "@hutong/client";
import { createSessionClient, createWireTransport, type SessionClient } from "@hutong/client";
import { createCallVerifier, createReplayWindow, createTicketKeyring } from "@hutong/session";
import { createWireChannel, createWireServer, type Route } from "@hutong/wire";
import { mapError } from "../gateway/status-mapping.js";
import { GatewayError } from "../gateway-error.js";
import type { GrantRegistryOptions } from "../grants/grant-registry.js";
import { openTestRegistry, type TestRegistry } from "../grants/testing-grant-registry.js";
import type { Issued, TestPki } from "../grants/testing-pki.js";
import { createSessionMethods } from "../pipeline/session-methods.js";
import type { AuditSink } from "../share/share-step.js";
import { createGrantEndpoint } from "./grant-endpoint.js";
import { testingSessionRoutes } from "./testing-session-routes.js";

const day = 86_400_000;

/** Credentials for a gateway (serverAuth + clientAuth) or a system, issued by the PKI's CA. */
export function credentialsFor(pki: TestPki, party: string, role: "gateway" | "system" = "system"): Credentials {
  const issued: Issued =
    role === "system"
      ? pki.party(party)
      : (() => {
          const key = generateSm2PrivateKey();
          const cert = createCertificate({
            subject: { commonName: party, organization: "hutong test" },
            publicKey: key.publicKey,
            issuer: { certificate: pki.ca.cert, privateKey: pki.ca.key },
            partyId: party,
            extKeyUsage: ["serverAuth", "clientAuth"],
            notBefore: new Date(pki.now.getTime() - day),
            notAfter: new Date(pki.now.getTime() + 365 * day),
          });
          return { cert, key };
        })();
  return {
    partyId: party,
    privateKey: issued.key,
    chain: pki.chain(issued),
    leaf: issued.cert,
    trust: { trustAnchors: [pki.root.cert] },
    crls: pki.crls,
  };
}

export interface GrantGatewayOptions {
  readonly pki: TestPki;
  readonly party: string;
  readonly now: () => number;
  /** The service ACL in front of GrantService; default: every authenticated caller. */
  readonly acl?: (caller: string, path: string) => boolean;
  readonly onRevoked?: GrantRegistryOptions["onRevoked"];
  /** Whom revocations are passed on to, and the outbox's wake-up (the revocation propagator's kick). */
  readonly revocationPeers?: GrantRegistryOptions["revocationPeers"];
  readonly onQueued?: GrantRegistryOptions["onQueued"];
  readonly audit?: AuditSink;
}

export interface GrantGateway extends TestRegistry {
  readonly party: string;
  readonly address: string;
  readonly credentials: Credentials;
  /** Calls answered, by path and final gRPC status name ("OK", "NOT_FOUND", ...). */
  readonly served: string[];
}

/**
 * A gateway answering SessionService and GrantService only, wired as gateway.ts wires its local
 * services: verify the session on the exact request bytes, apply the ACL, answer, MAC the
 * response, map errors with status-mapping.ts.
 */
export async function startGrantGateway(options: GrantGatewayOptions): Promise<GrantGateway> {
  const { pki, party, now } = options;
  const credentials = credentialsFor(pki, party, "gateway");
  // The store on the main thread: a worker per gateway costs more start-up than these specs run.
  const t = await openTestRegistry(pki, {
    thread: "main",
    ...(options.onRevoked === undefined ? {} : { onRevoked: options.onRevoked }),
    ...(options.revocationPeers === undefined ? {} : { revocationPeers: options.revocationPeers }),
    ...(options.onQueued === undefined ? {} : { onQueued: options.onQueued }),
  });
  const crls = (): readonly Crl[] => t.crls;
  const keyring = createTicketKeyring({ current: { id: 1, secret: randomBytes(32) } });
  const verifier = createCallVerifier({ keyring, replayWindow: createReplayWindow({ clockSkewMs: 60_000 }) });
  const session = createSessionMethods({ verifier, crls, now });
  const served: string[] = [];
  const routes: Map<string, Route> = testingSessionRoutes({ party: party, credentials, keyring, crls, now });
  for (const [path, answer] of createGrantEndpoint({
    registry: t.registry,
    self: party,
    now,
    ...(options.audit === undefined ? {} : { audit: options.audit }),
  })) {
    routes.set(path, {
      kind: "unary",
      handler: async (call) => {
        try {
          const verified = await session.verify(call.path, call.metadata, call.body);
          if (options.acl !== undefined && !options.acl(verified.clientParty, path)) {
            throw new GatewayError("acl-denied", `${verified.clientParty} may not call ${path.slice(1)}`);
          }
          const body = await answer(Buffer.from(verified.request), { party: verified.clientParty });
          served.push(`${path} OK`);
          return session.reply(verified, body);
        } catch (e) {
          const mapped = mapError(e);
          served.push(`${path} ${mapped.reason}`);
          throw mapped.wire;
        }
      },
    });
  }
  const server = createWireServer({ resolve: (path) => routes.get(path) });
  const address = await server.listen("127.0.0.1", 0);
  const gateway: GrantGateway = {
    ...t,
    get crls() {
      return t.crls;
    },
    set crls(value) {
      t.crls = value;
    },
    party,
    address: `127.0.0.1:${address.port}`,
    credentials,
    served,
    async close() {
      await server.close(200);
      await t.close();
    },
  };
  return gateway;
}

/** A session client of `caller` to a gateway, over the gateway's own node:http2 channel, on the test clock. */
export function grantSession(
  caller: Credentials,
  gateway: { readonly party: string; readonly address: string },
  now: () => number,
): SessionClient {
  return createSessionClient({
    transport: createWireTransport(createWireChannel(gateway.address)),
    serverParty: gateway.party,
    privateKey: caller.privateKey,
    chain: caller.chain,
    trust: caller.trust,
    crls: () => caller.crls,
    now,
  });
}
