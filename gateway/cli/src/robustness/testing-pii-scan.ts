// A scan for planted personal data (docs/robustness.md): a resident ID number, a name and a phone
// number are planted in a ticket the owner's system holds, in requests, in grants' subjects and in
// the owner's system's error messages and trailers. None of it may appear in the gateway's logs, its
// Prometheus metrics, an audit export, its store files, or any error or trailer a caller receives;
// a field a purpose and grant may see appears only in the response body allowed to carry it. Run by
// pii-scan.spec.ts (one pass) and pii-scan.robustness.ts (many).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import type { HutongClient } from "@hutong/client";
import { readSubjectKey, signGrant, subjectDigest } from "@hutong/gateway";
import { type DevPki, sampleTickets } from "@hutong/gateway/dev";
import {
  GetTicketResponse,
  GrantorKind,
  GrantServiceService,
  IdType,
  Purpose,
  RecordKind,
  type Ticket,
  TicketServiceService,
  VerifyTicketResponse,
} from "@hutong/proto";
import { runHutong } from "../testing.js";
import { boardingCheck, flipHex, refusal, Status, sessionOf, tamper, verifyPath } from "./testing-abuse.js";
import { type GatewayProcess, type GatewayProcessOptions, owner, remoteCaller } from "./testing-robustness.js";

/** Made up, in the shapes of the real thing (the ID's check digit is not computed). */
export const planted = { idNo: "110105194912310021", phone: "13611112222", name: "李四海" } as const;

/** What must not appear: the values and long pieces of them (a partial leak is a leak). */
const pieces: Readonly<Record<keyof typeof planted, readonly string[]>> = {
  idNo: [planted.idNo, planted.idNo.slice(0, 10), planted.idNo.slice(6, 14), planted.idNo.slice(-8)],
  phone: [planted.phone, planted.phone.slice(0, 7), planted.phone.slice(-7)],
  name: [planted.name, planted.name.slice(1)],
};

/** The planted data that `text` (or bytes, read as UTF-8 and as raw bytes) holds, by kind. */
export function plantedIn(
  text: string | Uint8Array,
  kinds: readonly (keyof typeof planted)[] = ["idNo", "phone", "name"],
): string[] {
  const buffer = typeof text === "string" ? Buffer.from(text, "utf8") : Buffer.from(text);
  return kinds.flatMap((k) => pieces[k].filter((p) => buffer.includes(Buffer.from(p, "utf8"))).map((p) => `${k}:${p}`));
}

export const auditor = "prov:510000/audit";
const plantedTicketNo = "51PLANTED0000077";

function plantedTicket(): Ticket {
  const base = sampleTickets("510000")[0];
  assert.ok(base);
  return {
    ...base,
    ticketNo: plantedTicketNo,
    passenger: {
      name: planted.name,
      idType: IdType.ID_TYPE_RESIDENT_ID_CARD,
      idNo: planted.idNo,
      phone: planted.phone,
    },
    buyer: { name: planted.name, idType: IdType.ID_TYPE_RESIDENT_ID_CARD, idNo: planted.idNo, phone: planted.phone },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address !== null && typeof address === "object");
  return address.port;
}

/** Metrics on a known port, grants from the holder CA, and an ACL for shares, grants and the auditor. */
export async function piiScanOptions(): Promise<GatewayProcessOptions & { metricsPort: number }> {
  const metricsPort = await freePort();
  return {
    metricsPort,
    parties: [{ id: auditor, role: "system" }],
    config: (pki: DevPki) => ({
      observability: { logLevel: "info", prometheus: { host: "127.0.0.1", port: metricsPort } },
      grants: { holderAnchors: [pki.holderCaCert] },
      acl: [
        {
          callers: ["prov:510000/*", "prov:440000/*"],
          methods: ["hutong.v1.TicketService/VerifyTicket"],
          purposes: ["BOARDING_CHECK"],
        },
        {
          callers: ["prov:440000/*"],
          methods: ["hutong.v1.TicketService/GetTicket", "hutong.v1.GrantService/*"],
          purposes: ["TICKET_SERVICE"],
        },
        { callers: [auditor], methods: ["hutong.v1.AuditService/*"], purposes: ["REGULATORY_SUPERVISION"] },
      ],
    }),
  };
}

