// `npm run demo`: a ministry hub and two province gateways on this machine, with simulated
// provincial systems, driving cross-province requests end to end and printing a transcript.
// Exits 0 only if every step gets the outcome the federation's ACLs and routes call for.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isWireError } from "@hutong/client";
import {
  AuditDecision,
  AuditEntry,
  GrantorKind,
  GrantServiceService,
  IdType,
  LicenceServiceService,
  Purpose,
  RecordKind,
  RevocationReason,
  TicketServiceService,
} from "@hutong/proto";
import { statusName } from "@hutong/wire";
import { verifyStoredLog } from "../src/audit/index.js";
import { federationParties as p, startFederation } from "../src/dev/federation.js";
import { sampleTickets } from "../src/dev/simulated-backends.js";
import { grantIdFor, signGrant, signRevocation, subjectDigest } from "../src/grants/index.js";

const dir = await mkdtemp(join(tmpdir(), "hutong-demo-"));
console.log("hutong demo: a ministry hub (mot) and two province gateways (prov:510000 Sichuan, prov:440000 Guangdong)");
console.log(`state and development PKI in ${dir}\n`);
const fed = await startFederation(dir);
for (const [name, gw] of [
  ["hub", fed.hub],
  ["Sichuan", fed.sichuan],
  ["Guangdong", fed.guangdong],
] as const) {
  console.log(`  ${name.padEnd(9)} gateway ${gw.party.padEnd(12)} on 127.0.0.1:${gw.address.port}`);
}
console.log(
  `  Sichuan systems on ${fed.backends.sichuan.address}, Guangdong systems on ${fed.backends.guangdong.address}\n`,
);

let failures = 0;
async function step<T>(
  title: string,
  expect: "OK" | string,
  run: () => Promise<T>,
  show: (r: T) => string,
  backend?: typeof fed.backends.sichuan,
): Promise<void> {
  console.log(`● ${title}`);
  const before = backend?.seen.length ?? 0;
  let outcome: string;
  let detail: string;
  try {
    const r = await run();
    outcome = "OK";
    detail = show(r);
  } catch (e) {
    if (!isWireError(e)) throw e;
    outcome = statusName(e.code);
    detail = e.message;
  }
  const seen = backend !== undefined && backend.seen.length > before ? backend.seen.at(-1) : undefined;
  if (seen !== undefined) {
    console.log(`    path    ${seen.metadata["hutong-hops"]?.split(",").join(" → ")} → ${backend?.province} systems`);
    console.log(`    origin  ${seen.metadata["hutong-origin"]}   trace ${seen.metadata.traceparent?.split("-")[1]}`);
  }
  const ok = outcome === expect;
  if (!ok) failures++;
  console.log(`    result  ${outcome}: ${detail}   ${ok ? "✓ as expected" : `✗ expected ${expect}`}\n`);
}

const gdTicket = sampleTickets("440000")[0];
const scTicket = sampleTickets("510000")[0];
const ctx = (targetParty: string, purpose: Purpose, correlationId: string) => ({
  targetParty,
  purpose,
  grantId: "",
  correlationId,
});
const scTicketing = await fed.client(p.sichuanTicketing);
const gdEnforcement = await fed.client(p.guangdongEnforcement);
const gdTicketing = await fed.client(p.guangdongTicketing);

