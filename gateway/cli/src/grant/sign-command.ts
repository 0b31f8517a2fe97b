import { randomBytes } from "node:crypto";
import { isValidPartyId } from "@hutong/certs";
import { isGrantsError, signerIdentity, signGrant, subjectDigest } from "@hutong/gateway";
import { type GrantBody, GrantorKind, IdType } from "@hutong/proto";
import { Command } from "commander";
import type { CommandIo } from "../support/command-io.js";
import { UsageError } from "../support/usage-error.js";
import { checkedGrant, GrantFileError, grantFileOf, grantJson, writeGrantFile } from "./grant-file.js";
import {
  countOf,
  idTypeOf,
  purposeOf,
  readSigner,
  recordKindOf,
  secretValue,
  subjectKeyOf,
  timeOf,
} from "./grant-flags.js";
import { collect } from "./grant-session.js";

interface SignFlags {
  signerKey: string;
  signerChain: string;
  signerPassphraseEnv?: string;
  grantee: string;
  owner?: string;
  purpose: string;
  recordKind: string;
  recordId: string[];
  field: string[];
  notBefore?: string;
  expires?: string;
  days?: string;
  maxUses: string;
  subjectDigest?: string;
  subjectIdType?: string;
  subjectIdNo?: string;
  subjectUscc?: string;
  subjectKeyFile?: string;
  out: string;
}

const day = 86_400_000;

/**
 * An authority grant's subject (a holder's is its own certificate's): a digest in hex, a person by
 * id type and number, or an enterprise by its credit code, digested here with the federation
 * subject key. The number is read from stdin or a file and never printed.
 */
async function authoritySubject(f: SignFlags): Promise<Uint8Array> {
  const ways = [
    f.subjectDigest !== undefined,
    f.subjectIdType !== undefined || f.subjectIdNo !== undefined,
    f.subjectUscc !== undefined,
  ].filter(Boolean).length;
  if (ways !== 1) {
    throw new UsageError(
      "an authority grant names its subject with exactly one of --subject-digest, --subject-id-type/--subject-id-no, --subject-uscc",
    );
  }
  if (f.subjectDigest !== undefined) {
    if (f.subjectKeyFile !== undefined) throw new UsageError("--subject-digest needs no --subject-key-file");
    if (!/^[0-9a-fA-F]{64}$/.test(f.subjectDigest)) throw new UsageError("--subject-digest must be 64 hex digits");
    return new Uint8Array(Buffer.from(f.subjectDigest, "hex"));
  }
  if (f.subjectKeyFile === undefined) throw new UsageError("a subject by number needs --subject-key-file");
  const key = await subjectKeyOf(f.subjectKeyFile);
  let idType: IdType;
  let idNo: string;
  if (f.subjectUscc !== undefined) {
    idType = IdType.ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE;
    idNo = f.subjectUscc;
  } else {
    if (f.subjectIdType === undefined || f.subjectIdNo === undefined) {
      throw new UsageError("a person as subject needs both --subject-id-type and --subject-id-no");
    }
    idType = idTypeOf(f.subjectIdType);
    idNo = await secretValue(f.subjectIdNo, "--subject-id-no");
  }
  try {
    return subjectDigest(key, idType, idNo);
  } catch (e) {
    if (isGrantsError(e)) throw new UsageError(`subject: ${e.message}`);
    throw e;
  }
}

function window(f: SignFlags, now: Date): { notBefore: Date; expiresAt: Date } {
  const notBefore = f.notBefore === undefined ? now : timeOf(f.notBefore, "--not-before");
  if ((f.expires === undefined) === (f.days === undefined)) {
    throw new UsageError("give the grant's end with exactly one of --expires <time> or --days <n>");
  }
  const expiresAt =
    f.expires !== undefined
      ? timeOf(f.expires, "--expires")
      : new Date(notBefore.getTime() + countOf(f.days ?? "", "--days") * day);
  return { notBefore, expiresAt };
}

/**
 * `hutong grant sign`: the grantor (a holder with its holder certificate, or an authority with its
 * party certificate) signs a grant body (docs/grants.md §3) into a grant file. The grantor kind
 * follows from the certificate: a subject URI makes a HOLDER grant about that subject; a party id
 * an AUTHORITY grant by that party.
 */