/** What callers received: texts that may hold no planted datum, and bodies allowed one field each. */
export interface Received {
  /** Error messages and trailers, and response bodies that may carry no personal field. */
  readonly clean: { readonly what: string; readonly data: string | Uint8Array }[];
  /** Response bodies of fetches under a grant: each may carry exactly the fields its grant names. */
  readonly allowed: {
    readonly what: string;
    readonly data: Uint8Array;
    readonly kinds: readonly (keyof typeof planted)[];
  }[];
}

const backendFailures = [
  {
    code: Status.INTERNAL,
    details: `lookup failed for holder ${planted.idNo} tel ${planted.phone} name ${planted.name}`,
  },
  {
    code: Status.NOT_FOUND,
    details: `no ticket for ${planted.name}`,
    metadata: { "x-holder-id": planted.idNo, "x-holder-tel": planted.phone, "hutong-denial": planted.idNo },
  },
  { code: Status.PERMISSION_DENIED, details: `${planted.idNo}\r\n{"level":"fatal"}\u202e${planted.phone}` },
];

/**
 * One pass of everything that carries the planted data through the gateway; returns what the
 * callers received. The planted ticket is in the owner's system from the first call on.
 */
export async function plantAndCall(gw: GatewayProcess, round: number): Promise<Received> {
  gw.backend.addTicket(plantedTicket());
  const received: { clean: Received["clean"][number][]; allowed: Received["allowed"][number][] } = {
    clean: [],
    allowed: [],
  };
  const failed = async (what: string, call: Promise<unknown>) => {
    const r = await refusal(call);
    received.clean.push({ what, data: JSON.stringify(r) });
  };
  const remote: HutongClient = await gw.client(remoteCaller);
  const context = (purpose: Purpose, grantId = "") => ({
    targetParty: owner,
    purpose,
    grantId,
    correlationId: `pii-${round}`,
  });

  // A boarding check carrying the holder's ID and name: a share, audited; the answer carries no personal field.
  const verify = await remote.unary(TicketServiceService.verifyTicket, {
    context: context(Purpose.PURPOSE_BOARDING_CHECK),
    ticketNo: plantedTicketNo,
    holderIdType: IdType.ID_TYPE_RESIDENT_ID_CARD,
    holderIdNo: planted.idNo,
    holderName: planted.name,
    scheduleNo: "K1021",
  });
  assert.equal(verify.holderMatches, true, "the owner's system saw the planted holder");
  received.clean.push({ what: "a boarding check's answer", data: VerifyTicketResponse.encode(verify).finish() });

  // Refused shares with personal data in the request: the ACL, then the grant step.
  const fetch = (purpose: Purpose, grantId = "") =>
    remote.unary(TicketServiceService.getTicket, {
      context: context(purpose, grantId),
      ticketNo: plantedTicketNo,
      annotate: false,
    });
  await failed("an ACL refusal", fetch(Purpose.PURPOSE_BOARDING_CHECK));
  await failed("a share without a grant", fetch(Purpose.PURPOSE_TICKET_SERVICE));

  // A session refusal of a request full of personal data (its MAC spoilt).
  const spoilt = await sessionOf(gw, remoteCaller, {
    wrap: (t) =>
      tamper(t, { path: verifyPath, metadata: (m) => ({ ...m, "hutong-mac": flipHex(m["hutong-mac"] ?? "") }) }),
  });
  await failed(
    "a session refusal",
    spoilt.call(
      verifyPath,
      boardingCheck({ ticketNo: plantedTicketNo, holderIdNo: planted.idNo, holderName: planted.name }),
    ),
  );
  spoilt.close();

  // Grants naming the planted subject (by its keyed digest): each lets one personal field through.
  const key = await readSubjectKey(await gw.pki.subjectKeyFile());
  const subject = subjectDigest(key, IdType.ID_TYPE_RESIDENT_ID_CARD, planted.idNo);
  const holder = gw.pki.holder(subject);
  for (const [field, kind] of [
    ["ticket.passenger.name", "name"],
    ["ticket.passenger.id_no", "idNo"],
    ["ticket.passenger.phone", "phone"],
  ] as const) {
    const now = Date.now();
    const grant = signGrant(
      {
        version: 1,
        grantorKind: GrantorKind.GRANTOR_KIND_HOLDER,
        grantorParty: "",
        granteeParty: "prov:440000",
        ownerParty: owner,
        subjectDigest: Buffer.from(subject),
        recordKind: RecordKind.RECORD_KIND_E_TICKET,
        recordIds: [plantedTicketNo],
        purpose: Purpose.PURPOSE_TICKET_SERVICE,
        notBefore: new Date(now - 3_600_000),
        expiresAt: new Date(now + 3_600_000),
        useLimit: 1,
        fieldsAllowed: ["ticket.ticket_no", field],
        issuedAt: new Date(now - 3_600_000),
        nonce: randomBytes(16),
      },
      holder.privateKey,
      holder.chain,
    );
    const registered = await remote.unary(GrantServiceService.registerGrant, {
      context: context(Purpose.PURPOSE_TICKET_SERVICE),
      grant,
    });
    received.clean.push({ what: "a grant registration's answer", data: JSON.stringify(registered) });
    const grantId = registered.record?.grantId ?? "";
    const got = await fetch(Purpose.PURPOSE_TICKET_SERVICE, grantId);
    received.allowed.push({
      what: `a fetch under a grant for ${field}`,
      data: GetTicketResponse.encode(got).finish(),
      kinds: [kind],
    });
    await failed("a second use of a one-use grant", fetch(Purpose.PURPOSE_TICKET_SERVICE, grantId));
  }

  // The owner's system failing with the personal data in its message and trailers.
  for (const f of backendFailures) {
    gw.backend.failure = f;
    try {
      await failed(
        `the owner's system answering ${f.code}`,
        remote.unary(TicketServiceService.verifyTicket, {
          context: context(Purpose.PURPOSE_BOARDING_CHECK),
          ticketNo: plantedTicketNo,
          holderIdType: IdType.ID_TYPE_RESIDENT_ID_CARD,
          holderIdNo: planted.idNo,
          holderName: planted.name,
          scheduleNo: "",
        }),
      );
    } finally {
      gw.backend.failure = undefined;
    }
  }
  return received;
}

