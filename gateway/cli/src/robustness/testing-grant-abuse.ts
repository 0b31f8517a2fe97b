// Grant abuse against a real gateway process, the data owner (docs/robustness.md): grants that are
// forged, expired, not yet valid, revoked, for someone or something else, used up; and N parallel
// uses of a k-use grant, of which exactly k may succeed. Run by grant-abuse.spec.ts (fast) and
// grant-abuse.robustness.ts (N ≫ k, SQLite and PostgreSQL).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { merkleHasher } from "@hutong/audit";
import type { HutongClient } from "@hutong/client";
import {
  createAuditReader,
  openStore,
  readSubjectKey,
  signGrant,
  signRevocation,
  subjectDigest,
} from "@hutong/gateway";
import { type DevPki, sampleTickets } from "@hutong/gateway/dev";
import {
  AuditDecision,
  AuditEntry,
  type GrantBody,
  GrantorKind,
  GrantServiceService,
  IdType,
  Purpose,
  RecordKind,
  RevocationReason,
  type SignedGrant,
  TicketServiceService,
} from "@hutong/proto";
import pg from "pg";
import { type CaseFigures, endOfCase, type Refusal, refusal, Status } from "./testing-abuse.js";
import { type GatewayProcess, type GatewayProcessOptions, owner, remoteCaller } from "./testing-robustness.js";

const hour = 3_600_000;
const ticket = sampleTickets("510000")[0];
const ticketNo = ticket?.ticketNo ?? "";

/** The owner's gateway takes grants for its records, and lets the other province use them. */
export function grantAbuseOptions(extra: GatewayProcessOptions = {}): GatewayProcessOptions {
  return {
    ...extra,
    config: (pki: DevPki) => ({
      grants: { holderAnchors: [pki.holderCaCert] },
      acl: [
        {
          callers: ["prov:510000/*", "prov:440000/*"],
          methods: ["hutong.v1.TicketService/VerifyTicket"],
          purposes: ["BOARDING_CHECK"],
        },
        {
          callers: ["prov:440000/*"],
          methods: ["hutong.v1.TicketService/GetTicket", "hutong.v1.TicketService/VerifyTicket"],
          purposes: ["TICKET_SERVICE", "THROUGH_TICKET"],
        },
        { callers: ["prov:440000/*"], methods: ["hutong.v1.GrantService/*"] },
      ],
      ...(typeof extra.config === "function" ? extra.config(pki) : (extra.config ?? {})),
    }),
  };
}

/** What the cases sign and send grants with. */
export interface GrantKit {
  readonly gw: GatewayProcess;
  readonly client: HutongClient;
  /** The subject digest of the sample ticket's passenger, under the federation's subject key. */
  readonly subject: Uint8Array;
  /** A holder's key and certificate for that subject, from the PKI's holder CA. */
  readonly holder: ReturnType<DevPki["holder"]>;
  /** A valid holder grant for the sample ticket, `overrides` applied, signed by the holder (or `signer`). */
  grant(overrides?: Partial<GrantBody>, signer?: ReturnType<DevPki["holder"]>): SignedGrant;
  /** Registers at the owner's gateway (the request's purpose must be the grant's). */
  register(grant: SignedGrant, purpose?: Purpose): Promise<string>;
  /** A GetTicket of the sample ticket under `grantId`, from the other province. */
  fetch(grantId: string, purpose?: Purpose, correlationId?: string): Promise<unknown>;
}

export async function grantKit(gw: GatewayProcess): Promise<GrantKit> {
  const key = await readSubjectKey(await gw.pki.subjectKeyFile());
  const subject = subjectDigest(key, IdType.ID_TYPE_RESIDENT_ID_CARD, ticket?.passenger?.idNo ?? "");
  const holder = gw.pki.holder(subject);
  const client = await gw.client(remoteCaller);
  const context = (purpose = Purpose.PURPOSE_TICKET_SERVICE, grantId = "", correlationId = "grant-abuse") => ({
    targetParty: owner,
    purpose,
    grantId,
    correlationId,
  });
  const kit: GrantKit = {
    gw,
    client,
    subject,
    holder,
    grant(overrides = {}, signer = holder) {
      const now = Date.now();
      return signGrant(
        {
          version: 1,
          grantorKind: GrantorKind.GRANTOR_KIND_HOLDER,
          grantorParty: "",
          granteeParty: "prov:440000",
          ownerParty: owner,
          subjectDigest: Buffer.from(subject),
          recordKind: RecordKind.RECORD_KIND_E_TICKET,
          recordIds: [ticketNo],
          purpose: Purpose.PURPOSE_TICKET_SERVICE,
          notBefore: new Date(now - hour),
          expiresAt: new Date(now + 24 * hour),
          useLimit: 3,
          fieldsAllowed: ["ticket.ticket_no", "ticket.sale_status"],
          issuedAt: new Date(now - hour),
          nonce: randomBytes(16),
          ...overrides,
        },
        signer.privateKey,
        signer.chain,
      );
    },
    async register(grant, purpose) {
      const r = await client.unary(GrantServiceService.registerGrant, { context: context(purpose), grant });
      assert.ok(r.record?.grantId);
      return r.record.grantId;
    },
    fetch(grantId, purpose, correlationId) {
      return client.unary(TicketServiceService.getTicket, {
        context: context(purpose, grantId, correlationId),
        ticketNo,
        annotate: false,
      });
    },
  };
  return kit;
}