export function signCommand(io: CommandIo): Command {
  return new Command("sign")
    .description(
      "sign a grant with the grantor's key and certificate (a holder's: consent; an authority's: an order) into a grant file",
    )
    .requiredOption("--signer-key <file>", "the grantor's private key (PEM)")
    .requiredOption("--signer-chain <file>", "the grantor's certificate chain (PEM, leaf first, without the anchor)")
    .option("--signer-passphrase-env <name>", "environment variable holding the key's passphrase")
    .requiredOption("--grantee <party>", "the party that may receive the data (a member id covers its systems)")
    .option("--owner <party>", "the data owner, whose gateway enforces the grant (required for a holder grant)")
    .requiredOption("--purpose <purpose>", "e.g. LICENCE_USE, TICKET_SERVICE, EMERGENCY")
    .requiredOption("--record-kind <kind>", "LICENCE, E_TICKET or E_INVOICE")
    .option(
      "--record-id <id>",
      "a record the grant covers: licence_id, ticket_no, invoice_no (repeatable)",
      collect,
      [],
    )
    .option(
      "--field <path>",
      "a field the grantee may receive, e.g. licence.operating_permit (repeatable; none: verify only)",
      collect,
      [],
    )
    .option("--not-before <time>", "start of validity, ISO 8601 (default now)")
    .option("--expires <time>", "end of validity (exclusive), ISO 8601")
    .option("--days <n>", "validity in days from --not-before")
    .option("--max-uses <n>", "shares allowed (use_limit; 0 = unlimited, authority grants only)", "1")
    .option("--subject-digest <hex>", "authority grants: the subject's digest (64 hex digits)")
    .option("--subject-id-type <type>", "authority grants: the person's id type (RESIDENT_ID_CARD or 201, ...)")
    .option(
      "--subject-id-no <-|@file>",
      "authority grants: the person's ID number from stdin (-) or a file, never argv",
    )
    .option("--subject-uscc <code>", "authority grants: the enterprise's unified social credit code")
    .option(
      "--subject-key-file <file>",
      "the federation subject key (64 hex digits), to digest a subject given by number",
    )
    .requiredOption("--out <file>", "the grant file to write")
    .action(async (f: SignFlags) => {
      const signer = await readSigner(f);
      const [leaf] = signer.chain;
      if (leaf === undefined) throw new UsageError("--signer-chain holds no certificate");
      let who: ReturnType<typeof signerIdentity>;
      try {
        who = signerIdentity(leaf);
      } catch (e) {
        if (isGrantsError(e)) throw new UsageError(`--signer-chain: ${e.message}`);
        throw e;
      }
      for (const [flag, party] of [
        ["--grantee", f.grantee],
        ["--owner", f.owner],
      ] as const) {
        if (party !== undefined && !isValidPartyId(party)) throw new UsageError(`${flag} ${party} is not a party id`);
      }
      const holder = who.kind === "holder";
      if (holder) {
        const given = [f.subjectDigest, f.subjectIdType, f.subjectIdNo, f.subjectUscc].some((v) => v !== undefined);
        if (given) throw new UsageError("a holder grant is about its signer: its subject is the holder certificate's");
        if (f.owner === undefined)
          throw new UsageError("a holder grant names its --owner (whose gateway counts its uses)");
      }
      const now = new Date();
      const body: GrantBody = {
        version: 1,
        grantorKind: holder ? GrantorKind.GRANTOR_KIND_HOLDER : GrantorKind.GRANTOR_KIND_AUTHORITY,
        grantorParty: who.kind === "party" ? who.partyId : "",
        granteeParty: f.grantee,
        ownerParty: f.owner ?? "",
        subjectDigest: Buffer.from(who.kind === "holder" ? who.subjectDigest : await authoritySubject(f)),
        recordKind: recordKindOf(f.recordKind),
        recordIds: f.recordId,
        purpose: purposeOf(f.purpose),
        ...window(f, now),
        useLimit: countOf(f.maxUses, "--max-uses"),
        fieldsAllowed: f.field,
        issuedAt: now,
        nonce: randomBytes(16),
      };
      let signed: ReturnType<typeof signGrant>;
      try {
        signed = signGrant(
          body,
          signer.key,
          signer.chain.map((c) => c.der),
        );
      } catch (e) {
        if (isGrantsError(e)) throw new UsageError(`the grant cannot be signed: ${e.message}`);
        throw e;
      }
      // What the owner's gateway will check too, short of the signer's path to an anchor: refused
      // here rather than at registration (the purpose policy's caps, above all).
      let checked: ReturnType<typeof checkedGrant>;
      try {
        checked = checkedGrant(signed, "the signed grant");
      } catch (e) {
        if (e instanceof GrantFileError) throw new UsageError(e.message);
        throw e;
      }
      await writeGrantFile(f.out, grantFileOf(signed, checked.id));
      io.stdout.write(`${JSON.stringify(grantJson(checked), null, 2)}\n`);
      io.stderr.write(`grant ${checked.id} written to ${f.out}\n`);
    });
}