await step(
  "Sichuan ticketing verifies a Guangdong ticket at boarding (VerifyTicket, two gateway hops)",
  "OK",
  () =>
    scTicketing.unary(TicketServiceService.verifyTicket, {
      context: ctx(p.guangdong, Purpose.PURPOSE_BOARDING_CHECK, "demo-1"),
      ticketNo: gdTicket?.ticketNo ?? "",
      holderIdType: 0,
      holderIdNo: gdTicket?.passenger?.idNo ?? "",
      holderName: "",
      scheduleNo: gdTicket?.scheduleNo ?? "",
    }),
  (r) => `valid=${r.valid} holderMatches=${r.holderMatches} scheduleMatches=${r.scheduleMatches}`,
  fed.backends.guangdong,
);
await step(
  "Guangdong ticketing verifies a Sichuan ticket for a through-ticket without the passenger's grant",
  "PERMISSION_DENIED",
  () =>
    gdTicketing.unary(TicketServiceService.verifyTicket, {
      context: ctx(p.sichuan, Purpose.PURPOSE_THROUGH_TICKET, "demo-2"),
      ticketNo: scTicket?.ticketNo ?? "",
      holderIdType: 0,
      holderIdNo: "",
      holderName: "",
      scheduleNo: "",
    }),
  (r) => `valid=${r.valid}`,
  fed.backends.sichuan,
);
await step(
  "Guangdong roadside enforcement checks a Sichuan operating permit (VerifyLicence, LAW_ENFORCEMENT)",
  "OK",
  () =>
    gdEnforcement.unary(LicenceServiceService.verifyLicence, {
      context: ctx(p.sichuan, Purpose.PURPOSE_LAW_ENFORCEMENT, "demo-3"),
      lookup: { key: { $case: "licenceNo", value: "51-OP-0001" }, kind: 0 },
      holderIdNo: "",
      holderName: "",
      holderUscc: "",
      plateNo: "",
    }),
  (r) => `valid=${r.valid} status=${r.status} validTo=${r.validTo}`,
  fed.backends.sichuan,
);
await step(
  "Sichuan ticketing tries to fetch a whole Guangdong ticket (GetTicket): Guangdong's ACL has no such rule",
  "PERMISSION_DENIED",
  () =>
    scTicketing.unary(TicketServiceService.getTicket, {
      context: ctx(p.guangdong, Purpose.PURPOSE_TICKET_SERVICE, "demo-4"),
      ticketNo: gdTicket?.ticketNo ?? "",
      annotate: false,
    }),
  () => "",
);
await step(
  "Guangdong enforcement fetches a Sichuan licence's full record (GetLicence): only VerifyLicence is allowed",
  "PERMISSION_DENIED",
  () =>
    gdEnforcement.unary(LicenceServiceService.getLicence, {
      context: ctx(p.sichuan, Purpose.PURPOSE_LAW_ENFORCEMENT, "demo-5"),
      lookup: { key: { $case: "licenceNo", value: "51-OP-0001" }, kind: 0 },
      includeOfd: false,
      annotate: false,
    }),
  () => "",
);
await step(
  "Sichuan ticketing asks for a party no gateway routes to (prov:650000)",
  "NOT_FOUND",
  () =>
    scTicketing.unary(TicketServiceService.verifyTicket, {
      context: ctx("prov:650000", Purpose.PURPOSE_BOARDING_CHECK, "demo-6"),
      ticketNo: "65000000000000",
      holderIdType: 0,
      holderIdNo: "",
      holderName: "",
      scheduleNo: "",
    }),
  () => "",
);

// The passenger's consent: a holder grant signed in their wallet app, registered at the data
// owner's gateway (Sichuan) by the Guangdong desk, through the hub.
const subjectKey = Buffer.from((await readFile(await fed.pki.subjectKeyFile(), "utf8")).trim(), "hex");
const passenger = scTicket?.passenger;
const holder = fed.pki.holder(subjectDigest(subjectKey, IdType.ID_TYPE_RESIDENT_ID_CARD, passenger?.idNo ?? ""));
const now = Date.now();
const grant = signGrant(
  {
    version: 1,
    grantorKind: GrantorKind.GRANTOR_KIND_HOLDER,
    grantorParty: "",
    granteeParty: p.guangdong,
    ownerParty: p.sichuan,
    subjectDigest: Buffer.from(subjectDigest(subjectKey, IdType.ID_TYPE_RESIDENT_ID_CARD, passenger?.idNo ?? "")),
    recordKind: RecordKind.RECORD_KIND_E_TICKET,
    recordIds: [scTicket?.ticketNo ?? ""],
    purpose: Purpose.PURPOSE_THROUGH_TICKET,
    notBefore: new Date(now - 60_000),
    expiresAt: new Date(now + 7 * 86_400_000),
    useLimit: 5,
    fieldsAllowed: [],
    issuedAt: new Date(now - 60_000),
    nonce: randomBytes(16),
  },
  holder.privateKey,
  holder.chain,
);
const grantId = grantIdFor(grant.body);
const throughTicketCheck = (correlationId: string) => () =>
  gdTicketing.unary(TicketServiceService.verifyTicket, {
    context: { ...ctx(p.sichuan, Purpose.PURPOSE_THROUGH_TICKET, correlationId), grantId },
    ticketNo: scTicket?.ticketNo ?? "",
    holderIdType: IdType.ID_TYPE_RESIDENT_ID_CARD,
    holderIdNo: passenger?.idNo ?? "",
    holderName: "",
    scheduleNo: "",
  });
