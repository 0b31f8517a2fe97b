import * as grpc from "@grpc/grpc-js";
import {
  type AggregateLicenceEventsRequest,
  type AggregateLicenceEventsResponse,
  LicenceLibraryServiceService,
  type QueryAggregationStatusRequest,
  type QueryAggregationStatusResponse,
  type QueryLicenceRatesRequest,
  type QueryLicenceRatesResponse,
  type ReportLicenceCountsRequest,
  type ReportLicenceCountsResponse,
} from "@hutong/proto";
import { addUnaryService, type CallFacts, type ServiceLog } from "@hutong/service-kit";
import { LicensingError, licensingRefusal } from "../licensing-error.js";
import type { LibraryStore } from "../store/port/library-store.js";

export interface LibraryServerOptions {
  readonly store: LibraryStore;
  readonly log: ServiceLog;
  readonly now: () => number;
}

const provinceCode = /^\d{6}$/;

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
    if (e.provinceSeq < 1n) throw new LicensingError("malformed", `events[${i}].province_seq must be 1 or more`);
    if (e.licenceVersion < 1) throw new LicensingError("malformed", `events[${i}].licence_version must be 1 or more`);
    if (e.licence === undefined || e.licence.licenceId === "")
      throw new LicensingError("malformed", `events[${i}] carries no licence with a licence_id`);
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
        return { appliedSeq: await store.report(province, req, now()) };
      },
      async queryLicenceRates(req: QueryLicenceRatesRequest): Promise<QueryLicenceRatesResponse> {
        if (!provinceCode.test(req.province))
          throw new LicensingError("malformed", "province must be a GB/T 2260 code");
        return { rates: await store.rates(req.province, req.period) };
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
  return server;
}