export interface GrantAbuseCase {
  readonly name: string;
  /** Where the abuse is refused: registering the grant, or sharing under it (with this denial). */
  readonly refused: { at: "register"; code: string } | { at: "share"; denial: string };
  /** One bad input: the refusal it got. */
  attempt(kit: GrantKit): Promise<Refusal>;
}

/** A grant that registers, then is refused at share time with `denial`. */
function shareCase(name: string, denial: string, overrides: (kit: GrantKit) => Partial<GrantBody>): GrantAbuseCase {
  return {
    name,
    refused: { at: "share", denial },
    async attempt(kit) {
      const body = overrides(kit);
      const id = await kit.register(kit.grant(body), body.purpose);
      return refusal(kit.fetch(id));
    },
  };
}

/** A grant the owner's gateway refuses to register, with the grants code `code`. */
function registerCase(name: string, code: string, make: (kit: GrantKit) => SignedGrant): GrantAbuseCase {
  return {
    name,
    refused: { at: "register", code },
    attempt: (kit) => refusal(kit.register(make(kit))),
  };
}

const flip = (b: Uint8Array, at: number): Buffer => {
  const c = Buffer.from(b);
  c[at] = (c[at] ?? 0) ^ 0x01;
  return c;
};

export const grantAbuseCases: readonly GrantAbuseCase[] = [
  {
    name: "no grant where the purpose needs one",
    refused: { at: "share", denial: "grant-required" },
    attempt: (kit) => refusal(kit.fetch("")),
  },
  {
    name: "a grant id nobody registered",
    refused: { at: "share", denial: "grant-not-found" },
    attempt: (kit) => refusal(kit.fetch(`g1-${randomBytes(16).toString("hex")}`)),
  },
  registerCase("a forged signature", "bad-signature", (kit) => {
    const g = kit.grant();
    return { ...g, signature: flip(g.signature, g.signature.length - 2) };
  }),
  registerCase("a body changed after signing", "bad-signature", (kit) => {
    const g = kit.grant();
    // The last byte is the nonce's: still a well-formed body, no longer the signed one.
    return { ...g, body: flip(g.body, g.body.length - 1) };
  }),
  registerCase("a holder signing for another subject", "wrong-signer", (kit) =>
    kit.grant({ subjectDigest: Buffer.alloc(32, 7) }),
  ),
  registerCase("more uses than the purpose allows", "exceeds-policy", (kit) => kit.grant({ useLimit: 50 })),
  shareCase("an expired grant", "grant-expired", () => {
    const now = Date.now();
    return { notBefore: new Date(now - 3 * hour), issuedAt: new Date(now - 3 * hour), expiresAt: new Date(now - hour) };
  }),
  shareCase("a grant not yet valid", "grant-not-yet-valid", () => ({ notBefore: new Date(Date.now() + hour) })),
  shareCase("a grant for another grantee", "wrong-grantee", () => ({ granteeParty: "prov:650000" })),
  shareCase("a grant for another purpose", "wrong-purpose", () => ({
    purpose: Purpose.PURPOSE_THROUGH_TICKET,
    useLimit: 3,
  })),
  shareCase("a grant for another record", "wrong-record", () => ({ recordIds: ["51-NOT-THIS-ONE"] })),
  shareCase("a grant for another owner", "wrong-owner", () => ({ ownerParty: "prov:440000" })),
  {
    name: "another person's grant naming this ticket (the record is about someone else)",
    refused: { at: "share", denial: "wrong-subject" },
    async attempt(kit) {
      const other = new Uint8Array(32).fill(0x5c);
      const id = await kit.register(kit.grant({ subjectDigest: Buffer.from(other) }, kit.gw.pki.holder(other)));
      return refusal(kit.fetch(id));
    },
  },
  {
    name: "a revoked grant",
    refused: { at: "share", denial: "grant-revoked" },
    async attempt(kit) {
      const id = await kit.register(kit.grant());
      const revocation = signRevocation(
        { grantId: id, revokedAt: new Date(Date.now() - 1000), reason: RevocationReason.REVOCATION_REASON_WITHDRAWN },
        kit.holder.privateKey,
        kit.holder.chain,
      );
      await kit.client.unary(GrantServiceService.revokeGrant, {
        context: { targetParty: owner, purpose: Purpose.PURPOSE_TICKET_SERVICE, grantId: "", correlationId: "revoke" },
        grantId: id,
        revocation,
      });
      return refusal(kit.fetch(id));
    },
  },
  {
    name: "a grant used up (its k uses, then one more)",
    refused: { at: "share", denial: "grant-used-up" },
    async attempt(kit) {
      const id = await kit.register(kit.grant({ useLimit: 2 }));
      await kit.fetch(id);
      await kit.fetch(id);
      return refusal(kit.fetch(id));
    },
  },
];

