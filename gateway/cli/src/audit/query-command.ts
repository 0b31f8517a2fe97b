import { contextIdRule, isContextId, isGrantsError, readSubjectKey, subjectDigest } from "@hutong/gateway";
import { AuditServiceService, IdType, type QueryEntriesRequest } from "@hutong/proto";
import { Command } from "commander";
import { UsageError } from "../support/usage-error.js";
import { bigToIndex, type ClientFlags, openClient, parseCount, timeoutOf } from "./audit-flags.js";
import { type AuditCommandIo, failedCall, printer } from "./audit-io.js";
import { auditEntryJson, entryLine } from "./entry-format.js";

interface QueryFlags extends ClientFlags {
  subjectDigest?: string;
  subjectIdType?: string;
  subjectIdNo?: string;
  subjectKeyFile?: string;
  party?: string;
  grant?: string;
  from?: string;
  to?: string;
  pageSize?: string;
  pageToken?: string;
  all?: boolean;
  json?: boolean;
  correlationId?: string;
  timeout: string;
}

function idTypeOf(text: string): IdType {
  const byName = (IdType as unknown as Record<string, number | string>)[
    text.startsWith("ID_TYPE_") ? text : `ID_TYPE_${text}`
  ];
  const value = /^[0-9]+$/.test(text) ? Number(text) : byName;
  if (typeof value !== "number" || value <= 0 || typeof IdType[value] !== "string") {
    throw new UsageError(`--subject-id-type ${text} is not an id type (e.g. RESIDENT_ID_CARD or 201)`);
  }
  return value as IdType;
}

async function readStdin(io: AuditCommandIo): Promise<string> {
  let s = "";
  for await (const c of io.stdin) s += typeof c === "string" ? c : c.toString("utf8");
  return s;
}

/**
 * The subject digest to query by: given in hex, or computed here from an id
 * type, number and the federation subject key. The number is read (from the
 * flag, or stdin with "-" so it stays out of shell history), digested and
 * never printed, logged or put in an error message.
 */
async function subjectDigestOf(io: AuditCommandIo, flags: QueryFlags): Promise<Uint8Array | undefined> {
  const byNumber = [flags.subjectIdType, flags.subjectIdNo, flags.subjectKeyFile].filter((f) => f !== undefined).length;
  if (flags.subjectDigest !== undefined) {
    if (byNumber > 0)
      throw new UsageError("give --subject-digest or --subject-id-type/-no/--subject-key-file, not both");
    if (!/^[0-9a-fA-F]{64}$/.test(flags.subjectDigest)) throw new UsageError("--subject-digest must be 64 hex digits");
    return new Uint8Array(Buffer.from(flags.subjectDigest, "hex"));
  }
  if (byNumber === 0) return undefined;
  if (byNumber !== 3) {
    throw new UsageError("a subject by number needs --subject-id-type, --subject-id-no and --subject-key-file");
  }
  const idType = idTypeOf(flags.subjectIdType as string);
  let key: Uint8Array;
  try {
    key = await readSubjectKey(flags.subjectKeyFile as string);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const idNo = flags.subjectIdNo === "-" ? ((await readStdin(io)).split("\n")[0] ?? "") : (flags.subjectIdNo as string);
  try {
    return subjectDigest(key, idType, idNo);
  } catch (e) {
    // GrantsError messages describe the rule, never the number.
    if (isGrantsError(e)) throw new UsageError(`--subject-id-no: ${e.message}`);
    throw e;
  }
}

function timeOf(text: string | undefined, flag: string): Date | undefined {
  if (text === undefined) return undefined;
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new UsageError(`${flag} is not an ISO 8601 time`);
  return d;
}

export function queryCommand(io: AuditCommandIo): Command {
  const { out } = printer(io);
  return new Command("query")
    .description(
      "who accessed what (QueryEntries): entries by subject, party, grant and time, newest first; entries are decoded for display",
    )
    .requiredOption("--profile <file>", "client profile, as for hutong call")
    .option("--subject-digest <hex>", "the subject's keyed SM3 digest (64 hex digits)")
    .option(
      "--subject-id-type <type>",
      "id type, e.g. RESIDENT_ID_CARD or 201 (with --subject-id-no and --subject-key-file)",
    )
    .option("--subject-id-no <number>", 'the id number, or "-" to read it from stdin; digested here, never printed')
    .option("--subject-key-file <file>", "the federation subject key (64 hex digits)")
    .option("--party <party>", "entries where this party is the requester or the owner")
    .option("--grant <id>", "entries under this grant")
    .option("--from <time>", "from this time (ISO 8601, inclusive)")
    .option("--to <time>", "before this time (ISO 8601, exclusive)")
    .option("--page-size <n>", "entries per page (the gateway caps it)")
    .option("--page-token <token>", "continue from a previous page")
    .option("--all", "follow every page")
    .option("--json", "print one JSON object")
    .option(
      "--correlation-id <id>",
      "your reference for this search (a case or ticket number), kept in the entry that records a search by subject",
    )
    .option("--passphrase-env <name>", "environment variable holding the key's passphrase")
    .option("--timeout <ms>", "deadline per page", "10000")
    .action(async (flags: QueryFlags) => {
      const subject = await subjectDigestOf(io, flags);
      if (subject === undefined && flags.party === undefined && flags.grant === undefined) {
        throw new UsageError("query needs a subject, --party or --grant");
      }
      const fromTime = timeOf(flags.from, "--from");
      const toTime = timeOf(flags.to, "--to");
      const pageSize = parseCount(flags.pageSize, "--page-size") ?? 0;
      const timeout = timeoutOf(flags.timeout) as number;
      const correlationId = flags.correlationId ?? "";
      if (!isContextId(correlationId)) throw new UsageError(`--correlation-id: ${contextIdRule("a correlation id")}`);
      const client = await openClient(flags);
      try {
        const entries: { index: number; entry: Record<string, unknown> }[] = [];
        let token = flags.pageToken ?? "";
        for (;;) {
          const request: QueryEntriesRequest = {
            subjectDigest: Buffer.from(subject ?? []),
            party: flags.party ?? "",
            grantId: flags.grant ?? "",
            fromTime,
            toTime,
            pageSize,
            pageToken: token,
            // A search by subject is recorded in the gateway's log with or without one.
            correlationId,
          };
          const page = await client.unary(AuditServiceService.queryEntries, request, {
            deadline: Date.now() + timeout,
          });
          for (const e of page.entries) {
            const index = bigToIndex(e.index, "index");
            if (flags.json === true) entries.push({ index, entry: auditEntryJson(e.entry) });
            else out(entryLine(index, e.entry));
          }
          token = page.nextPageToken;
          if (token === "" || flags.all !== true) break;
        }
        if (flags.json === true) out(JSON.stringify({ entries, ...(token === "" ? {} : { nextPageToken: token }) }));
        else if (token !== "") out(`more: --page-token ${token} (or --all)`);
      } catch (e) {
        if (!failedCall(io, e)) throw e;
      } finally {
        client.close();
      }
    });
}
