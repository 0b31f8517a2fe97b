import { isGrantId } from "@hutong/gateway";
import { GrantServiceService } from "@hutong/proto";
import { Command } from "commander";
import type { CommandIo } from "../support/command-io.js";
import { UsageError } from "../support/usage-error.js";
import { checkedGrant, GrantFileError, grantJson, readGrantFile, recordJson } from "./grant-file.js";
import { purposeOf } from "./grant-flags.js";
import { grantCall, grantContext, type SessionFlags, withSessionFlags } from "./grant-session.js";

interface ShowFlags extends SessionFlags {
  state?: boolean;
  id?: string;
  owner?: string;
  purpose?: string;
  target?: string;
}

/**
 * `hutong grant show`: a grant file as JSON, checked offline (its format, its signer bound to the
 * grantor, its signature and the purpose policy; a changed file is refused), or with --state the
 * grant as the owner's gateway keeps it (GetGrant: status, uses, revocation). Grants name their
 * subject by digest only, so no ID number is ever printed.
 */
export function showCommand(io: CommandIo): Command {
  const print = (json: unknown) => io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  return withSessionFlags(
    new Command("show")
      .description("print a grant file as JSON (checked offline), or with --state its state at the owner's gateway")
      .argument("[file]", "the grant file")
      .option("--state", "ask the owner's gateway (through yours) for the grant's state")
      .option("--id <grant-id>", "with --state and no file: the grant's id")
      .option("--owner <party>", "with --state and no file: the owner whose gateway holds it")
      .option("--purpose <purpose>", "with --state and no file: the grant's purpose")
      .option("--target <party>", "the gateway to ask (default the owner)"),
  ).action(async (file: string | undefined, f: ShowFlags) => {
    let fromFile: Awaited<ReturnType<typeof readGrantFile>> | undefined;
    if (file !== undefined) {
      try {
        fromFile = await readGrantFile(file);
      } catch (e) {
        if (!(e instanceof GrantFileError)) throw e;
        io.stderr.write(`ERROR: ${e.message}\n`);
        io.exitCode(1);
        return;
      }
    }
    if (f.state !== true) {
      if (fromFile === undefined)
        throw new UsageError("give a grant file, or --state with --id, --owner and --purpose");
      print(grantJson(fromFile.checked));
      return;
    }
    let id: string;
    let target: string;
    let purpose: ReturnType<typeof purposeOf>;
    if (fromFile !== undefined) {
      id = fromFile.checked.id;
      target = f.target ?? f.owner ?? fromFile.checked.body.ownerParty;
      purpose = fromFile.checked.body.purpose;
      if (target === "") throw new UsageError("the grant names no owner (an authority grant): give --target");
    } else {
      if (f.id === undefined || f.purpose === undefined || (f.owner ?? f.target) === undefined) {
        throw new UsageError("--state without a grant file needs --id, --owner (or --target) and --purpose");
      }
      if (!isGrantId(f.id)) throw new UsageError(`--id ${f.id} is not a grant id (g1- and 32 hex digits)`);
      id = f.id;
      target = f.target ?? f.owner ?? "";
      purpose = purposeOf(f.purpose);
    }
    const res = await grantCall(io, f, GrantServiceService.getGrant, {
      context: grantContext(target, purpose),
      grantId: id,
    });
    if (res === undefined) return;
    const record = res.record;
    if (record === undefined || record.grantId !== id) {
      io.stderr.write(`ERROR: ${target}'s gateway answered for another grant than ${id}\n`);
      io.exitCode(1);
      return;
    }
    let grant: Record<string, unknown> = { grantId: id };
    if (record.grant !== undefined) {
      try {
        grant = grantJson(checkedGrant(record.grant, `${target}'s record of ${id}`));
      } catch (e) {
        if (!(e instanceof GrantFileError)) throw e;
        io.stderr.write(`ERROR: ${e.message}\n`);
        io.exitCode(1);
        return;
      }
    }
    print({ ...grant, gateway: target, state: recordJson(record) });
  });
}
