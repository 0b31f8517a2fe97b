import {
  createCosignatureSigner,
  createNoteSigner,
  createNoteVerifier,
  createWitnessConfig,
  formatVerifierKey,
  merkleHasher,
  type WitnessConfig,
} from "@hutong/audit";
import type { Credentials } from "@hutong/client";
import { type AuditLog, createAuditLog } from "../audit/audit-log.js";
import { type CheckpointPublisher, startCheckpointPublisher } from "../audit/checkpoint-publisher.js";
import { createWitnessClient } from "../audit/witness-client.js";
import type { GatewayConfig } from "../config/gateway-config.js";
import type { Logger } from "../observability/logger.js";
import { type DisagreementKind, observeWitness } from "../observability/operational-metrics.js";
import { peerChannelTls } from "../peer-tls.js";
import type { HutongStore } from "../store/index.js";
import type { PeerLink } from "./peer-link.js";
import type { ResourceStack } from "./resource-stack.js";

export interface RunningAuditLog {
  readonly auditLog: AuditLog;
  readonly publisher: CheckpointPublisher;
  /** The log's origin and its verifier key (signed-note text form), what auditors verify it with. */
  readonly origin: string;
  readonly verifierKey: string;
  /** Set when this gateway witnesses other logs (config audit.witnessing). */
  readonly witness: WitnessConfig | undefined;
}

/**
 * This gateway's audit log on its store, the publisher that signs its checkpoints and has its
 * witnesses cosign them, and the witness side for the logs it watches (docs/audit-checkpoints.md).
 * What it opens goes on `resources`.
 */
export function startAuditLog(options: {
  readonly config: GatewayConfig;
  readonly credentials: Credentials;
  readonly store: HutongStore;
  readonly peerLink: PeerLink;
  readonly logger: Logger;
  readonly resources: ResourceStack;
  readonly now: () => number;
  /** A witness refused a checkpoint of this log as inconsistent (a fork, a bad proof, or it is ahead). */
  readonly onWitnessDisagreement?: (d: { readonly witness: string; readonly kind: DisagreementKind }) => void;
}): RunningAuditLog {
  const { config, credentials, store, logger, resources, now } = options;
  const auditLog = createAuditLog({
    store,
    hasher: merkleHasher(store.hash),
    onCommit: (report) => {
      if (report.error !== undefined)
        logger.error({ err: report.error, entries: report.entries }, "audit commit failed");
    },
  });
  resources.defer(() => auditLog.close());

  const witness =
    config.audit.witnessing.length === 0
      ? undefined
      : createWitnessConfig({
          signer: createCosignatureSigner(`hutong/${config.party}/witness`, credentials.privateKey),
          logs: config.audit.witnessing.map((w) => ({ origin: w.origin, verifiers: [createNoteVerifier(w.key)] })),
        });
  const record = options.onWitnessDisagreement;
  const witnessClients = config.audit.witnesses.map((w) => {
    const client = createWitnessClient({
      party: w.party,
      address: w.address,
      ...options.peerLink,
      ...peerChannelTls(w.tls),
      plaintext: w.plaintext,
    });
    return record === undefined ? client : observeWitness(client, { recordWitnessDisagreement: record });
  });
  resources.defer(() => {
    for (const w of witnessClients) w.close();
  });
  // parseGatewayConfig fills in the default origin; the schema's type cannot say so.
  const origin = config.audit.origin ?? `hutong/${config.party}/audit/sm3`;
  const publisher = startCheckpointPublisher({
    reader: auditLog,
    signer: createNoteSigner(origin, credentials.privateKey),
    origin,
    intervalMs: config.audit.checkpointIntervalMs,
    witnesses: witnessClients,
    logger: logger.child({ component: "checkpoints" }),
    now,
  });
  resources.defer(() => publisher.close());
  const verifierKey = formatVerifierKey(origin, credentials.privateKey.publicKey);
  return { auditLog, publisher, origin, verifierKey, witness };
}
