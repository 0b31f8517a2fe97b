// Test support for the AuditService specs: a gateway-shaped server (handshake, call verifier,
// the audit endpoint wrapped as gateway.ts should wrap it) over a real SQLite store, and the SDK
// client for its unary and streamed methods with real SM2 sessions.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  cosignatureVerifierFromPublicKey,
  createCosignatureSigner,
  createNoteSigner,
  createWitnessConfig,
  type NoteSigner,
  type NoteVerifier,
  noteVerifierFromPublicKey,
  sm3Hasher,
} from "@hutong/audit";
import {
  type Credentials,
  createStreamingHutongClient,
  loadCredentialFiles,
  type StreamingHutongClient,
} from "@hutong/client";
import { AuditDecision, AuditEntry, AuditRole, Purpose, RecordKind } from "@hutong/proto";
import { createCallVerifier, createReplayWindow, createTicketKeyring } from "@hutong/session";
import type { Metadata } from "@hutong/wire";
import { type CallEndInfo, createWireServer, type Route } from "@hutong/wire";
import { type AuditLog, type AuditReader, createAuditLog, createAuditReader } from "../audit/index.js";
import { type DevPki, openDevPki } from "../dev/dev-pki.js";
import { mapError } from "../gateway/status-mapping.js";
import { createSessionMethods } from "../pipeline/session-methods.js";
import type { AuditSink } from "../share/share-step.js";
import { type HutongStore, openStore } from "../store/index.js";
import type { AuditEntryInput, AuditStore } from "../store/port/audit-store.js";
import { type AuditEndpointOptions, createAuditEndpoint } from "./audit-endpoint.js";
import { testingSessionRoutes } from "./testing-session-routes.js";

export const gatewayA = "prov:510000";
export const gatewayB = "mot";
export const auditor = "mot/auditor";

export const originOf = (party: string) => `hutong/${party}/audit/sm3`;
export const witnessNameOf = (party: string) => `hutong/${party}/witness`;

/** A dev PKI with two gateways and one system in `dir`. */
export function openAuditPki(dir: string): Promise<DevPki> {
  return openDevPki(join(dir, "pki"), [
    { id: gatewayA, role: "gateway" },
    { id: gatewayB, role: "gateway" },
    { id: auditor, role: "system" },
  ]);
}

export async function credentialsOf(pki: DevPki, party: string): Promise<Credentials> {
  return loadCredentialFiles({ ...pki.party(party), anchors: [pki.rootCert], crls: pki.crls });
}

/** The bytes of a realistic AuditEntry (no personal data: digests only) and its index columns. */
export function auditEntry(i: number, gateway = gatewayA, tag = ""): AuditEntryInput {
  const subject = new Uint8Array(32).fill((i % 3) + 1);
  const requester = i % 2 === 0 ? "prov:440000" : "rail:cr";
  const grantId = i % 4 === 0 ? "g1-grant-a" : "";
  const timeMs = 1_780_000_000_000 + i * 1000;
  const deny = i % 5 === 4;
  const bytes = AuditEntry.encode({
    version: 1,
    time: new Date(timeMs),
    gatewayParty: gateway,
    role: AuditRole.AUDIT_ROLE_OWNER,
    method: "hutong.v1.TicketService/VerifyTicket",
    requesterParty: requester,
    peerParty: gateway,
    peerCertSerial: "01",
    ownerParty: gateway,
    recordKind: RecordKind.RECORD_KIND_E_TICKET,
    recordDigest: Buffer.alloc(32, 7),
    subjectDigest: Buffer.from(subject),
    grantId,
    purpose: Purpose.PURPOSE_BOARDING_CHECK,
    decision: deny ? AuditDecision.AUDIT_DECISION_DENY : AuditDecision.AUDIT_DECISION_ALLOW,
    reason: deny ? "acl-denied" : "allowed",
    hops: [],
    releasedSm3: Buffer.alloc(deny ? 0 : 32, 9),
    fieldsReleased: [],
    traceId: i.toString(16).padStart(32, "0"),
    correlationId: `corr-${i}${tag}`,
  }).finish();
  return {
    bytes,
    timeMs,
    requesterParty: requester,
    ownerParty: gateway,
    subjectDigest: subject,
    grantId: grantId === "" ? null : grantId,
    decision: deny ? "deny" : "allow",
    reason: deny ? "acl-denied" : null,
    correlationId: `corr-${i}${tag}`,
    traceId: i.toString(16).padStart(32, "0"),
  };
}

/** A witnessed log as the witness's config names it. */
export interface WitnessedLog {
  readonly origin: string;
  readonly verifier: NoteVerifier;
}

export interface AuditGatewayOptions {
  readonly dir: string;
  readonly pki: DevPki;
  readonly party: string;
  /** Logs this gateway witnesses; none: AddCheckpoint answers NOT_FOUND. */
  readonly witnessing?: readonly WitnessedLog[];
  /** Wraps the store the reader reads (to count or hold reads). */
  readonly wrapStore?: (store: AuditStore) => AuditStore;
  readonly exportChunk?: AuditEndpointOptions["exportChunk"];
  readonly now?: () => number;
  /** Records searches by subject, as a gateway does: in its own log (true) or in this sink. */
  readonly recordSearches?: true | AuditSink;
}

