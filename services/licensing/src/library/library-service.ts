import * as grpc from "@grpc/grpc-js";
import {
  type AggregateLicenceEventsRequest,
  type AggregateLicenceEventsResponse,
  type CountMaintenanceRequestsRequest,
  type CountMaintenanceRequestsResponse,
  type DecideMaintenanceRequestRequest,
  type DecideMaintenanceRequestResponse,
  type FileMaintenanceRequestRequest,
  type FileMaintenanceRequestResponse,
  LicenceLibraryServiceService,
  LicenceMaintenanceServiceService,
  type ListDataFindingsRequest,
  type ListDataFindingsResponse,
  MaintenanceDecision,
  MaintenanceRequest,
  type QueryAggregationStatusRequest,
  type QueryAggregationStatusResponse,
  type QueryLicenceRatesRequest,
  type QueryLicenceRatesResponse,
  type QueryMaintenanceRequestRequest,
  type QueryMaintenanceRequestResponse,
  type ReportLicenceCountsRequest,
  type ReportLicenceCountsResponse,
  type SignedStatement,
} from "@hutong/proto";
import { addUnaryService, type CallFacts, type ServiceLog } from "@hutong/service-kit";
import { LicensingError, licensingRefusal } from "../licensing-error.js";
import type { StatementCheck } from "../maintenance/signed-statement.js";
import type { LibraryStore } from "../store/port/library-store.js";

export interface LibraryServerOptions {
  readonly store: LibraryStore;
  readonly log: ServiceLog;
  readonly now: () => number;
  /** Checks a signed statement against the federation's trust: its signer's party, or why not. */
  readonly verify: (statement: SignedStatement, party: (p: string) => boolean) => StatementCheck;
  /** Called after a write that queued messages. */
  readonly enqueued: () => void;
  /** The ministry systems that decide maintenance requests. */
  readonly deciders: readonly string[];
}

const provinceCode = /^\d{6}$/;
/** Sequence numbers the store keeps exactly (SQLite integers read back as JavaScript numbers). */
const maxSeq = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * The province a caller speaks for, from the party its gateway vouches for (`hutong-origin`):
 * "prov:510000/licence" speaks for 510000. A province writes only its own sequence.
 */
function callerProvince(facts: CallFacts): string {
  const m = /^prov:(\d{6})(\/|$)/.exec(facts.origin);
  if (m === null)
    throw new LicensingError("wrong-province", `${facts.origin || "an unnamed caller"} is not a province`);
  return m[1] as string;
}

function checkEvents(province: string, req: AggregateLicenceEventsRequest): void {
  if (req.events.length === 0 || req.events.length > 1000) {
    throw new LicensingError("malformed", `a batch has 1 to 1000 events, not ${req.events.length}`);
  }
  for (const [i, e] of req.events.entries()) {
    if (e.province !== province) {
      throw new LicensingError(
        "wrong-province",
        `events[${i}] is province ${e.province}'s; the caller is ${province}'s`,
      );
    }
    if (e.idempotencyKey === "" || e.idempotencyKey.length > 128)
      throw new LicensingError("malformed", `events[${i}].idempotency_key must be 1 to 128 characters`);
    if (e.provinceSeq < 1n || e.provinceSeq > maxSeq) {
      throw new LicensingError("malformed", `events[${i}].province_seq must be 1 to ${maxSeq}`);
    }
    for (const [name, at] of [
      ["occurred_at", e.occurredAt],
      ["recorded_at", e.recordedAt],
    ] as const) {
      if (at === undefined || !Number.isFinite(at.getTime())) {
        throw new LicensingError("malformed", `events[${i}].${name} is missing or out of range`);
      }
    }
    if (e.licenceVersion < 1) throw new LicensingError("malformed", `events[${i}].licence_version must be 1 or more`);
    if (e.licence === undefined || e.licence.licenceId === "")
      throw new LicensingError("malformed", `events[${i}] carries no licence with a licence_id`);
  }
}

/** The statement's body decoded, after its signature and signer were checked; refused otherwise. */
function signedBody<T>(
  statement: SignedStatement | undefined,
  decode: (b: Uint8Array) => T,
  options: LibraryServerOptions,
  signer: (party: string) => boolean,
  what: string,
): { readonly body: T; readonly party: string } {
  if (statement === undefined) throw new LicensingError("malformed", `the ${what} is missing`);
  const check = options.verify(statement, signer);
  if (!check.ok) throw new LicensingError("bad-signature", `the ${what}: ${check.reason}`);
  try {
    return { body: decode(statement.body), party: check.party };
  } catch {
    throw new LicensingError("malformed", `the ${what}'s body is not a ${what}`);
  }
}

function checkRequest(r: MaintenanceRequest, province: string): void {
  if (r.province !== province) {
    throw new LicensingError("wrong-province", `the request is province ${r.province}'s; the caller is ${province}'s`);
  }
  if (!/^[A-Za-z0-9-]{1,64}$/.test(r.requestId))
    throw new LicensingError("malformed", "request_id must be 1 to 64 letters, digits or -");
  if (r.corrections.length === 0 || r.corrections.length > 1000) {
    throw new LicensingError("malformed", "a request corrects 1 to 1000 items");
  }
  if (r.reason.trim() === "") throw new LicensingError("malformed", "a request says why (reason)");
  const items = new Set<string>();
  for (const [i, c] of r.corrections.entries()) {
    const item = `${c.licenceId} ${c.field}`;
    if (items.has(item)) throw new LicensingError("malformed", `corrections[${i}] corrects an item corrected before`);
    items.add(item);
  }
  // By index: an attachment's name may name a person.
  for (const [i, a] of r.attachments.entries()) {
    if (a.sm3.length !== 32) throw new LicensingError("malformed", `attachments[${i}]: sm3 must be 32 bytes`);
  }
}