/** Runs each case `repeats` times, checking the answer, the RSS bound and a legitimate call after. */
export async function runGrantAbuse(kit: GrantKit, repeats: number): Promise<{ name: string; figures: CaseFigures }[]> {
  const out: { name: string; figures: CaseFigures }[] = [];
  for (const c of grantAbuseCases) {
    const from = kit.gw.output().length;
    for (let i = 0; i < repeats; i++) {
      const r = await c.attempt(kit);
      assert.equal(r.code, Status.PERMISSION_DENIED, `${c.name}: ${r.code} ${r.message}`);
      if (c.refused.at === "share") {
        assert.equal(r.trailers["hutong-denial"], c.refused.denial, `${c.name}: ${r.message}`);
        assert.equal(r.message, `share refused: ${c.refused.denial}`);
      } else {
        assert.match(r.message, new RegExp(`^grant refused \\(${c.refused.code}\\)`), c.name);
      }
    }
    out.push({ name: c.name, figures: await endOfCase(kit.gw, c.name, from) });
  }
  return out;
}

export interface ParallelUses {
  readonly ok: number;
  readonly usedUp: number;
  readonly other: readonly string[];
  /** Audit entries of the owner's gateway for these calls: allowed and denied. */
  readonly audited: { readonly allowed: number; readonly denied: number };
}

/**
 * `n` uses of one `k`-use grant at once, from several sessions: exactly `k` may succeed, every other
 * one is refused `grant-used-up`, and the audit log holds one allow per success and one deny per
 * refusal. `auditedBy` reads the owner's audit entries (the store the process writes).
 */
export async function parallelUses(
  kit: GrantKit,
  n: number,
  k: number,
  auditedBy: (correlationPrefix: string) => Promise<{ allowed: number; denied: number }>,
): Promise<ParallelUses> {
  const id = await kit.register(kit.grant({ useLimit: k }));
  const clients = await Promise.all(Array.from({ length: 8 }, () => kit.gw.client(remoteCaller)));
  const prefix = `par-${randomBytes(4).toString("hex")}-`;
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      (clients[i % clients.length] as HutongClient)
        .unary(TicketServiceService.getTicket, {
          context: {
            targetParty: owner,
            purpose: Purpose.PURPOSE_TICKET_SERVICE,
            grantId: id,
            correlationId: `${prefix}${i}`,
          },
          ticketNo,
          annotate: false,
        })
        .then(
          () => "ok",
          (e: unknown) => {
            const r = e as { code?: number; trailers?: Record<string, string>; message?: string };
            return r.trailers?.["hutong-denial"] ?? `${r.code} ${r.message}`;
          },
        ),
    ),
  );
  for (const c of clients) c.close();
  return {
    ok: results.filter((r) => r === "ok").length,
    usedUp: results.filter((r) => r === "grant-used-up").length,
    other: results.filter((r) => r !== "ok" && r !== "grant-used-up"),
    audited: await auditedBy(prefix),
  };
}

/** A PostgreSQL schema of its own for one gateway process, dropped by `drop()`. */
export async function postgresSchema(url: string): Promise<{
  options: GatewayProcessOptions;
  location: { kind: "postgres"; url: string; schema: string };
  drop(): Promise<void>;
}> {
  const schema = `robust_${randomBytes(6).toString("hex")}`;
  return {
    // path: undefined drops the harness's SQLite path from the merged config (YAML leaves it out).
    options: {
      config: { store: { kind: "postgres", path: undefined, urlEnv: "HUTONG_PG_URL", schema } },
      env: { HUTONG_PG_URL: url },
    },
    location: { kind: "postgres", url, schema },
    async drop() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Counts the owner's audit entries whose correlation id starts with `prefix`, from its store. */
export async function auditedIn(
  location: { kind: "sqlite"; path: string } | { kind: "postgres"; url: string; schema: string },
  prefix: string,
): Promise<{ allowed: number; denied: number }> {
  const store = await openStore(location, { hash: "sm3" });
  try {
    const reader = createAuditReader(store, merkleHasher("sm3"));
    const head = await reader.head();
    let allowed = 0;
    let denied = 0;
    for await (const e of reader.export({ fromIndex: 0, toIndex: head.size })) {
      const entry = AuditEntry.decode(e.bytes);
      if (!entry.correlationId.startsWith(prefix)) continue;
      if (entry.decision === AuditDecision.AUDIT_DECISION_ALLOW) allowed++;
      else denied++;
    }
    return { allowed, denied };
  } finally {
    await store.close();
  }
}
