// bench:share's federation: the parties, each gateway's config (province A's, the hub's and
// province B's, the data owner), and the grant the shares run under. Pure data plus the grant's
// signing; the processes are started by share.ts.
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createSessionClient, createWireTransport, loadCredentialFiles } from "@hutong/client";
import { signGrant, subjectDigest } from "@hutong/gateway";
import { type DevPki, sampleTickets } from "@hutong/gateway/dev";
import {
  GrantorKind,
  GrantServiceService,
  IdType,
  Purpose,
  RecordKind,
  type RegisterGrantRequest,
  RegisterGrantResponse,
} from "@hutong/proto";
import { createWireChannel } from "@hutong/wire";
import type { IdentityFiles, ShareRequestSpec } from "./share-protocol.js";

export const shareParties = {
  /** Province A's gateway (Sichuan): the caller's own. */
  provinceA: "prov:510000",
  /** Province A's system that asks: the load generator's identity. */
  system: "prov:510000/ticketing",
  hub: "mot",
  /** Province B's gateway (Guangdong): the data owner's. */
  provinceB: "prov:440000",
} as const;
const p = shareParties;

/** The owner's record every share fetches: province B's sample ticket. */
export const sharedTicket = (() => {
  const t = sampleTickets(p.provinceB.slice("prov:".length))[0];
  if (t?.passenger === undefined) throw new Error("the simulated backend has no sample ticket with a passenger");
  return t;
})();

/**
 * What the grant lets leave the owner's gateway (grants.md §9: EMERGENCY may release at most the
 * ticket number, the passenger, the trip, seat, carrier and statuses; the grant asks for less),
 * and the same fields by their proto JSON names, as the load generator checks them.
 */
const fieldsAllowed = ["ticket.ticket_no", "ticket.passenger", "ticket.schedule_no", "ticket.depart_time"];
const releasedFields = ["ticketNo", "passenger", "scheduleNo", "departTime"];

export function identityOf(pki: DevPki, party: string): IdentityFiles {
  return { ...pki.party(party), anchors: [pki.rootCert], crls: pki.crls };
}

const dirName = (party: string) => party.replace(/[:/]/g, "_");

async function base(pki: DevPki, dir: string, party: string, role: "province" | "hub") {
  return {
    party,
    role,
    listen: { host: "127.0.0.1", port: 0 },
    dataDir: join(dir, dirName(party)),
    identity: pki.party(party),
    trust: { anchors: [pki.rootCert], crls: pki.crls },
    session: {
      ticketKeys: { current: { id: 1, secretFile: await pki.ticketKeyFile(dirName(party)) } },
      // The handshake phase is one party handshaking back to back: measured, not rate-limited.
      handshake: { perAddress: null, perParty: null },
    },
    grants: { subjectKeyFile: await pki.subjectKeyFile(), holderAnchors: [pki.holderCaCert] },
    observability: { logLevel: "silent" },
  };
}

const share = ["hutong.v1.TicketService/*", "hutong.v1.GrantService/*"];

/** Province B's gateway: the owner. Its backend holds the record; the hub relays province A's calls. */
export async function ownerConfig(pki: DevPki, dir: string, backend: string) {
  return {
    ...(await base(pki, dir, p.provinceB, "province")),
    routes: [{ match: p.provinceB, local: backend, timeoutMs: 5000 }],
    relays: [{ peer: p.hub, origins: ["prov:*"] }],
    acl: [
      {
        callers: [`${p.provinceA}/*`],
        methods: ["hutong.v1.TicketService/GetTicket"],
        purposes: ["EMERGENCY"],
        targets: [p.provinceB],
      },
      // Grants are registered at the owner's gateway by any member's systems (the artefact's own
      // signature is the authority; docs/grants.md).
      { callers: ["prov:*", p.hub], methods: ["hutong.v1.GrantService/*"] },
    ],
  };
}

export async function hubConfig(pki: DevPki, dir: string, owner: string) {
  return {
    ...(await base(pki, dir, p.hub, "hub")),
    routes: [{ match: p.provinceB, peer: { address: owner, party: p.provinceB }, timeoutMs: 5000 }],
    relays: [{ peer: p.provinceA, origins: [p.provinceA, `${p.provinceA}/*`] }],
    acl: [{ callers: ["prov:*"], methods: share, targets: ["prov:*"] }],
  };
}

export async function callerGatewayConfig(pki: DevPki, dir: string, hub: string) {
  return {
    ...(await base(pki, dir, p.provinceA, "province")),
    routes: [{ match: "*", peer: { address: hub, party: p.hub }, timeoutMs: 8000 }],
    relays: [{ peer: p.hub, origins: ["prov:*"] }],
    acl: [{ callers: [`${p.provinceA}/*`], methods: share }],
  };
}

/**
 * The ministry's emergency grant (an authority grant, signed with the hub's federation key):
 * province A may fetch the passenger of the owner's ticket, for a day, without a use limit (a
 * holder grant allows at most 10–20 uses, too few for a throughput run; the gateway still counts
 * every use). Registered at the owner's gateway through province A's gateway and the hub, as a
 * province system would. Returns what the load generator asks for.
 */
export async function registerShareGrant(pki: DevPki, callerGateway: string): Promise<ShareRequestSpec> {
  const ministry = await loadCredentialFiles(identityOf(pki, p.hub));
  const subjectKey = Buffer.from((await readFile(await pki.subjectKeyFile(), "utf8")).trim(), "hex");
  const passenger = sharedTicket.passenger;
  const now = Date.now();
  const grant = signGrant(
    {
      version: 1,
      grantorKind: GrantorKind.GRANTOR_KIND_AUTHORITY,
      grantorParty: p.hub,
      granteeParty: p.provinceA,
      ownerParty: p.provinceB,
      subjectDigest: Buffer.from(
        subjectDigest(subjectKey, passenger?.idType ?? IdType.ID_TYPE_RESIDENT_ID_CARD, passenger?.idNo ?? ""),
      ),
      recordKind: RecordKind.RECORD_KIND_E_TICKET,
      recordIds: [sharedTicket.ticketNo],
      purpose: Purpose.PURPOSE_EMERGENCY,
      notBefore: new Date(now - 60_000),
      expiresAt: new Date(now + 86_400_000),
      useLimit: 0,
      fieldsAllowed,
      issuedAt: new Date(now - 60_000),
      nonce: randomBytes(16),
    },
    ministry.privateKey,
    ministry.chain,
  );
  const system = await loadCredentialFiles(identityOf(pki, p.system));
  const channel = createWireChannel(callerGateway);
  const session = createSessionClient({
    transport: createWireTransport(channel),
    serverParty: p.provinceA,
    privateKey: system.privateKey,
    chain: system.chain,
    trust: system.trust,
    crls: () => system.crls,
  });
  try {
    const m = GrantServiceService.registerGrant;
    const request: RegisterGrantRequest = {
      context: { targetParty: p.provinceB, purpose: Purpose.PURPOSE_EMERGENCY, grantId: "", correlationId: "bench" },
      grant,
    };
    const reply = await session.call(m.path, m.requestSerialize(request), { deadline: Date.now() + 20_000 });
    const grantId = RegisterGrantResponse.decode(reply.body).record?.grantId ?? "";
    if (grantId === "") throw new Error("the owner's gateway registered no grant");
    return { targetParty: p.provinceB, ticketNo: sharedTicket.ticketNo, grantId, releasedFields };
  } finally {
    session.close();
  }
}