await step(
  "The passenger grants Guangdong's desk a through-ticket check; Guangdong registers it at Sichuan's gateway",
  "OK",
  () =>
    gdTicketing.unary(GrantServiceService.registerGrant, {
      context: ctx(p.sichuan, Purpose.PURPOSE_THROUGH_TICKET, "demo-7"),
      grant,
    }),
  (r) => `grant ${r.record?.grantId} status=${r.record?.status} uses=${r.record?.uses}`,
);
await step(
  "Guangdong ticketing verifies the Sichuan ticket for a through-ticket, under the passenger's grant",
  "OK",
  throughTicketCheck("demo-8"),
  (r) => `valid=${r.valid} holderMatches=${r.holderMatches}`,
  fed.backends.sichuan,
);
await step(
  "The passenger withdraws the grant (RevokeGrant, signed in the wallet app)",
  "OK",
  () =>
    gdTicketing.unary(GrantServiceService.revokeGrant, {
      context: ctx(p.sichuan, Purpose.PURPOSE_THROUGH_TICKET, "demo-9"),
      grantId,
      revocation: signRevocation(
        { grantId, revokedAt: new Date(), reason: RevocationReason.REVOCATION_REASON_WITHDRAWN },
        holder.privateKey,
        holder.chain,
      ),
    }),
  (r) => `grant ${r.record?.grantId} status=${r.record?.status}`,
);
await step(
  "The same check again: refused at Sichuan's gateway, and the refusal is audited",
  "PERMISSION_DENIED",
  throughTicketCheck("demo-10"),
  () => "",
);

console.log("● Every gateway's audit log: entries, and the whole log recomputed against its head");
for (const [name, gw] of [
  ["hub", fed.hub],
  ["Sichuan", fed.sichuan],
  ["Guangdong", fed.guangdong],
] as const) {
  const head = await gw.auditLog.head();
  const verified = await verifyStoredLog(gw.store, head);
  const kinds = new Map<string, number>();
  for await (const e of gw.auditLog.export()) {
    const entry = AuditEntry.decode(e.bytes);
    const key = `${entry.decision === AuditDecision.AUDIT_DECISION_ALLOW ? "allow" : "deny"}:${entry.reason}`;
    kinds.set(key, (kinds.get(key) ?? 0) + 1);
  }
  if (!verified.ok) failures++;
  console.log(
    `    ${name.padEnd(9)} ${String(head.size).padStart(2)} entries  root ${Buffer.from(head.root).toString("hex").slice(0, 16)}…  ` +
      `${verified.ok ? "verifies ✓" : `✗ ${verified.problem}`}   ${[...kinds].map(([k, n]) => `${k}×${n}`).join(" ")}`,
  );
}
console.log("");

await fed.close();
await rm(dir, { recursive: true, force: true });
console.log(failures === 0 ? "demo: all steps as expected" : `demo: ${failures} step(s) not as expected`);
process.exit(failures === 0 ? 0 : 1);