/** The ministry licence library's gRPC server. */
export function createLibraryServer(options: LibraryServerOptions): grpc.Server {
  const { store, now } = options;
  const server = new grpc.Server();
  addUnaryService(
    server,
    LicenceLibraryServiceService,
    {
      async aggregateLicenceEvents(
        req: AggregateLicenceEventsRequest,
        facts: CallFacts,
      ): Promise<AggregateLicenceEventsResponse> {
        const province = callerProvince(facts);
        checkEvents(province, req);
        return store.aggregate(province, req.events, now());
      },
      async reportLicenceCounts(
        req: ReportLicenceCountsRequest,
        facts: CallFacts,
      ): Promise<ReportLicenceCountsResponse> {
        const province = callerProvince(facts);
        if (req.province !== province) {
          throw new LicensingError(
            "wrong-province",
            `the report is province ${req.province}'s; the caller is ${province}'s`,
          );
        }
        if (req.headSeq > maxSeq) throw new LicensingError("malformed", `head_seq must be at most ${maxSeq}`);
        return { appliedSeq: await store.report(province, req, now()) };
      },
      async queryLicenceRates(req: QueryLicenceRatesRequest): Promise<QueryLicenceRatesResponse> {
        if (!provinceCode.test(req.province))
          throw new LicensingError("malformed", "province must be a GB/T 2260 code");
        return { rates: await store.rates(req.province, req.period) };
      },
      async listDataFindings(req: ListDataFindingsRequest, facts: CallFacts): Promise<ListDataFindingsResponse> {
        if (!provinceCode.test(req.province))
          throw new LicensingError("malformed", "province must be a GB/T 2260 code");
        // A province sees its own findings; the ministry's systems see every province's.
        if (!facts.origin.startsWith("mot/") && callerProvince(facts) !== req.province) {
          throw new LicensingError("wrong-province", `${facts.origin} may see only its own province's findings`);
        }
        const limit = req.limit === 0 || req.limit > 1000 ? 1000 : req.limit;
        const r = await store.dataFindings(req.province, req.runId, limit);
        if (r === undefined) {
          throw new LicensingError("not-found", `no data-check run ${req.runId || "yet"} for ${req.province}`);
        }
        return { run: r.run, findings: [...r.findings] };
      },
      async queryAggregationStatus(req: QueryAggregationStatusRequest): Promise<QueryAggregationStatusResponse> {
        if (req.province !== "" && !provinceCode.test(req.province))
          throw new LicensingError("malformed", "province must be empty or a GB/T 2260 code");
        return { provinces: [...(await store.status(req.province))] };
      },
    },
    options.log,
    licensingRefusal,
  );
  addUnaryService(
    server,
    LicenceMaintenanceServiceService,
    {
      async fileMaintenanceRequest(
        req: FileMaintenanceRequestRequest,
        facts: CallFacts,
      ): Promise<FileMaintenanceRequestResponse> {
        const province = callerProvince(facts);
        // Signed by the caller itself: the province's own licence system.
        const { body, party } = signedBody(
          req.request,
          (b) => MaintenanceRequest.decode(b),
          options,
          (p) => p === facts.origin,
          "request",
        );
        checkRequest(body, province);
        return { status: await store.fileMaintenance(req.request as SignedStatement, body, party, now()) };
      },
      async decideMaintenanceRequest(
        req: DecideMaintenanceRequestRequest,
        facts: CallFacts,
      ): Promise<DecideMaintenanceRequestResponse> {
        if (!options.deciders.includes(facts.origin)) {
          throw new LicensingError(
            "wrong-province",
            `${facts.origin || "an unnamed caller"} does not decide maintenance requests`,
          );
        }
        const { body, party } = signedBody(
          req.decision,
          (b) => MaintenanceDecision.decode(b),
          options,
          (p) => p === facts.origin,
          "decision",
        );
        const r = await store.decideMaintenance(req.decision as SignedStatement, body, party, now());
        if (r.enqueued > 0) options.enqueued();
        return { status: r.status };
      },
      async queryMaintenanceRequest(req: QueryMaintenanceRequestRequest): Promise<QueryMaintenanceRequestResponse> {
        if (!provinceCode.test(req.province))
          throw new LicensingError("malformed", "province must be a GB/T 2260 code");
        const status = await store.maintenance(req.province, req.requestId);
        if (status === undefined)
          throw new LicensingError("not-found", `no request ${req.requestId} of ${req.province}`);
        return { status };
      },
      async countMaintenanceRequests(req: CountMaintenanceRequestsRequest): Promise<CountMaintenanceRequestsResponse> {
        if (req.province !== "" && !provinceCode.test(req.province))
          throw new LicensingError("malformed", "province must be empty or a GB/T 2260 code");
        return { counts: [...(await store.countMaintenance(req.province === "" ? undefined : req.province))] };
      },
    },
    options.log,
    licensingRefusal,
  );
  return server;
}
