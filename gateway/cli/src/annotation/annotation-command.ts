import { Command } from "commander";
import { type CommandIo, processCommandIo as processIo } from "../support/command-io.js";
import { verifyAnnotationCommand } from "./verify-annotation-command.js";

/** `hutong annotation`: annotated copies (加注件, docs/annotated-copies.md). */
export function annotationCommand(io: CommandIo = processIo): Command {
  const group = new Command("annotation")
    .description("annotated copies (加注件) of fetched records: verify one offline")
    .addCommand(verifyAnnotationCommand(io));
  // As for `hutong audit`: commander's own usage errors must exit 2 (bin.ts), not 1, which means
  // "invalid" here.
  for (const c of [group, ...group.commands]) {
    c.exitOverride().configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  }
  return group;
}
