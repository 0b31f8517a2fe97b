import * as grpc from "@grpc/grpc-js";
import {
  CheckStatus,
  FareType,
  type GetTicketResponse,
  IdType,
  LicenceKind,
  LicenceServiceService,
  LicenceStatus,
  SaleChannel,
  SaleStatus,
  type Ticket,
  TicketMedium,
  TicketServiceService,
  type VerifyLicenceResponse,
  type VerifyTicketResponse,
} from "@hutong/proto";

/**
 * A province's own systems, simulated as a real grpc-js server speaking the
 * hutong.v1 TicketService and LicenceService: what a province gateway routes
 * to as a local backend in the demo, the benchmark and the tests. The records
 * are invented (the ID numbers are not valid ones).
 */
export interface SimulatedBackend {
  readonly address: string;
  readonly province: string;
  /** Metadata of the last calls received (most recent last, at most 50), for tests to inspect. */
  readonly seen: readonly { readonly path: string; readonly metadata: Record<string, string> }[];
  /** Milliseconds every answer waits (to exercise deadlines). */
  delayMs: number;
  /** Calls the client (the gateway) cancelled before they were answered. */
  readonly cancelled: number;
  /** While set, every call is answered with this status instead (what a failing system sends). */
  failure: SimulatedFailure | undefined;
  /** Adds a ticket, or replaces the one with its number (e.g. one carrying planted personal data). */
  addTicket(ticket: Ticket): void;
  close(): Promise<void>;
}

/** A gRPC status a simulated system answers with: code, details (the message) and trailers. */
export interface SimulatedFailure {
  /** A gRPC status code (grpc.status, @hutong/wire's Status). */
  readonly code: number;
  readonly details: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

const at = (iso: string) => new Date(iso);

export function sampleTickets(provinceCode: string): Ticket[] {
  const p = provinceCode.slice(0, 2);
  return [
    {
      ticketNo: `${p}20261121000001`,
      orderNo: `${p}O20261121000001`,
      issuerProvince: provinceCode,
      passenger: { name: "张三", idType: IdType.ID_TYPE_RESIDENT_ID_CARD, idNo: `${p}0000199001010000`, phone: "" },
      buyer: undefined,
      routeCode: `${p}-R001`,
      scheduleNo: "K1021",
      departTime: at("2026-11-22T08:30:00+08:00"),
      boardStation: { code: `${p}0001`, name: "中心客运站" },
      alightStation: { code: `${p}0002`, name: "东站" },
      seatNo: "12",
      seatType: "标准座",
      fareType: FareType.FARE_TYPE_FULL,
      fareFen: 8600n,
      serviceFeeFen: 100n,
      insuranceFen: 200n,
      carrierUscc: "91510100MA0000000X",
      carrierName: "示例客运有限公司",
      vehiclePlate: "川A12345",
      saleStatus: SaleStatus.SALE_STATUS_SOLD,
      checkStatus: CheckStatus.CHECK_STATUS_UNCHECKED,
      saleChannel: SaleChannel.SALE_CHANNEL_ONLINE,
      origTicketNo: "",
      invoiceNo: "",
      soldAt: at("2026-11-20T10:00:00+08:00"),
      checkedAt: undefined,
      statusUpdatedAt: at("2026-11-20T10:00:00+08:00"),
      medium: TicketMedium.TICKET_MEDIUM_ELECTRONIC,
    },
  ];
}

function record(seen: { path: string; metadata: Record<string, string> }[], path: string, md: grpc.Metadata): void {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(md.getMap())) metadata[k] = String(v);
  seen.push({ path, metadata });
  if (seen.length > 50) seen.shift();
}

/**
 * Starts the simulated systems of `provinceCode` (e.g. "440000") on 127.0.0.1:`port` (0 = any), with
 * `tickets` as its records (default sampleTickets).
 */
