import {
  type Credentials,
  type CrlSource,
  createCrlFileSource,
  createStreamingHutongClient,
  isWireError,
  loadCredentialFiles,
  type StreamingHutongClient,
  type UnaryMethod,
} from "@hutong/client";
import { statusName } from "@hutong/wire";
import type { ConsoleConfig, ConsoleGatewayConfig } from "../config/console-config.js";
import { ConsoleError } from "../errors/console-error.js";

// One SDK client per gateway, all as the console's own party: every call is an SM2 session like
// any province system's, so the gateways' ACLs decide what the console may read and their audit
// logs record what it did.

export interface GatewayPool {
  readonly party: string;
  readonly gateways: readonly ConsoleGatewayConfig[];
  gateway(party: string): ConsoleGatewayConfig;
  /** Calls `method` on `gateway`; gRPC failures become ConsoleError unavailable/forbidden/not-found. */
  call<Req, Res>(gateway: string, method: UnaryMethod<Req, Res>, request: Req, timeoutMs?: number): Promise<Res>;
  /** A server-streaming call: each message in clear to `onMessage`; rejects like `call`. */
  stream(
    gateway: string,
    path: string,
    request: Buffer,
    onMessage: (m: Buffer) => void,
    timeoutMs?: number,
  ): Promise<void>;
  close(): void;
}

export interface GatewayPoolDeps {
  /** The SDK client factory; tests pass the real one with other options. */
  readonly connect?: (
    gateway: ConsoleGatewayConfig,
    credentials: Credentials,
    crls: CrlSource,
  ) => StreamingHutongClient;
}

/** A gRPC status turned into what the page is told: the status name and the gateway's message. */
export function fromWire(gateway: string, e: unknown): ConsoleError {
  if (!isWireError(e))
    return new ConsoleError("unavailable", `${gateway}: ${e instanceof Error ? e.message : "failed"}`);
  const text = `${gateway}: ${statusName(e.code)}: ${e.message}`;
  switch (statusName(e.code)) {
    case "PERMISSION_DENIED":
      return new ConsoleError("forbidden", text, { cause: e });
    case "NOT_FOUND":
      return new ConsoleError("not-found", text, { cause: e });
    case "INVALID_ARGUMENT":
    case "OUT_OF_RANGE":
    case "FAILED_PRECONDITION":
      return new ConsoleError("invalid-argument", text, { cause: e });
    default:
      return new ConsoleError("unavailable", text, { cause: e });
  }
}

export async function openGatewayPool(config: ConsoleConfig, deps: GatewayPoolDeps = {}): Promise<GatewayPool> {
  const credentials = await loadCredentialFiles({
    chain: config.identity.chain,
    key: config.identity.key,
    anchors: config.trust.anchors,
    crls: config.trust.crls,
  });
  if (credentials.partyId !== config.party) {
    throw new ConsoleError(
      "invalid-config",
      `identity: the certificate names ${credentials.partyId}, the config says party ${config.party}`,
    );
  }
  const crls = createCrlFileSource(config.trust.crls, { initial: credentials.crls, refreshMs: 60_000 });
  const connect =
    deps.connect ??
    ((g: ConsoleGatewayConfig, c: Credentials, source: CrlSource) =>
      createStreamingHutongClient({
        address: g.address,
        gatewayParty: g.party,
        privateKey: c.privateKey,
        chain: c.chain,
        trust: c.trust,
        crls: source.current,
      }));
  const byParty = new Map(config.gateways.map((g) => [g.party, g]));
  const clients = new Map<string, StreamingHutongClient>();
  const gateway = (party: string) => {
    const g = byParty.get(party);
    if (g === undefined) throw new ConsoleError("not-found", `no gateway ${party} is configured`);
    return g;
  };
  const clientOf = (party: string) => {
    let client = clients.get(party);
    if (client === undefined) {
      client = connect(gateway(party), credentials, crls);
      clients.set(party, client);
    }
    return client;
  };
  return {
    party: config.party,
    gateways: config.gateways,
    gateway,
    async call(party, method, request, timeoutMs = 10_000) {
      try {
        return await clientOf(party).unary(method, request, { deadline: Date.now() + timeoutMs });
      } catch (e) {
        throw fromWire(party, e);
      }
    },
    async stream(party, path, request, onMessage, timeoutMs = 30_000) {
      try {
        await clientOf(party).serverStream(path, request, onMessage, { deadline: Date.now() + timeoutMs });
      } catch (e) {
        throw fromWire(party, e);
      }
    },
    close() {
      for (const c of clients.values()) c.close();
      clients.clear();
      crls.close();
    },
  };
}
