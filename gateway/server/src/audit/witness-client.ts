import { type NoteVerifier, parseDecimalSize } from "@hutong/audit";
import type { Crl, Sm2PrivateKey } from "@hutong/certs";
import { createSessionClient, createWireTransport } from "@hutong/client";
import { AddCheckpointRequest, AddCheckpointResponse, AuditServiceService } from "@hutong/proto";
import type { TrustStore } from "@hutong/session";
import { createWireChannel, isWireError, Status, type WireChannelOptions } from "@hutong/wire";
import { witnessSizeTrailer } from "./audit-error.js";
import type { CheckpointWitness, WitnessAnswer } from "./checkpoint-publisher.js";

export interface WitnessClientOptions {
  /** The peer gateway's party id, which its certificate must carry. */
  readonly party: string;
  /** "host:port" of its gRPC listener. */
  readonly address: string;
  /** This gateway's own identity (the session's client side). */
  readonly self: {
    readonly privateKey: Sm2PrivateKey;
    readonly chain: readonly Uint8Array[];
    readonly trust: TrustStore;
  };
  readonly crls: () => readonly Crl[];
  /** Per submission, handshake included; default 10 s. */
  readonly timeoutMs?: number;
  readonly maxMessageBytes?: number;
  readonly now?: () => number;
  /** The witness's cosignature key, if configured: the publisher then verifies its lines. */
  readonly verifier?: NoteVerifier;
  /** TLS 1.3 under the session (the CA already read); default h2c. */
  readonly tls?: WireChannelOptions["tls"];
  /** Ask the witness for a plaintext session (its config must allow it); default SM4. */
  readonly plaintext?: boolean;
}

export interface WitnessClient extends CheckpointWitness {
  close(): void;
}

/**
 * The `submit` of one peer gateway that witnesses this log: its
 * AuditService/AddCheckpoint over an SM2 session of this gateway's own, on
 * the gateway's node:http2 channel (the forwarder's peer link, without relay
 * metadata: this gateway is the caller). FAILED_PRECONDITION with the
 * `hutong-witness-size` trailer is the tlog-witness 409: the answer is the
 * witness's size, to resubmit from. Every other refusal rejects with the
 * WireError (ABORTED means the witness holds another root at that size).
 */
export function createWitnessClient(options: WitnessClientOptions): WitnessClient {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const channel = createWireChannel(options.address, {
    ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }),
    // Publication is one call per checkpoint: a short queue is plenty.
    maxInFlight: 4,
    maxQueued: 16,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
  });
  const session = createSessionClient({
    transport: createWireTransport(channel),
    serverParty: options.party,
    privateKey: options.self.privateKey,
    chain: options.self.chain,
    trust: options.self.trust,
    crls: options.crls,
    protection: options.plaintext === true ? "plaintext" : "sm4",
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const method = AuditServiceService.addCheckpoint;

  return {
    party: options.party,
    ...(options.verifier === undefined ? {} : { verifier: options.verifier }),
    async submit(body): Promise<WitnessAnswer> {
      const deadline = Date.now() + timeoutMs;
      try {
        const reply = await session.call(method.path, method.requestSerialize(AddCheckpointRequest.create({ body })), {
          deadline,
        });
        return { cosignature: AddCheckpointResponse.decode(reply.body).cosignature };
      } catch (e) {
        if (isWireError(e) && e.code === Status.FAILED_PRECONDITION) {
          const size = parseDecimalSize(e.trailers[witnessSizeTrailer] ?? "");
          if (size !== undefined) return { conflictSize: size };
        }
        throw e;
      }
    },
    close: () => session.close(),
  };
}
