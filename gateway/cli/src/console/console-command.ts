import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { keyedSubjectDigest } from "@hutong/certs";
import { addAccount, isConsoleError, loadConsoleConfig, startConsole } from "@hutong/console";
import { IdType } from "@hutong/proto";
import { Command } from "commander";
import { UsageError } from "../support/usage-error.js";
import { readStdinLines } from "./stdin-lines.js";

// `hutong console`: run the web console from its config, and manage its local accounts. A
// password (and a holder's ID number) is read from standard input, never from the command line,
// where other users could see it in the process list and the shell would keep it.

const roles = ["ministry", "province", "auditor", "holder"] as const;

interface AddFlags {
  accounts: string;
  username: string;
  displayName?: string;
  role: string;
  province?: string;
  subjectKeyFile?: string;
}

function addAccountCommand(): Command {
  return new Command("add-account")
    .description(
      "add or replace an account in the console's accounts file; reads the password (and, for a holder, the ID number) from standard input, one per line",
    )
    .requiredOption("--accounts <file>", "the accounts file (created if absent, mode 0600)")
    .requiredOption("--username <name>", "lowercase letters, digits, . _ -")
    .requiredOption("--role <role>", roles.join(" | "))
    .option("--display-name <name>", "shown in the page; default the username")
    .option("--province <code>", "a province operator's 6-digit province code")
    .option(
      "--subject-key-file <file>",
      "a holder's: the federation subject key, to turn the ID number into its digest",
    )
    .action(async (f: AddFlags) => {
      if (!(roles as readonly string[]).includes(f.role))
        throw new UsageError(`--role must be one of ${roles.join(", ")}`);
      const role = f.role as (typeof roles)[number];
      if ((role === "province") !== (f.province !== undefined))
        throw new UsageError("--province is for, and only for, --role province");
      if ((role === "holder") !== (f.subjectKeyFile !== undefined))
        throw new UsageError("--subject-key-file is for, and only for, --role holder");
      const lines = await readStdinLines(role === "holder" ? 2 : 1);
      const password = lines[0] ?? "";
      let subjectDigestHex: string | undefined;
      if (role === "holder") {
        const key = Buffer.from((await readFile(f.subjectKeyFile ?? "", "utf8")).trim(), "hex");
        try {
          subjectDigestHex = Buffer.from(
            keyedSubjectDigest(key, IdType.ID_TYPE_RESIDENT_ID_CARD, lines[1] ?? ""),
          ).toString("hex");
        } catch {
          throw new UsageError(
            "the second line must be the holder's ID number (and the subject key at least 32 bytes)",
          );
        }
      }
      try {
        await addAccount(resolve(f.accounts), {
          username: f.username,
          displayName: f.displayName ?? f.username,
          role,
          ...(f.province === undefined ? {} : { province: f.province }),
          ...(subjectDigestHex === undefined ? {} : { subjectDigestHex }),
          password,
        });
      } catch (e) {
        if (isConsoleError(e)) throw new UsageError(e.message);
        throw e;
      }
      console.error(`hutong: account ${f.username} (${role}) written to ${f.accounts}`);
    });
}

function startConsoleCommand(): Command {
  return new Command("start")
    .description("run the web console (docs/console.md)")
    .requiredOption("--config <file>", "the console's config (YAML)")
    .action(async (f: { config: string }) => {
      let running: Awaited<ReturnType<typeof startConsole>>;
      try {
        running = await startConsole(await loadConsoleConfig(resolve(f.config)));
      } catch (e) {
        if (isConsoleError(e)) throw new UsageError(e.message);
        throw e;
      }
      console.error(`hutong: console on ${running.url}`);
      const stop = async () => {
        await running.close();
        process.exit(0);
      };
      process.once("SIGINT", () => void stop());
      process.once("SIGTERM", () => void stop());
    });
}

export function consoleCommand(): Command {
  return new Command("console")
    .description("the web console for the ministry, provinces, auditors and holders")
    .addCommand(startConsoleCommand())
    .addCommand(addAccountCommand());
}
