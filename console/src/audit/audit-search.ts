import { createHash, randomUUID } from "node:crypto";
import { parseCheckpoint, parseNote } from "@hutong/audit";
import {
  AuditServiceService,
  ExportEntriesRequest,
  ExportEntriesResponse,
  GetCheckpointRequest,
  QueryEntriesRequest,
} from "@hutong/proto";
import type { AuditEntryView, AuditSearchRequest, AuditSearchResult } from "../api/api-types.js";
import { ConsoleError, isConsoleError } from "../errors/console-error.js";
import type { GatewayPool } from "../gateways/gateway-pool.js";
import { type EntryFilter, entryMatches, filterOf } from "./audit-filter.js";
import { decodeEntryView, purposeOf } from "./entry-view.js";

// The audit explorer's search over the gateways' logs. A subject, party or grant goes to the
// gateway's own index (QueryEntries); a search by purpose, decision, correlation id or time alone
// reads the newest `scanLimit` entries through ExportEntries and filters here. Newest first.

export const defaultSearchLimit = 200;
export const maxSearchLimit = 1000;
/** How far back a search without an indexed filter reads, per gateway. */
export const scanLimit = 5000;

export interface AuditSearchOptions {
  readonly pool: GatewayPool;
  /** Who asks (the console user), carried in the correlation id of audited subject queries. */
  readonly username: string;
  readonly gateways: readonly string[];
  /** The keyed digest of the subject's ID number, when the search names one. */
  readonly subjectDigest?: Uint8Array;
}

function checkRequest(req: AuditSearchRequest): void {
  if (req.purpose !== undefined && req.purpose !== "" && purposeOf(req.purpose) === undefined) {
    throw new ConsoleError("invalid-argument", "unknown purpose");
  }
  for (const [name, v] of [
    ["from", req.from],
    ["to", req.to],
  ] as const) {
    if (v !== undefined && v !== "" && Number.isNaN(Date.parse(v))) {
      throw new ConsoleError("invalid-argument", `${name} is not a time`);
    }
  }
  if (req.limit !== undefined && (!Number.isInteger(req.limit) || req.limit < 1 || req.limit > maxSearchLimit)) {
    throw new ConsoleError("invalid-argument", `limit must be 1-${maxSearchLimit}`);
  }
}

/**
 * The console user as the gateways' logs name them: an opaque id, not the username (a holder's
 * username may be their name, and the logs are permanent). The console's own log maps it back.
 */
export const accountId = (username: string) =>
  createHash("sha256").update("hutong console account\0").update(username).digest("hex").slice(0, 12);

/** A correlation id for the gateway's audit entry of this query: console/<account id>/<random>. */
export const queryCorrelationId = (username: string) => `console/${accountId(username)}/${randomUUID().slice(0, 8)}`;

async function indexed(
  o: AuditSearchOptions,
  gateway: string,
  f: EntryFilter,
  limit: number,
  correlationId: string,
): Promise<{ entries: AuditEntryView[]; truncated: boolean }> {
  const entries: AuditEntryView[] = [];
  let pageToken = "";
  for (let pages = 0; pages < 20; pages++) {
    const res = await o.pool.call(
      gateway,
      AuditServiceService.queryEntries,
      QueryEntriesRequest.fromPartial({
        subjectDigest: o.subjectDigest === undefined ? Buffer.alloc(0) : Buffer.from(o.subjectDigest),
        party: f.party ?? "",
        grantId: f.grantId ?? "",
        ...(f.fromMs === undefined ? {} : { fromTime: new Date(f.fromMs) }),
        ...(f.toMs === undefined ? {} : { toTime: new Date(f.toMs) }),
        pageSize: 500,
        pageToken,
        correlationId,
      }),
    );
    for (const e of res.entries) {
      const view = decodeEntryView(gateway, Number(e.index), e.entry);
      if (entryMatches(view, f)) entries.push(view);
      if (entries.length > limit) return { entries: entries.slice(0, limit), truncated: true };
    }
    if (res.nextPageToken === "") return { entries, truncated: false };
    pageToken = res.nextPageToken;
  }
  return { entries, truncated: true };
}

async function scanned(
  o: AuditSearchOptions,
  gateway: string,
  f: EntryFilter,
  limit: number,
): Promise<{ entries: AuditEntryView[]; truncated: boolean }> {
  const cp = await o.pool.call(gateway, AuditServiceService.getCheckpoint, GetCheckpointRequest.fromPartial({}));
  const size = parseCheckpoint(parseNote(cp.checkpoint).text).size;
  const from = Math.max(0, size - scanLimit);
  const matched: AuditEntryView[] = [];
  await o.pool.stream(
    gateway,
    AuditServiceService.exportEntries.path,
    Buffer.from(ExportEntriesRequest.encode({ fromIndex: BigInt(from), toIndex: BigInt(size) }).finish()),
    (message) => {
      for (const e of ExportEntriesResponse.decode(message).entries) {
        const view = decodeEntryView(gateway, Number(e.index), e.entry);
        if (entryMatches(view, f)) matched.push(view);
      }
    },
  );
  matched.reverse();
  return { entries: matched.slice(0, limit), truncated: matched.length > limit || from > 0 };
}

export async function searchAudit(o: AuditSearchOptions, req: AuditSearchRequest): Promise<AuditSearchResult> {
  checkRequest(req);
  const subjectHex = o.subjectDigest === undefined ? undefined : Buffer.from(o.subjectDigest).toString("hex");
  const f = filterOf(req, subjectHex);
  if (Object.keys(f).length === 0) throw new ConsoleError("invalid-argument", "give at least one filter");
  const limit = req.limit ?? defaultSearchLimit;
  const useIndex = subjectHex !== undefined || f.party !== undefined || f.grantId !== undefined;
  const correlationId = queryCorrelationId(o.username);
  const results = await Promise.all(
    o.gateways.map(async (gateway) => {
      try {
        const r = useIndex ? await indexed(o, gateway, f, limit, correlationId) : await scanned(o, gateway, f, limit);
        return { gateway, ...r };
      } catch (e) {
        if (!isConsoleError(e)) throw e;
        return { gateway, error: e.message };
      }
    }),
  );
  const entries = results
    .flatMap((r) => ("entries" in r ? r.entries : []))
    .sort((a, b) => b.time.localeCompare(a.time) || a.gateway.localeCompare(b.gateway) || b.index - a.index);
  return {
    entries: entries.slice(0, limit),
    truncated: entries.length > limit || results.some((r) => "truncated" in r && r.truncated),
    unavailable: results.flatMap((r) =>
      "error" in r && r.error !== undefined ? [{ gateway: r.gateway, error: r.error }] : [],
    ),
  };
}
