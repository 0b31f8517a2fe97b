import { isGrantId, isGrantsError, signRevocation } from "@hutong/gateway";
import { GrantServiceService, type Purpose } from "@hutong/proto";
import { Command } from "commander";
import type { CommandIo } from "../support/command-io.js";
import { UsageError } from "../support/usage-error.js";
import { GrantFileError, readGrantFile, recordJson } from "./grant-file.js";
import { purposeOf, readSigner, revocationReasonOf } from "./grant-flags.js";
import { grantCall, grantContext, type SessionFlags, withSessionFlags } from "./grant-session.js";

interface RevokeFlags extends SessionFlags {
  id?: string;
  owner?: string;
  purpose?: string;
  target?: string;
  signerKey: string;
  signerChain: string;
  signerPassphraseEnv?: string;
  reason: string;
}

/** The grant to revoke: from its file, or named by --id with --owner and --purpose. */
async function grantOf(
  io: CommandIo,
  file: string | undefined,
  f: RevokeFlags,
): Promise<{ id: string; target: string; purpose: Purpose } | undefined> {
  if (file !== undefined) {
    if (f.id !== undefined || f.purpose !== undefined)
      throw new UsageError("give a grant file or --id/--purpose, not both");
    try {
      const { checked } = await readGrantFile(file);
      const target = f.target ?? f.owner ?? checked.body.ownerParty;
      if (target === "") throw new UsageError("the grant names no owner (an authority grant): give --target");
      return { id: checked.id, target, purpose: checked.body.purpose };
    } catch (e) {
      if (!(e instanceof GrantFileError)) throw e;
      io.stderr.write(`ERROR: ${e.message}; not revoked\n`);
      io.exitCode(1);
      return undefined;
    }
  }
  if (f.id === undefined || f.purpose === undefined || (f.owner ?? f.target) === undefined) {
    throw new UsageError("without a grant file, give --id, --owner (or --target) and --purpose");
  }
  if (!isGrantId(f.id)) throw new UsageError(`--id ${f.id} is not a grant id (g1- and 32 hex digits)`);
  return { id: f.id, target: f.target ?? f.owner ?? "", purpose: purposeOf(f.purpose) };
}

/**
 * `hutong grant revoke`: signs a revocation (docs/grants.md §6) with the revoker's key (the
 * holder's certificate for its own grant, a system of the grantee or of the authority grantor, or
 * a revocation authority) and sends it to the owner's gateway, which records it, passes it on to
 * its peers and marks the grant REVOKED. Prints the grant's state.
 */
export function revokeCommand(io: CommandIo): Command {
  return withSessionFlags(
    new Command("revoke")
      .description("sign a revocation of a grant and send it to the owner's gateway (through yours)")
      .argument("[file]", "the grant file (or --id, --owner, --purpose)")
      .option("--id <grant-id>", "the grant's id, g1-…")
      .option("--owner <party>", "the owner whose gateway holds the grant")
      .option("--purpose <purpose>", "the grant's purpose")
      .option("--target <party>", "the gateway to send the revocation to (default the owner)")
      .requiredOption("--signer-key <file>", "the revoker's private key (PEM)")
      .requiredOption("--signer-chain <file>", "the revoker's certificate chain (PEM, leaf first)")
      .option("--signer-passphrase-env <name>", "environment variable holding the revoker key's passphrase")
      .option(
        "--reason <reason>",
        "withdrawn (the grantor), relinquished (the grantee), superseded, key-compromise, ordered (an authority)",
        "withdrawn",
      ),
  ).action(async (file: string | undefined, f: RevokeFlags) => {
    const reason = revocationReasonOf(f.reason);
    const grant = await grantOf(io, file, f);
    if (grant === undefined) return;
    const signer = await readSigner(f);
    let revocation: ReturnType<typeof signRevocation>;
    try {
      revocation = signRevocation(
        { grantId: grant.id, revokedAt: new Date(), reason },
        signer.key,
        signer.chain.map((c) => c.der),
      );
    } catch (e) {
      if (isGrantsError(e)) throw new UsageError(`the revocation cannot be signed: ${e.message}`);
      throw e;
    }
    const res = await grantCall(io, f, GrantServiceService.revokeGrant, {
      context: grantContext(grant.target, grant.purpose),
      grantId: grant.id,
      revocation,
    });
    if (res === undefined) return;
    const state = res.record === undefined ? {} : recordJson(res.record);
    io.stdout.write(`${JSON.stringify({ grantId: grant.id, gateway: grant.target, ...state }, null, 2)}\n`);
  });
}
