import { Command } from "commander";
import { type CommandIo, processCommandIo as processIo } from "../support/command-io.js";
import { registerCommand } from "./register-command.js";
import { revokeCommand } from "./revoke-command.js";
import { showCommand } from "./show-command.js";
import { signCommand } from "./sign-command.js";

/**
 * `hutong grant sign|register|revoke|show` (docs/grants.md): a holder (a person or an enterprise,
 * with its holder certificate) or an authority signs a grant into a file; the file is registered at
 * the data owner's gateway and can be revoked there; `show` prints a file or the grant's state.
 * The grant artefact's code is the gateway's (@hutong/gateway: signGrant, checkGrantSignature,
 * signRevocation), not a copy.
 */
export function grantCommand(io: CommandIo = processIo): Command {
  const group = new Command("grant")
    .description("grants (授权): sign one into a file, register it at the owner's gateway, revoke it, show it")
    .addCommand(signCommand(io))
    .addCommand(registerCommand(io))
    .addCommand(revokeCommand(io))
    .addCommand(showCommand(io));
  // As for `hutong annotation`: commander's own usage errors must exit 2 (bin.ts), not 1, which
  // means "refused" here.
  for (const c of [group, ...group.commands]) {
    c.exitOverride().configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  }
  return group;
}