export async function startSimulatedBackend(
  provinceCode: string,
  port = 0,
  records: readonly Ticket[] = sampleTickets(provinceCode),
): Promise<SimulatedBackend> {
  const tickets = new Map(records.map((t) => [t.ticketNo, t]));
  const seen: { path: string; metadata: Record<string, string> }[] = [];
  const server = new grpc.Server();
  const state = { delayMs: 0, cancelled: 0 };
  let failure: SimulatedFailure | undefined;
  const failed = (f: SimulatedFailure): grpc.ServiceError => {
    const metadata = new grpc.Metadata();
    for (const [k, v] of Object.entries(f.metadata ?? {})) metadata.set(k, v);
    return Object.assign(new Error(f.details), { code: f.code, details: f.details, metadata });
  };
  const later = <T>(
    cb: grpc.sendUnaryData<T>,
    fn: () => T | grpc.ServiceError,
    call?: grpc.ServerUnaryCall<unknown, T>,
  ) => {
    call?.on("cancelled", () => {
      state.cancelled++;
    });
    const run = () => {
      const r = failure === undefined ? fn() : failed(failure);
      if (r instanceof Error) cb(r);
      else cb(null, r);
    };
    if (state.delayMs > 0) setTimeout(run, state.delayMs);
    else run();
  };
  const notFound = (what: string): grpc.ServiceError =>
    Object.assign(new Error(what), { code: grpc.status.NOT_FOUND, details: what, metadata: new grpc.Metadata() });

  server.addService(TicketServiceService, {
    getTicket(
      call: grpc.ServerUnaryCall<{ ticketNo: string }, GetTicketResponse>,
      cb: grpc.sendUnaryData<GetTicketResponse>,
    ) {
      record(seen, TicketServiceService.getTicket.path, call.metadata);
      later(
        cb,
        () => {
          const t = tickets.get(call.request.ticketNo);
          return t === undefined ? notFound("no such ticket") : { ticket: t, annotation: undefined };
        },
        call,
      );
    },
    verifyTicket(
      call: grpc.ServerUnaryCall<
        { ticketNo: string; holderIdNo: string; holderName: string; scheduleNo: string },
        VerifyTicketResponse
      >,
      cb: grpc.sendUnaryData<VerifyTicketResponse>,
    ) {
      record(seen, TicketServiceService.verifyTicket.path, call.metadata);
      later(
        cb,
        () => {
          const r = call.request;
          const t = tickets.get(r.ticketNo);
          if (t === undefined) {
            return {
              valid: false,
              holderMatches: false,
              scheduleMatches: false,
              saleStatus: SaleStatus.SALE_STATUS_UNSPECIFIED,
              checkStatus: CheckStatus.CHECK_STATUS_UNSPECIFIED,
              departTime: undefined,
            };
          }
          const holderMatches =
            (r.holderIdNo === "" || r.holderIdNo === t.passenger?.idNo) &&
            (r.holderName === "" || r.holderName === t.passenger?.name);
          return {
            valid: t.saleStatus === SaleStatus.SALE_STATUS_SOLD && t.checkStatus === CheckStatus.CHECK_STATUS_UNCHECKED,
            holderMatches,
            scheduleMatches: r.scheduleNo !== "" && r.scheduleNo === t.scheduleNo,
            saleStatus: t.saleStatus,
            checkStatus: t.checkStatus,
            departTime: t.departTime,
          };
        },
        call,
      );
    },
  });
  server.addService(LicenceServiceService, {
    getLicence(call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) {
      record(seen, LicenceServiceService.getLicence.path, call.metadata);
      later(cb, () => notFound("no such licence"));
    },
    verifyLicence(
      call: grpc.ServerUnaryCall<{ lookup?: { key?: { $case: string; value: string } } }, VerifyLicenceResponse>,
      cb: grpc.sendUnaryData<VerifyLicenceResponse>,
    ) {
      record(seen, LicenceServiceService.verifyLicence.path, call.metadata);
      later(cb, () => ({
        valid: call.request.lookup?.key?.value === `${provinceCode.slice(0, 2)}-OP-0001`,
        holderMatches: false,
        kind: LicenceKind.LICENCE_KIND_ROAD_TRANSPORT_OPERATING_PERMIT,
        status: LicenceStatus.LICENCE_STATUS_VALID,
        validTo: "2030-12-31",
        statusUpdatedAt: at("2026-01-01T00:00:00+08:00"),
      }));
    },
  });
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    address: `127.0.0.1:${bound}`,
    province: provinceCode,
    seen,
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(v: number) {
      state.delayMs = v;
    },
    get cancelled() {
      return state.cancelled;
    },
    get failure() {
      return failure;
    },
    set failure(f: SimulatedFailure | undefined) {
      failure = f;
    },
    addTicket(ticket) {
      tickets.set(ticket.ticketNo, ticket);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => server.forceShutdown(), 1000).unref();
      }),
  };
}