export interface AuditGateway {
  readonly party: string;
  readonly address: string;
  readonly credentials: Credentials;
  readonly store: HutongStore;
  readonly log: AuditLog;
  readonly reader: AuditReader;
  readonly origin: string;
  /** The log key (createNoteSigner(origin, gateway key)) and its verifier. */
  readonly logSigner: NoteSigner;
  readonly logVerifier: NoteVerifier;
  /** Verifies this gateway's cosignatures as a witness. */
  readonly cosignatureVerifier: NoteVerifier;
  /** What the witness logged as alarms. */
  readonly alarms: Record<string, unknown>[];
  /** Calls answered so far, by path. */
  readonly served: Map<string, number>;
  /** Calls the wire server has finished, with their status (in the order they ended). */
  readonly ended: CallEndInfo[];
  close(): Promise<void>;
}

/** Reads the one request message of a server-streaming call. */
/**
 * A gateway answering SessionService and AuditService only, wired the way gateway.ts wires its
 * local services: verify the session on the exact request bytes, answer, MAC the response, map
 * errors with status-mapping.ts.
 */
export async function startAuditGateway(options: AuditGatewayOptions): Promise<AuditGateway> {
  const now = options.now ?? Date.now;
  const credentials = await credentialsOf(options.pki, options.party);
  const storeDir = await mkdtemp(join(options.dir, `store-${options.party.replace(/[:/]/g, "_")}-`));
  const store = await openStore({ kind: "sqlite", path: join(storeDir, "hutong.db"), thread: "main" }, { hash: "sm3" });
  const log = createAuditLog({ store, hasher: sm3Hasher });
  const reader = options.wrapStore === undefined ? log : createAuditReader(options.wrapStore(store), sm3Hasher);
  const origin = originOf(options.party);
  const witnessing = options.witnessing ?? [];
  const crls = () => credentials.crls;
  const keyring = createTicketKeyring({ current: { id: 1, secret: new Uint8Array(32).fill(0x42) } });
  const verifier = createCallVerifier({ keyring, replayWindow: createReplayWindow({ clockSkewMs: 60_000 }) });
  const alarms: Record<string, unknown>[] = [];
  const served = new Map<string, number>();

  const routes: Map<string, Route> = testingSessionRoutes({ party: options.party, credentials, keyring, crls, now });
  const endpoint = createAuditEndpoint({
    reader,
    witness:
      witnessing.length === 0
        ? undefined
        : {
            config: createWitnessConfig({
              signer: createCosignatureSigner(witnessNameOf(options.party), credentials.privateKey),
              logs: witnessing.map((w) => ({ origin: w.origin, verifiers: [w.verifier] })),
            }),
            store,
          },
    now,
    logger: { error: (facts) => alarms.push(facts) },
    ...(options.recordSearches === undefined
      ? {}
      : { queryAudit: { self: options.party, sink: options.recordSearches === true ? log : options.recordSearches } }),
    ...(options.exportChunk === undefined ? {} : { exportChunk: options.exportChunk }),
  });
  const session = createSessionMethods({ verifier, crls, now });
  const verify = (path: string, metadata: Metadata, body: Buffer) => {
    served.set(path, (served.get(path) ?? 0) + 1);
    return session.verify(path, metadata, body);
  };
  for (const [path, method] of endpoint) {
    if (method.kind === "unary") {
      routes.set(path, {
        kind: "unary",
        handler: async (call) => {
          try {
            const verified = await verify(call.path, call.metadata, call.body);
            const body = await method.answer(Buffer.from(verified.request), {
              party: verified.clientParty,
              peer: { party: verified.clientParty, certSerial: verified.certSerialHex },
            });
            return session.reply(verified, body);
          } catch (e) {
            throw mapError(e).wire;
          }
        },
      });
    } else {
      routes.set(path, {
        kind: "stream",
        handler: async (call) => {
          try {
            served.set(path, (served.get(path) ?? 0) + 1);
            return await session.serveStream(
              call,
              (request) => session.verify(request.path, request.metadata, request.body),
              (request, verified, sink) => method.answer(request, { party: verified.clientParty }, sink),
            );
          } catch (e) {
            throw mapError(e).wire;
          }
        },
      });
    }
  }

  const ended: CallEndInfo[] = [];
  const server = createWireServer({ resolve: (path) => routes.get(path), onCallEnd: (info) => ended.push(info) });
  const address = await server.listen("127.0.0.1", 0);
  return {
    party: options.party,
    address: `127.0.0.1:${address.port}`,
    credentials,
    store,
    log,
    reader,
    origin,
    logSigner: createNoteSigner(origin, credentials.privateKey),
    logVerifier: noteVerifierFromPublicKey(origin, credentials.privateKey.publicKey),
    cosignatureVerifier: cosignatureVerifierFromPublicKey(
      witnessNameOf(options.party),
      credentials.privateKey.publicKey,
    ),
    alarms,
    served,
    ended,
    async close() {
      await server.close(200);
      await log.close();
      await store.close();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}

/** The SDK client (unary and server-streaming calls, with real SM2 sessions) of `party` to a gateway. */
export async function auditClient(
  pki: DevPki,
  party: string,
  gateway: { readonly party: string; readonly address: string },
): Promise<StreamingHutongClient> {
  const creds = await credentialsOf(pki, party);
  return createStreamingHutongClient({
    address: gateway.address,
    gatewayParty: gateway.party,
    privateKey: creds.privateKey,
    chain: creds.chain,
    trust: creds.trust,
    crls: () => creds.crls,
  });
}

/** A fresh temp directory for one spec file. */
export function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "hutong-audit-"));
}