/** Checks what callers received: nothing planted where nothing may be, only its field where one may. */
export function assertReceived(received: Received): void {
  for (const { what, data } of received.clean) assert.deepEqual(plantedIn(data), [], what);
  for (const { what, data, kinds } of received.allowed) {
    const all: (keyof typeof planted)[] = ["idNo", "phone", "name"];
    for (const kind of all) {
      const found = plantedIn(data, [kind]);
      if (kinds.includes(kind)) assert.ok(found.length > 0, `${what} carries the ${kind} its grant allows`);
      else assert.deepEqual(found, [], `${what} carries nothing else`);
    }
  }
}

/** The gateway's Prometheus exposition, its store files and an audit export by `hutong audit export`. */
export async function gatewaySurfaces(
  gw: GatewayProcess,
  metricsPort: number,
): Promise<{ what: string; data: string | Uint8Array }[]> {
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  assert.match(metrics, /hutong_gateway_requests/);
  const profile = join(gw.dir, "auditor.json");
  await writeFile(
    profile,
    JSON.stringify({
      address: gw.address,
      gateway: owner,
      ...gw.pki.party(auditor),
      trust: [gw.pki.rootCert],
      crl: gw.pki.crls,
    }),
  );
  const exportFile = join(gw.dir, "audit.export");
  const exported = await runHutong(["audit", "export", "--profile", profile, "--out", exportFile]);
  assert.equal(exported.code, 0, exported.stderr);
  const exportBytes = await readFile(exportFile);
  assert.ok(exportBytes.length > 1000, `an export of ${exportBytes.length} bytes`);
  const store = await Promise.all([gw.dbPath, `${gw.dbPath}-wal`].map((p) => readFile(p).catch(() => Buffer.alloc(0))));
  return [
    { what: "GET /metrics", data: metrics },
    { what: "hutong audit export", data: exportBytes },
    { what: "the export command's output", data: exported.stdout + exported.stderr },
    { what: "the SQLite store", data: store[0] ?? Buffer.alloc(0) },
    { what: "the SQLite WAL", data: store[1] ?? Buffer.alloc(0) },
  ];
}
