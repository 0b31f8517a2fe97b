import { GrantServiceService } from "@hutong/proto";
import { Command } from "commander";
import type { CommandIo } from "../support/command-io.js";
import { UsageError } from "../support/usage-error.js";
import { GrantFileError, readGrantFile, recordJson } from "./grant-file.js";
import { grantCall, grantContext, type SessionFlags, withSessionFlags } from "./grant-session.js";

interface RegisterFlags extends SessionFlags {
  target?: string;
}

/**
 * `hutong grant register FILE`: the grant file, checked here first (a changed file is refused
 * before anything is sent), goes to its owner's gateway (GrantService/RegisterGrant) through the
 * caller's gateway; the owner's gateway verifies it in full and keeps it. Prints the grant's state.
 */
export function registerCommand(io: CommandIo): Command {
  return withSessionFlags(
    new Command("register")
      .description("register a grant file at the owner's gateway (through yours); prints the grant's state")
      .argument("<file>", "the grant file (hutong grant sign)")
      .option("--target <party>", "the gateway to register at (default the grant's owner; needed when it names none)"),
  ).action(async (file: string, flags: RegisterFlags) => {
    let grant: Awaited<ReturnType<typeof readGrantFile>>;
    try {
      grant = await readGrantFile(file);
    } catch (e) {
      if (!(e instanceof GrantFileError)) throw e;
      io.stderr.write(`ERROR: ${e.message}; not registered\n`);
      io.exitCode(1);
      return;
    }
    const body = grant.checked.body;
    const target = flags.target ?? body.ownerParty;
    if (target === "") throw new UsageError("the grant names no owner (an authority grant): give --target");
    const res = await grantCall(io, flags, GrantServiceService.registerGrant, {
      context: grantContext(target, body.purpose),
      grant: grant.signed,
    });
    if (res === undefined) return;
    const record = res.record;
    if (record === undefined || record.grantId !== grant.checked.id) {
      io.stderr.write(`ERROR: ${target}'s gateway answered for another grant than ${grant.checked.id}\n`);
      io.exitCode(1);
      return;
    }
    io.stdout.write(
      `${JSON.stringify({ grantId: record.grantId, gateway: target, ...recordJson(record) }, null, 2)}\n`,
    );
  });
}
