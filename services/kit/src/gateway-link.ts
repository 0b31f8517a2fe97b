import { readFile } from "node:fs/promises";
import type { Crl } from "@hutong/certs";
import {
  type Credentials,
  createCrlFileSource,
  createHutongClient,
  type HutongClient,
  loadCredentialFiles,
} from "@hutong/client";
import {
  createOutboxDispatcher,
  defaultTopicPolicy,
  type OutboxDispatcher,
  type OutboxStore,
  type OutboxTopic,
  type TopicPolicy,
} from "@hutong/gateway/outbox";
import type { GatewayLink, OutboxSettings } from "./config-parts.js";

/** A service's connection to its own gateway, under its own certificate, with CRLs kept fresh. */
export interface GatewayConnection {
  readonly client: HutongClient;
  /** The service's own credentials (a licence issuer seals its files with them). */
  readonly credentials: Credentials;
  /** The CRLs as last read (they are re-read every minute). */
  crls(): readonly Crl[];
  close(): void;
}

export async function connectGateway(link: GatewayLink): Promise<GatewayConnection> {
  const creds = await loadCredentialFiles({
    chain: link.chain,
    key: link.key,
    anchors: link.anchors,
    crls: link.crls,
  });
  const crls = createCrlFileSource(link.crls, { initial: creds.crls, refreshMs: 60_000 });
  const client = createHutongClient({
    address: link.address,
    gatewayParty: link.party,
    privateKey: creds.privateKey,
    chain: creds.chain,
    trust: creds.trust,
    crls: crls.current,
  });
  return {
    client,
    credentials: creds,
    crls: () => crls.current(),
    close() {
      client.close();
      crls.close();
    },
  };
}

/** The topic policy of `settings`. */
export const topicPolicyOf = (settings: OutboxSettings): TopicPolicy => ({
  ...defaultTopicPolicy,
  retryBaseMs: settings.retryBaseMs,
  retryCapMs: settings.retryCapMs,
  breakerCoolDownMs: settings.breakerCoolDownMs,
});

/** The dispatcher of a service's own outbox. */
export function serviceDispatcher(
  name: string,
  store: OutboxStore,
  topics: OutboxTopic[],
  settings: OutboxSettings,
  now: () => number,
): OutboxDispatcher {
  return createOutboxDispatcher({
    store,
    topics,
    concurrency: settings.concurrency,
    pollIntervalMs: settings.pollIntervalMs,
    name,
    now,
  });
}

/** A key file of 64 hex digits (an SM4 key at rest); `invalid` makes the service's own config error. */
export async function readHexKey(path: string, invalid: (message: string) => Error): Promise<Uint8Array> {
  const hex = (await readFile(path, "utf8")).trim();
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw invalid(`${path}: the seal key must be 64 hex digits`);
  return Buffer.from(hex, "hex");
}
