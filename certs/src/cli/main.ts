import { Command, CommanderError } from "commander";
import { CertsError } from "../error.js";
import { registerCrl } from "./commands/crl.js";
import { registerCsr } from "./commands/csr.js";
import { registerInitCa } from "./commands/init-ca.js";
import { registerIssue } from "./commands/issue.js";
import { registerIssueCa } from "./commands/issue-ca.js";
import { registerIssueEnterprise, registerIssueHolder } from "./commands/issue-holder.js";
import { registerRevoke } from "./commands/revoke.js";
import { registerShow } from "./commands/show.js";
import { registerVerify } from "./commands/verify.js";
import { CliError } from "./support/cli-error.js";

/**
 * hutong-certs: the operator CLI of the SM2 PKI. Exit status: 0 success,
 * 1 a certificate/key/CRL problem (the CertsError code is printed), 2 usage.
 */
export function createProgram(): Command {
  const program = new Command("hutong-certs")
    .description("SM2 PKI toolkit for the hutong federation: CAs, party and holder certificates, CRLs, path validation")
    .option("--json", "machine-readable output")
    .showHelpAfterError()
    .exitOverride();
  for (const register of [
    registerInitCa,
    registerIssueCa,
    registerIssue,
    registerIssueHolder,
    registerIssueEnterprise,
    registerCsr,
    registerRevoke,
    registerCrl,
    registerVerify,
    registerShow,
  ]) {
    register(program);
  }
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

export async function runCli(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  const json = argv.includes("--json");
  try {
    await program.parseAsync([...argv], { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2; // help/version exit 0; usage errors 2
    const [status, code] = e instanceof CertsError ? [1, e.code] : e instanceof CliError ? [2, "usage"] : [2, "error"];
    const message = e instanceof Error ? e.message : String(e);
    if (json) console.log(JSON.stringify({ ok: false, code, message }));
    console.error(`hutong-certs: ${code === "usage" || code === "error" ? "" : `${code}: `}${message}`);
    return status;
  }
}
